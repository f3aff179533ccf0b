// The real bot behind the console, without a browser: what a person types and clicks in the page
// reaches Bolt's HTTP receiver signed (or is refused when it is not), and the bot's answers land in
// the console's channel, threads and ephemeral replies. EKS Workshop world at 2000× speed.
import { afterEach, describe, expect, it } from 'vitest';
import { act, APPROVER, requestPlan, REQUESTER, seen, startBotWithConsole, textOf, until, waitForRun, type BotWithConsole } from './bot-fixture.js';

let b: BotWithConsole | undefined;

afterEach(async () => {
  await b?.close();
  b = undefined;
});

describe('the bot through the console', () => {
  it('request as the requester, refused self-approval, approval by the approver, progress in the thread', async () => {
    b = await startBotWithConsole();
    const { plan, run } = await requestPlan(b);
    expect(textOf(plan)).toContain('1.22 → *1.23*');
    expect(textOf(plan)).toContain('mng_approve');
    // The "needs an approver" reply is the requester's alone.
    await until('the ephemeral reply', async () => (await seen(b!.console, REQUESTER.id)).ephemerals.some((e) => /needs an approver/.test(textOf(e))));
    expect((await seen(b.console, APPROVER.id)).ephemerals).toEqual([]);

    // The requester may not approve their own request: told privately, nothing starts.
    expect(await act(b.console, 'click', { user: REQUESTER.id, ts: plan.ts, action_id: 'mng_approve' })).toEqual({ ok: true });
    await until('the refusal', async () => (await seen(b!.console, REQUESTER.id)).ephemerals.some((e) => /someone else must approve/.test(textOf(e))));
    expect((await b.engine.get(run.id))!.status).toBe('awaiting-approval');
    expect((await seen(b.console, APPROVER.id)).ephemerals).toEqual([]);

    expect(await act(b.console, 'click', { user: APPROVER.id, ts: plan.ts, action_id: 'mng_approve' })).toEqual({ ok: true });
    const done = await waitForRun(b, (r) => r.id === run.id && ['succeeded', 'failed', 'aborted'].includes(r.status), 30_000, 'the end of the run');
    expect(done.outcome?.summary).toBeTruthy();
    expect(done.status).toBe('succeeded');
    await b.slack.reporter.endShown(run.id);

    const after = await seen(b.console, APPROVER.id);
    const parent = after.messages.find((m) => m.ts === plan.ts)!;
    expect(textOf(parent)).toMatch(/Succeeded/);
    expect(textOf(parent)).toContain(`approved by <@${APPROVER.id}>`);
    const thread = after.messages.filter((m) => m.thread_ts === plan.ts);
    expect(parent.reply_count).toBe(thread.length);
    expect(textOf(thread[0])).toMatch(/Replaced \*3\*\/3/);
    expect(textOf(thread.at(-1))).toMatch(/Upgrade succeeded/);
    // Bolt checked the bot token against the console once.
    expect(b.logLines.join('\n')).not.toContain('xoxb-console-test');
  });

  it('a person may approve their own request when self-approval is allowed', async () => {
    b = await startBotWithConsole({ approvers: [REQUESTER.id, APPROVER.id], allowSelfApproval: true });
    const { plan, run } = await requestPlan(b);
    await act(b.console, 'click', { user: REQUESTER.id, ts: plan.ts, action_id: 'mng_approve' });
    const approved = await waitForRun(b, (r) => r.id === run.id && !!r.approvedBy, 5000, 'the approval');
    expect(approved.approvedBy?.user).toBe(REQUESTER.id);
  });

  it('the bot refuses requests signed with another secret, and the person sees Slack’s error', async () => {
    b = await startBotWithConsole({ consoleSigningSecret: 'not-the-bots-secret' });
    expect(await act(b.console, 'type', { user: REQUESTER.id, text: '/mng upgrade nodegroup 1.23' })).toEqual({ ok: false, error: 'dispatch_failed' });
    expect((await seen(b.console, REQUESTER.id)).ephemerals.map((e) => e.text)).toEqual([':warning: /mng failed with the error "dispatch_failed"']);
    expect(await b.runs()).toEqual([]);
  });

  it('usage errors and list answer privately; plain messages are just messages', async () => {
    b = await startBotWithConsole();
    await act(b.console, 'type', { user: APPROVER.id, text: '/mng upgrade nodegroup 1.23 --strategy blue-green' });
    await until('the usage reply', async () => (await seen(b!.console, APPROVER.id)).ephemerals.some((e) => /Usage/.test(textOf(e))));
    await act(b.console, 'type', { user: APPROVER.id, text: '/mng list' });
    await until('the list', async () => (await seen(b!.console, APPROVER.id)).ephemerals.some((e) => /nodegroup/.test(textOf(e)) && /1\.22/.test(textOf(e))));
    expect((await seen(b.console, REQUESTER.id)).ephemerals).toEqual([]);
    await act(b.console, 'type', { user: REQUESTER.id, text: 'shall we upgrade today?' });
    expect((await seen(b.console, APPROVER.id)).messages).toMatchObject([{ text: 'shall we upgrade today?', user: REQUESTER.id }]);
    expect(await b.runs()).toEqual([]);
  });
});
