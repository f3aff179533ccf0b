// The whole app in Socket Mode, through Bolt's real SocketModeReceiver: the fake Slack serves
// apps.connections.open (the app-level token) and a WebSocket on 127.0.0.1, commands and clicks
// arrive as envelopes the bot acks by envelope_id, answers go through response URLs and the Web API.
// The same flows as slack-app.test.ts's HTTP ones: the happy path, the refusals, the double click,
// and a click whose ack was lost, delivered again with retry_attempt 1. At 500× (not 2000×): on a
// busy machine the simulated clock then outruns the bot less.
import { afterEach, describe, expect, it } from 'vitest';
import { CHANNEL, ephemeralText, requestPlan, startHarness, textOf, waitForRun, type Harness } from './harness.js';

let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});



describe('Socket Mode, envelope by envelope', () => {
  it('slash command → plan → approve → live thread → summary', async () => {
    h = await startHarness({ transport: 'socket', speed: 500 });
    expect((await fetch(`${h.url}/readyz`)).status).toBe(200);
    expect(h.fake.callsOf('apps.connections.open').map((c) => c.tokenKind)).toEqual(['xapp']);

    const { run, plan, responseUrl } = await requestPlan(h);
    await h.fake.waitFor(() => h!.fake.responses(responseUrl).length > 0, 5000, 'the ephemeral ack');
    expect(ephemeralText(h, responseUrl)).toMatch(/needs an approver/);
    expect((await h.click('mng_approve', run.id, 'UAPPROVER1', plan)).status).toBe(200);
    await waitForRun(h, (r) => r.id === run.id && r.status === 'succeeded', 30_000, 'success');
    await h.slack.reporter.endShown(run.id);

    const parent = h.fake.message(CHANNEL, plan.ts)!;
    expect(textOf(parent)).toMatch(/Succeeded/);
    expect(textOf(parent)).toContain('approved by <@UAPPROVER1>');
    const thread = h.fake.thread(CHANNEL, plan.ts);
    expect(textOf(thread[0])).toMatch(/Replaced \*9\*\/9/);
    expect(textOf(thread.at(-1))).toMatch(/Nodes replaced\*\\n9\/9/);
    expect(h.world.ledger().podsLost).toBe(0);
    expect(h.fake.callsOf('auth.test').length).toBe(1);
    expect(h.fake.socketMode!.unacked).toBe(0);
    expect(h.logLines.join('\n')).not.toMatch(/xoxb-test-0000|xapp-1-test-0000/);
  });

  it('refuses people who may not approve, and the requester approving their own request', async () => {
    h = await startHarness({ transport: 'socket', approvers: ['UAPPROVER1', 'UREQUESTER'] });
    const { run, plan } = await requestPlan(h);
    const outsider = await h.click('mng_approve', run.id, 'UOUTSIDER', plan);
    const self = await h.click('mng_approve', run.id, 'UREQUESTER', plan);
    for (const r of [outsider, self]) await h.fake.waitFor(() => h!.fake.responses(r.responseUrl).length > 0, 5000, 'refusal');
    expect(ephemeralText(h, outsider.responseUrl)).toMatch(/only approvers may approve/);
    expect(ephemeralText(h, self.responseUrl)).toMatch(/someone else must approve/);
    expect((await h.engine.get(run.id))!.status).toBe('awaiting-approval');
    const refused = (await h.store.auditLog()).filter((a) => a.action.startsWith('refused-'));
    expect(refused.map((a) => [a.action, a.user])).toEqual([
      ['refused-approve', 'UOUTSIDER'],
      ['refused-approve', 'UREQUESTER'],
    ]);
  });

  it('a double click, or two approvers at once, starts exactly one run', async () => {
    h = await startHarness({ transport: 'socket', speed: 500 });
    const { run, plan } = await requestPlan(h);
    const clicks = await Promise.all(['UAPPROVER1', 'UAPPROVER1', 'UAPPROVER2', 'UAPPROVER2'].map((u) => h!.click('mng_approve', run.id, u, plan)));
    for (const c of clicks) expect(c.status).toBe(200);
    await waitForRun(h, (r) => r.status === 'succeeded', 30_000, 'success');
    await h.slack.reporter.endShown(run.id);
    expect((await h.runs()).length).toBe(1);
    expect((await h.store.auditLog()).filter((a) => a.action === 'approve')).toHaveLength(1);
    expect(clicks.map((c) => ephemeralText(h!, c.responseUrl)).filter((t) => /already approved/.test(t))).toHaveLength(3);
    expect(h.fake.thread(CHANNEL, plan.ts).filter((m) => /Upgrade of .* succeeded/.test(m.text))).toHaveLength(1);
  });

  it('a click whose ack was lost with the socket comes again (retry_attempt 1) and is not acted on twice', async () => {
    h = await startHarness({ transport: 'socket', speed: 500 });
    const { run, plan } = await requestPlan(h);
    h.fake.socketMode!.loseNextAck();
    const click = await h.click('mng_approve', run.id, 'UAPPROVER1', plan);
    await waitForRun(h, (r) => r.id === run.id && r.status === 'succeeded', 30_000, 'success');
    await h.fake.waitFor(() => h!.fake.socketMode!.unacked === 0 || undefined, 30_000, 'the repeat acknowledged');
    const dropped = h.logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'repeated delivery from Slack dropped');
    expect(dropped).toHaveLength(1);
    expect(dropped[0]).toMatchObject({ retryNum: 1, retryReason: 'timeout' });
    expect((await h.store.auditLog()).filter((a) => a.action === 'approve')).toHaveLength(1);
    // The one approval answered once; the repeat said nothing.
    expect(h.fake.responses(click.responseUrl).filter((r) => /already approved/.test(JSON.stringify(r)))).toEqual([]);
  });
});
