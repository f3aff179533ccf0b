// The whole app through Bolt's real HTTP receiver: signed requests in, a fake Slack Web API out,
// the engine running on a simulated world at 2000 simulated seconds per real second.
import { afterEach, describe, expect, it } from 'vitest';
import { PendingRequestError } from '../../src/engine/commands.js';
import { CHANNEL, ephemeralText, requestPlan, signedHeaders, startHarness, textOf, waitForRun, type Harness } from './harness.js';

let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});



describe('slash command → plan → approve → run → summary', () => {
  it('runs a whole upgrade from Slack', async () => {
    h = await startHarness();
    const health = await fetch(`${h.url}/healthz`);
    expect(health.status).toBe(200);

    const { run, plan, responseUrl } = await requestPlan(h);
    // The plan: versions, AMI releases, strategy, surge and its reason, maxUnavailable, drain timeout,
    // estimate, the node list and the findings, with Approve (confirm dialog) and Reject.
    const planText = textOf(plan);
    for (const s of ['1.29 → *1.30*', run.plan.toRelease, 'rolling', 'Surge', run.plan.surgeReason, 'maxUnavailable', 'Drain timeout', 'Estimated duration', 'Preflight']) {
      expect(planText).toContain(s);
    }
    for (const n of run.plan.nodes) {
      expect(planText).toContain(n.name);
      expect(planText).toContain(n.instanceId);
    }
    const actions = plan.blocks!.find((b) => (b as { type: string }).type === 'actions') as { elements: { action_id: string; style?: string; confirm?: unknown; value: string }[] };
    expect(actions.elements.map((e) => [e.action_id, e.style, !!e.confirm, e.value])).toEqual([
      ['mng_approve', 'primary', true, run.id],
      ['mng_reject', 'danger', false, run.id],
    ]);
    await h.fake.waitFor(() => h!.fake.responses(responseUrl).length > 0, 5000, 'the ephemeral ack');
    expect(ephemeralText(h, responseUrl)).toMatch(/needs an approver/);

    const click = await h.click('mng_approve', run.id, 'UAPPROVER1', plan);
    expect(click.status).toBe(200);
    const done = await waitForRun(h, (r) => r.id === run.id && r.status === 'succeeded', 30_000, 'success');
    await h.slack.reporter.endShown(run.id);

    const parent = h.fake.message(CHANNEL, plan.ts)!;
    expect(textOf(parent)).toMatch(/Succeeded/);
    expect(textOf(parent)).toContain('approved by <@UAPPROVER1>');
    expect(parent.blocks!.some((b) => (b as { type: string }).type === 'actions')).toBe(false);

    const thread = h.fake.thread(CHANNEL, plan.ts);
    const progress = thread[0];
    expect(textOf(progress)).toMatch(/succeeded/);
    expect(textOf(progress)).toMatch(/Replaced \*9\*\/9/);
    for (const n of done.nodes) expect(textOf(progress)).toContain(n.name);
    expect(textOf(progress)).toMatch(/terminating \d+/);
    const summary = thread.at(-1)!;
    expect(textOf(summary)).toMatch(/Nodes replaced\*\\n9\/9/);
    expect(textOf(summary)).toMatch(/Pods evicted/);
    expect(textOf(summary)).toMatch(/9\/12\/9, restored/);

    // Edits of any one message at most once a second, measured when each Web API call was made (the
    // reporter's own stamp, which it spaces its calls by): one record per call the fake Web API saw,
    // the progress message's post included.
    for (const [ts, posts] of [
      [plan.ts, 0],
      [progress.ts, 1],
    ] as const) {
      const calls = h.edits.filter((e) => e.ts === ts);
      expect(calls, `calls for ${ts}`).toHaveLength(h.fake.callsOf('chat.update').filter((c) => c.args.ts === ts).length + posts);
      for (let i = 1; i < calls.length; i++) expect(calls[i].startedAt - calls[i - 1].startedAt).toBeGreaterThanOrEqual(1000);
    }
    // The world agrees: every old node replaced, nothing lost.
    expect(h.world.ledger().podsLost).toBe(0);
    const audit = await h.store.auditLog();
    expect(audit.map((a) => [a.action, a.user])).toEqual(expect.arrayContaining([['request', 'UREQUESTER'], ['approve', 'UAPPROVER1']]));
    // Bolt verified the token once; no secrets reached the log.
    expect(h.fake.callsOf('auth.test').length).toBe(1);
    expect(h.logLines.join('\n')).not.toContain('xoxb-test-0000');
    expect(h.logLines.join('\n')).not.toContain('test-signing-secret');
  });

  it('--dry-run posts the plan without buttons and starts nothing', async () => {
    h = await startHarness();
    await h.command('upgrade nodegroup 1.30 --dry-run --max-unavailable 2');
    const plan = await h.fake.waitFor(() => h!.planMessage(), 10_000, 'the dry-run plan');
    expect(textOf(plan)).toMatch(/Dry run/);
    expect(textOf(plan)).toMatch(/maxUnavailable\*\\n2/);
    expect(plan.blocks!.some((b) => (b as { type: string }).type === 'actions')).toBe(false);
    expect(await h.runs()).toEqual([]);
  });

  it('answers a command the grammar refuses with the input, the reason and the usage; nothing starts', async () => {
    h = await startHarness();
    const res = await h.command('upgrade nodegroup 1.30 --strategy blue-green');
    await h.fake.waitFor(() => h!.fake.responses(res.responseUrl).length > 0, 5000, 'the usage reply');
    const [reply] = h.fake.responses(res.responseUrl);
    expect(reply.response_type).toBe('ephemeral');
    const text = ephemeralText(h, res.responseUrl);
    expect(text).toContain('/mng upgrade nodegroup 1.30 --strategy blue-green');
    expect(text).toMatch(/rolling or eks/);
    expect(text).toMatch(/Usage/);
    expect(h.fake.callsOf('chat.postMessage')).toEqual([]);
    expect(await h.runs()).toEqual([]);
  });

  it('list, status and help answer privately', async () => {
    h = await startHarness();
    const list = await h.command('list');
    await h.fake.waitFor(() => h!.fake.responses(list.responseUrl).length > 0, 5000, 'list');
    expect(ephemeralText(h, list.responseUrl)).toMatch(/workers.*1\.29.*9\/12\/9/);
    const { run } = await requestPlan(h);
    const status = await h.command(`status ${run.id}`);
    await h.fake.waitFor(() => h!.fake.responses(status.responseUrl).length > 0, 5000, 'status');
    expect(ephemeralText(h, status.responseUrl)).toContain(run.id);
    const all = await h.command('status');
    await h.fake.waitFor(() => h!.fake.responses(all.responseUrl).length > 0, 5000, 'status list');
    expect(ephemeralText(h, all.responseUrl)).toMatch(/awaiting approval/);
    const unknown = await h.command('status r-nope');
    await h.fake.waitFor(() => h!.fake.responses(unknown.responseUrl).length > 0, 5000, 'unknown status');
    expect(ephemeralText(h, unknown.responseUrl)).toMatch(/there is no run r-nope/);
  });
});

describe('approvals', () => {
  it('a rejection edits the plan and changes nothing', async () => {
    h = await startHarness();
    const { run, plan } = await requestPlan(h);
    const before = h.world.groupSizes();
    await h.click('mng_reject', run.id, 'UAPPROVER2', plan);
    await waitForRun(h, (r) => r.status === 'rejected', 5000, 'rejection');
    await h.slack.reporter.idle();
    const parent = h.fake.message(CHANNEL, plan.ts)!;
    expect(textOf(parent)).toMatch(/Rejected\* by <@UAPPROVER2>/);
    expect(parent.blocks!.some((b) => (b as { type: string }).type === 'actions')).toBe(false);
    expect(h.fake.thread(CHANNEL, plan.ts)).toEqual([]);
    expect(h.world.groupSizes()).toEqual(before);
    // A late approval is refused, and says why.
    const late = await h.click('mng_approve', run.id, 'UAPPROVER1', plan);
    await h.fake.waitFor(() => h!.fake.responses(late.responseUrl).length > 0, 5000, 'refusal');
    expect(ephemeralText(h, late.responseUrl)).toMatch(/already rejected by UAPPROVER2/);
    const audit = await h.store.auditLog();
    expect(audit.find((a) => a.action === 'reject')).toMatchObject({ user: 'UAPPROVER2', runId: run.id });
    expect(audit.find((a) => a.action === 'refused-approve')).toMatchObject({ user: 'UAPPROVER1', runId: run.id });
  });

  it('a request nobody approves in time expires, and its message says so', async () => {
    // 60 simulated seconds is 30 ms of real time at 2000×.
    h = await startHarness({ approvalExpiryMs: 60_000, expiryIntervalMs: 100 });
    const { run, plan } = await requestPlan(h);
    await waitForRun(h, (r) => r.id === run.id && r.status === 'expired', 5000, 'expiry');
    await h.fake.waitFor(() => /Expired/.test(textOf(h!.fake.message(CHANNEL, plan.ts))), 5000, 'the expired plan');
    const parent = h.fake.message(CHANNEL, plan.ts)!;
    expect(parent.blocks!.some((b) => (b as { type: string }).type === 'actions')).toBe(false);
    const click = await h.click('mng_approve', run.id, 'UAPPROVER1', plan);
    await h.fake.waitFor(() => h!.fake.responses(click.responseUrl).length > 0, 5000, 'refusal');
    expect(ephemeralText(h, click.responseUrl)).toMatch(/already expired/);
    expect((await h.store.auditLog()).map((a) => a.action)).toContain('expire');
  });

  it('refuses people who may not approve, and the requester approving their own request', async () => {
    h = await startHarness({ approvers: ['UAPPROVER1', 'UREQUESTER'] });
    const { run, plan } = await requestPlan(h);
    const outsider = await h.click('mng_approve', run.id, 'UOUTSIDER', plan);
    const outsiderReject = await h.click('mng_reject', run.id, 'UOUTSIDER', plan);
    const self = await h.click('mng_approve', run.id, 'UREQUESTER', plan);
    for (const r of [outsider, outsiderReject, self]) await h.fake.waitFor(() => h!.fake.responses(r.responseUrl).length > 0, 5000, 'refusal');
    expect(ephemeralText(h, outsider.responseUrl)).toMatch(/only approvers may approve/);
    expect(ephemeralText(h, outsiderReject.responseUrl)).toMatch(/only approvers may reject/);
    expect(ephemeralText(h, self.responseUrl)).toMatch(/someone else must approve/);
    for (const r of [outsider, self]) expect(h.fake.responses(r.responseUrl)[0]).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect((await h.engine.get(run.id))!.status).toBe('awaiting-approval');
    const refused = (await h.store.auditLog()).filter((a) => a.action.startsWith('refused-'));
    expect(refused.map((a) => [a.action, a.user])).toEqual([
      ['refused-approve', 'UOUTSIDER'],
      ['refused-reject', 'UOUTSIDER'],
      ['refused-approve', 'UREQUESTER'],
    ]);
    for (const a of refused) expect(a.at).toBeGreaterThan(0);
    // The plan message still offers the buttons.
    expect(h.fake.message(CHANNEL, plan.ts)!.blocks!.some((b) => (b as { type: string }).type === 'actions')).toBe(true);
  });

  it('members of a configured user group may approve', async () => {
    h = await startHarness({ approvers: [], groups: ['S0PLATFORM'], userGroups: { S0PLATFORM: ['UGROUPIE'] } });
    const { run, plan } = await requestPlan(h);
    await h.click('mng_approve', run.id, 'UGROUPIE', plan);
    await waitForRun(h, (r) => r.id === run.id && r.approvedBy?.user === 'UGROUPIE', 5000, 'approval');
    expect(h.fake.callsOf('usergroups.users.list')[0].args).toMatchObject({ usergroup: 'S0PLATFORM' });
  });

  it('a double click, or two approvers at once, starts exactly one run', async () => {
    h = await startHarness();
    const { run, plan } = await requestPlan(h);
    const clicks = await Promise.all([
      h.click('mng_approve', run.id, 'UAPPROVER1', plan),
      h.click('mng_approve', run.id, 'UAPPROVER1', plan),
      h.click('mng_approve', run.id, 'UAPPROVER2', plan),
      h.click('mng_approve', run.id, 'UAPPROVER2', plan),
    ]);
    for (const c of clicks) expect(c.status).toBe(200);
    await waitForRun(h, (r) => r.status === 'succeeded', 30_000, 'success');
    await h.slack.reporter.endShown(run.id);
    const runs = await h.runs();
    expect(runs.length).toBe(1);
    const approvals = (await h.store.auditLog()).filter((a) => a.action === 'approve');
    expect(approvals.length).toBe(1);
    const refusals = clicks.map((c) => ephemeralText(h!, c.responseUrl)).filter((t) => /already approved/.test(t));
    expect(refusals.length).toBe(3);
    // One progress message, one summary.
    const thread = h.fake.thread(CHANNEL, plan.ts);
    expect(thread.filter((m) => /Upgrade of .* succeeded/.test(m.text)).length).toBe(1);
    expect(h.world.ledger().terminatedTwice).toBe(0);
  });

  it('a second upgrade of a group with one running is refused with a pointer to it', async () => {
    h = await startHarness({ speed: 200 });
    const { run, plan } = await requestPlan(h);
    await h.click('mng_approve', run.id, 'UAPPROVER1', plan);
    await waitForRun(h, (r) => r.id === run.id && r.status === 'running', 5000, 'running');
    const again = await h.command('upgrade nodegroup 1.30');
    await h.fake.waitFor(() => h!.fake.responses(again.responseUrl).length > 0, 10_000, 'refusal');
    expect(ephemeralText(h, again.responseUrl)).toMatch(new RegExp(`already has an upgrade running: run ${run.id}`));
    expect(ephemeralText(h, again.responseUrl)).toContain(`/mng status ${run.id}`);
    expect((await h.runs()).length).toBe(1);
    // Cancel it: only approvers and the requester may.
    const outsider = await h.command(`cancel ${run.id}`, 'UOUTSIDER');
    await h.fake.waitFor(() => h!.fake.responses(outsider.responseUrl).length > 0, 5000, 'cancel refusal');
    expect(ephemeralText(h, outsider.responseUrl)).toMatch(/only approvers and the person who asked/);
    const cancel = await h.command(`cancel ${run.id}`, 'UREQUESTER');
    await h.fake.waitFor(() => h!.fake.responses(cancel.responseUrl).length > 0, 5000, 'cancel');
    expect(ephemeralText(h, cancel.responseUrl)).toMatch(/Cancelling run/);
    await waitForRun(h, (r) => r.id === run.id && r.status === 'cancelled', 60_000, 'cancelled');
    await h.slack.reporter.endShown(run.id);
    expect(textOf(h.fake.message(CHANNEL, plan.ts))).toMatch(/Cancelled/);
    expect(textOf(h.fake.thread(CHANNEL, plan.ts).at(-1))).toMatch(/cancelled/);
  });
});

describe('one request awaiting approval per node group', () => {
  it('a second /mng upgrade is refused, pointing to the first: its id, who asked, when, and the thread where it waits', async () => {
    h = await startHarness();
    const { run, plan } = await requestPlan(h);
    // The plan message's ts reaches the run (run.notify) once it is posted.
    await waitForRun(h, (r) => r.id === run.id && r.notify?.planTs === plan.ts, 5000, 'the plan message on the run');
    const postsBefore = h.fake.callsOf('chat.postMessage').length;

    for (const user of ['UOUTSIDER', 'UREQUESTER', 'UOUTSIDER']) {
      const again = await h.command('upgrade nodegroup 1.30 --max-unavailable 2', user);
      await h.fake.waitFor(() => h!.fake.responses(again.responseUrl).length > 0, 10_000, 'the refusal');
      const [reply] = h.fake.responses(again.responseUrl);
      expect(reply.response_type).toBe('ephemeral');
      const text = ephemeralText(h, again.responseUrl);
      // The harness's people live in its world's time: its times are shown to them as real ones.
      const asked = new Date(run.createdAt).toISOString().slice(0, 16).replace('T', ' ');
      expect(text).toContain(
        `\`demo/workers\` already has a request waiting for approval: run \`${run.id}\`, asked by <@UREQUESTER> <!date^${Math.floor(run.createdAt / 1000)}^{date_short_pretty} {time}|${asked} UTC>`,
      );
      expect(text).toContain(`in <#${CHANNEL}> (<https://fake.slack.test/archives/${CHANNEL}/p${plan.ts.replace('.', '')}|its plan, with its thread>)`);
      expect(text).toContain(`/mng cancel ${run.id}`);
    }
    // Nothing new in the channel, no second run, and the refusals are not audited.
    expect(h.fake.callsOf('chat.postMessage').length).toBe(postsBefore);
    expect((await h.runs()).map((r) => r.id)).toEqual([run.id]);
    expect((await h.store.auditLog()).map((a) => a.action)).toEqual(['request']);

    // Any other front end (the CLI) gets the same refusal from the engine, as data and in words.
    const refused = await h.engine.requestUpgrade({ ref: run.ref, version: '1.30' }, { user: 'cli-user', at: h.world.clock.now() }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(PendingRequestError);
    const pending = (refused as PendingRequestError).pending;
    expect(pending).toMatchObject({ runId: run.id, requestedBy: { user: 'UREQUESTER', channel: CHANNEL }, createdAt: run.createdAt, notify: { channel: CHANNEL, planTs: plan.ts } });
    expect((refused as Error).message).toBe(
      `demo/workers already has a request awaiting approval: run ${run.id}, asked by UREQUESTER at ${new Date(run.createdAt).toISOString()}, waiting in channel ${CHANNEL} (thread ${plan.ts})`,
    );

    // Once it is decided, the group takes a new request.
    await h.click('mng_reject', run.id, 'UAPPROVER2', plan);
    await waitForRun(h, (r) => r.id === run.id && r.status === 'rejected', 5000, 'rejection');
    await h.command('upgrade nodegroup 1.30', 'UOUTSIDER');
    const second = await waitForRun(h, (r) => r.id !== run.id, 10_000, 'the new request');
    expect(second).toMatchObject({ status: 'awaiting-approval', requestedBy: { user: 'UOUTSIDER' } });
  });

  it('requests sent at the same moment make exactly one run; the others are told which', async () => {
    h = await startHarness();
    const sent = await Promise.all(['UREQUESTER', 'UOUTSIDER', 'UAPPROVER1', 'UAPPROVER2'].map((u) => h!.command('upgrade nodegroup 1.30', u)));
    for (const s of sent) await h.fake.waitFor(() => h!.fake.responses(s.responseUrl).length > 0, 10_000, 'a reply');
    const runs = await h.runs();
    expect(runs).toHaveLength(1);
    const texts = sent.map((s) => ephemeralText(h!, s.responseUrl));
    expect(texts.filter((t) => /needs an approver/.test(t))).toHaveLength(1);
    expect(texts.filter((t) => t.includes(`already has a request waiting for approval: run \`${runs[0].id}\``))).toHaveLength(3);
    expect([...h.fake.messages.values()].filter((m) => !m.thread_ts)).toHaveLength(1);
  });
});

describe('a drain that needs a person', () => {
  it('asks in the thread with Force, Skip node and Abort; only approvers may answer', { timeout: 90_000 }, async () => {
    h = await startHarness({ scenario: 'scenarios/pdb-blocked.json' });
    const { run, plan } = await requestPlan(h, 'upgrade nodegroup 1.30 --drain-timeout 10m');
    await h.click('mng_approve', run.id, 'UAPPROVER1', plan);
    const question = await h.fake.waitFor(() => h!.fake.thread(CHANNEL, plan.ts).find((m) => /blocked/.test(m.text)), 20_000, 'the question');
    const json = textOf(question);
    expect(json).toMatch(/payments\/ledger-\d/);
    expect(json).toContain('payments/ledger');
    const value = (question.blocks!.find((b) => (b as { type: string }).type === 'actions') as { elements: { value: string }[] }).elements[0].value;

    const outsider = await h.click('mng_decide_force', value, 'UOUTSIDER', question);
    await h.fake.waitFor(() => h!.fake.responses(outsider.responseUrl).length > 0, 5000, 'refusal');
    expect(ephemeralText(h, outsider.responseUrl)).toMatch(/only approvers may force/);

    await h.click('mng_decide_force', value, 'UAPPROVER2', question);
    await h.fake.waitFor(() => /chose \*force\*/.test(textOf(h!.fake.message(CHANNEL, question.ts))), 5000, 'the answered question');
    expect(h.fake.message(CHANNEL, question.ts)!.blocks!.some((b) => (b as { type: string }).type === 'actions')).toBe(false);

    // The StatefulSet's PDB allows no disruption anywhere: every old node asks. Skip the next, force the rest.
    const answered = new Set([question.ts]);
    let choice: 'skip' | 'force' = 'skip';
    for (;;) {
      const r = (await h.engine.get(run.id))!;
      if (['succeeded', 'failed', 'aborted'].includes(r.status)) break;
      const next = h.fake.thread(CHANNEL, plan.ts).find((m) => /blocked/.test(m.text) && !answered.has(m.ts));
      if (next) {
        const v = (next.blocks!.find((b) => (b as { type: string }).type === 'actions') as { elements: { value: string }[] }).elements[0].value;
        await h.click(`mng_decide_${choice}`, v, 'UAPPROVER1', next);
        answered.add(next.ts);
        choice = 'force';
      }
      await new Promise((res) => setTimeout(res, 20));
    }
    const done = (await h.engine.get(run.id))!;
    await h.slack.reporter.idle();
    expect(done.status).toBe('succeeded');
    expect(done.nodes.filter((n) => n.state === 'skipped').length).toBe(1);
    expect(done.counters.forcedDeletions).toBeGreaterThan(0);
    const audit = await h.store.auditLog();
    expect(audit.find((a) => a.action === 'force')).toMatchObject({ user: 'UAPPROVER2' });
    expect(audit.find((a) => a.action === 'refused-force')).toMatchObject({ user: 'UOUTSIDER' });
    expect(h.fake.thread(CHANNEL, plan.ts).some((m) => /chose force/.test(m.text) || /chose \*force\*/.test(textOf(m)))).toBe(true);
  });
});

describe("Slack's repeated deliveries", () => {
  it('a slash command delivered again (X-Slack-Retry-Num) plans once; a click delivered twice approves once', async () => {
    h = await startHarness({ speed: 200 });
    const body = new URLSearchParams({
      team_id: h.fake.teamId,
      channel_id: CHANNEL,
      user_id: 'UREQUESTER',
      user_name: 'rita',
      command: '/mng',
      text: 'upgrade nodegroup 1.30',
      response_url: h.fake.responseUrl(),
      trigger_id: 'trigger-retried-command',
    }).toString();
    expect((await h.post(body, signedHeaders(body))).status).toBe(200);
    const retry = await h.post(body, { ...signedHeaders(body), 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
    expect(retry.status).toBe(200);
    const run = await waitForRun(h, () => true, 10_000, 'the run');
    await new Promise((r) => setTimeout(r, 300));
    expect((await h.runs()).length).toBe(1);
    expect([...h.fake.messages.values()].filter((m) => !m.thread_ts && /Upgrade/.test(textOf(m)))).toHaveLength(1);

    const plan = h.planMessage(run.id)!;
    const click = JSON.stringify({
      type: 'block_actions',
      user: { id: 'UAPPROVER1', username: 'alice', name: 'alice', team_id: h.fake.teamId },
      container: { type: 'message', message_ts: plan.ts, channel_id: CHANNEL, is_ephemeral: false },
      trigger_id: 'trigger-retried-click',
      team: { id: h.fake.teamId, domain: 'fake' },
      channel: { id: CHANNEL, name: 'platform' },
      message: { type: 'message', ts: plan.ts, text: plan.text, blocks: plan.blocks },
      response_url: h.fake.responseUrl(),
      actions: [{ action_id: 'mng_approve', block_id: 'b', value: run.id, type: 'button', action_ts: '1' }],
    });
    const clickBody = new URLSearchParams({ payload: click }).toString();
    const twice = await Promise.all([h.post(clickBody, signedHeaders(clickBody)), h.post(clickBody, signedHeaders(clickBody))]);
    expect(twice.map((r) => r.status)).toEqual([200, 200]);
    await waitForRun(h, (r) => r.status !== 'awaiting-approval', 10_000, 'approval');
    expect((await h.store.auditLog()).filter((a) => a.action === 'approve' || a.action === 'refused-approve')).toHaveLength(1);
    expect(h.logLines.filter((l) => /repeated delivery from Slack dropped/.test(l))).toHaveLength(2);
  });
});

describe('request verification', () => {
  it('refuses a forged or stale signature with 401', async () => {
    h = await startHarness();
    const body = new URLSearchParams({ command: '/mng', text: 'upgrade nodegroup 1.30', user_id: 'UREQUESTER', channel_id: CHANNEL, team_id: 'T0000001' }).toString();
    const forged = await h.post(body, signedHeaders(body, { secret: 'not-the-secret' }));
    expect(forged.status).toBe(401);
    const stale = await h.post(body, signedHeaders(body, { timestamp: Math.floor(Date.now() / 1000) - 10 * 60 }));
    expect(stale.status).toBe(401);
    const tampered = signedHeaders(body);
    const changed = await h.post(body.replace('1.30', '1.31'), tampered);
    expect(changed.status).toBe(401);
    const unsigned = await h.post(body, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(unsigned.status).toBe(401);
    expect(await h.runs()).toEqual([]);
    expect(h.fake.callsOf('chat.postMessage')).toEqual([]);
  });
});
