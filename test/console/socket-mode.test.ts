// The real bot in Socket Mode, through Bolt's real SocketModeReceiver: it opens the console's
// WebSocket (apps.connections.open with the app-level token, on 127.0.0.1), every command and click
// arrives as an envelope it acks by envelope_id, and its answers go through response URLs and the
// Web API as over HTTP. Then the connection's life: a refresh Slack asks for, a socket dropped
// without a word (and no new one for a while), an envelope whose ack was lost re-delivered
// (retry_attempt 1) — not ready while disconnected, nothing lost, nothing done twice. EKS Workshop
// world at a few hundred times real speed.
import { afterEach, describe, expect, it } from 'vitest';
import type { ConsoleUser } from '../../src/console/server.js';
import { act, APPROVER, requestPlan, REQUESTER, seen, startBotWithConsole, textOf, until, waitForRun, type BotWithConsole } from './bot-fixture.js';

const OUTSIDER: ConsoleUser = { id: 'U0OUTSIDER', name: 'mallory', realName: 'Mallory Outsider' };

let b: BotWithConsole | undefined;

afterEach(async () => {
  await b?.close();
  b = undefined;
});

const readiness = async (bot: BotWithConsole) => (await fetch(`${bot.botUrl}/readyz`)).status;
const logged = (bot: BotWithConsole, msg: string) => bot.logLines.map((l) => JSON.parse(l) as { msg: string; [k: string]: unknown }).filter((l) => l.msg === msg);
const ephemeralsOf = async (bot: BotWithConsole, user: string) => (await seen(bot.console, user)).ephemerals.map((e) => textOf(e)).join('\n');

describe('Socket Mode', () => {
  it('command → plan → refused self-approval → approval → live thread → summary, all over the socket', async () => {
    // 500×, not 2000×: on a busy machine the simulated clock then outruns the bot less.
    b = await startBotWithConsole({ transport: 'socket', speed: 500 });
    const bot = b;
    expect(bot.console.transport).toBe('socket');
    expect(await readiness(bot)).toBe(200);
    const consoleHealth = (await fetch(`${bot.console.url}healthz`).then((r) => r.json())) as { transport: unknown };
    expect(consoleHealth.transport).toEqual({ kind: 'socket', connected: true });
    // The bot listens for no request from Slack: only its probes.
    expect((await fetch(`${bot.botUrl}/slack/events`, { method: 'POST', body: 'x' })).status).toBe(404);

    const { plan, run } = await requestPlan(bot);
    expect(textOf(plan)).toContain('1.22 → *1.23*');
    await until('the ephemeral reply', async () => /needs an approver/.test(await ephemeralsOf(bot, REQUESTER.id)));

    expect(await act(bot.console, 'click', { user: REQUESTER.id, ts: plan.ts, action_id: 'mng_approve' })).toEqual({ ok: true });
    await until('the refusal', async () => /someone else must approve/.test(await ephemeralsOf(bot, REQUESTER.id)));
    expect((await bot.engine.get(run.id))!.status).toBe('awaiting-approval');

    expect(await act(bot.console, 'click', { user: APPROVER.id, ts: plan.ts, action_id: 'mng_approve' })).toEqual({ ok: true });
    const done = await waitForRun(bot, (r) => r.id === run.id && ['succeeded', 'failed', 'aborted'].includes(r.status), 30_000, 'the end of the run');
    expect(done.status).toBe('succeeded');
    await bot.slack.reporter.endShown(run.id);

    const after = await seen(bot.console, APPROVER.id);
    const parent = after.messages.find((m) => m.ts === plan.ts)!;
    expect(textOf(parent)).toMatch(/Succeeded/);
    expect(textOf(parent)).toContain(`approved by <@${APPROVER.id}>`);
    const thread = after.messages.filter((m) => m.thread_ts === plan.ts);
    expect(textOf(thread[0])).toMatch(/Replaced \*3\*\/3/);
    expect(textOf(thread.at(-1))).toMatch(/Upgrade succeeded/);
    expect(bot.console.socketMode!.unacked).toBe(0);
    expect(bot.logLines.join('\n')).not.toContain('xapp-1-console-test');
  });

  it('refuses approvals from people who may not give them, and a double click approves once', async () => {
    b = await startBotWithConsole({ transport: 'socket', speed: 500, users: [REQUESTER, APPROVER, OUTSIDER] });
    const bot = b;
    const { plan, run } = await requestPlan(bot);

    await act(bot.console, 'click', { user: OUTSIDER.id, ts: plan.ts, action_id: 'mng_approve' });
    await until('the outsider’s refusal', async () => /only approvers may approve/.test(await ephemeralsOf(bot, OUTSIDER.id)));
    await act(bot.console, 'click', { user: REQUESTER.id, ts: plan.ts, action_id: 'mng_approve' });
    await until('the self-approval refusal', async () => /someone else must approve/.test(await ephemeralsOf(bot, REQUESTER.id)));
    expect((await bot.engine.get(run.id))!.status).toBe('awaiting-approval');

    const clicks = await Promise.all([1, 2].map(() => act(bot.console, 'click', { user: APPROVER.id, ts: plan.ts, action_id: 'mng_approve' })));
    expect(clicks).toEqual([{ ok: true }, { ok: true }]);
    await waitForRun(bot, (r) => r.id === run.id && r.status === 'succeeded', 30_000, 'success');
    await bot.slack.reporter.endShown(run.id);
    expect((await bot.runs()).length).toBe(1);
    expect((await bot.store.auditLog()).filter((a) => a.action === 'approve')).toHaveLength(1);
    const summaries = (await seen(bot.console, APPROVER.id)).messages.filter((m) => m.thread_ts === plan.ts && /Upgrade succeeded/.test(textOf(m)));
    expect(summaries).toHaveLength(1);
    expect(bot.world.ledger().terminatedTwice).toBe(0);
  });

  it('survives a refresh Slack asks for, a dropped socket and a lost ack: nothing lost, nothing done twice', { timeout: 120_000 }, async () => {
    // Slower, so that the socket goes while the run is going on.
    b = await startBotWithConsole({ transport: 'socket', speed: 200 });
    const bot = b;
    const socket = bot.console.socketMode!;
    const { plan, run } = await requestPlan(bot);

    const reconnections = () => logged(bot, 'reconnected to Slack (Socket Mode)').length;
    // Slack asks for a refresh: the bot closes, is not ready, and comes back.
    let before = reconnections();
    expect(socket.refresh()).toBe(1);
    await until('the bot not ready', async () => (await readiness(bot)) === 503);
    // A command typed while it is away waits for the connection and is answered once it is back.
    expect(await act(bot.console, 'type', { user: APPROVER.id, text: '/mng list' })).toEqual({ ok: true });
    await until('the list', async () => /nodegroup/.test(await ephemeralsOf(bot, APPROVER.id)));
    await until('readiness back', async () => (await readiness(bot)) === 200);
    expect(reconnections()).toBeGreaterThan(before);

    // The approval's ack is lost with the connection: Slack delivers it again (retry_attempt 1), and
    // the bot, which approved the first time, acknowledges the repeat without acting on it.
    before = reconnections();
    socket.loseNextAck();
    await act(bot.console, 'click', { user: APPROVER.id, ts: plan.ts, action_id: 'mng_approve' });
    await waitForRun(bot, (r) => r.id === run.id && !!r.approvedBy, 10_000, 'the approval');
    await until('the repeat dropped', async () => logged(bot, 'repeated delivery from Slack dropped').length > 0, 30_000);
    expect(logged(bot, 'repeated delivery from Slack dropped')[0]).toMatchObject({ retryNum: 1, retryReason: 'timeout' });
    await until('the envelope acknowledged', async () => socket.unacked === 0, 30_000);

    // Mid-run the socket is dropped without a word, and for a while the bot cannot open another: it is
    // not ready meanwhile, the run goes on, and a command typed then is answered once it is back.
    await until('the reconnection after the lost ack', async () => reconnections() > before && socket.connected, 30_000);
    before = reconnections();
    socket.refuseConnections(true);
    expect(socket.drop()).toBe(1);
    await until('the bot not ready while it cannot reconnect', async () => (await readiness(bot)) === 503);
    const told = (await seen(bot.console, APPROVER.id)).ephemerals.length;
    const status = act(bot.console, 'type', { user: APPROVER.id, text: `/mng status ${run.id}` });
    await until('the command waiting for the connection', async () => socket.unacked === 1);
    expect(await readiness(bot)).toBe(503);
    socket.refuseConnections(false);
    await until('the reconnection after the drop', async () => reconnections() > before, 30_000);
    expect(await status).toEqual({ ok: true });
    await until('the status', async () => {
      const ephemerals = (await seen(bot.console, APPROVER.id)).ephemerals;
      return ephemerals.length > told && textOf(ephemerals.at(-1)).includes(run.id);
    });
    await until('readiness back', async () => (await readiness(bot)) === 200);

    const done = await waitForRun(bot, (r) => r.id === run.id && ['succeeded', 'failed', 'aborted'].includes(r.status), 60_000, 'the end of the run');
    expect(done.status).toBe('succeeded');
    await bot.slack.reporter.endShown(run.id);
    expect((await bot.runs()).length).toBe(1);
    expect((await bot.store.auditLog()).filter((a) => a.action === 'approve')).toHaveLength(1);
    const thread = (await seen(bot.console, APPROVER.id)).messages.filter((m) => m.thread_ts === plan.ts);
    expect(thread.filter((m) => /Upgrade succeeded/.test(textOf(m)))).toHaveLength(1);
    expect(logged(bot, "Slack's Socket Mode connection closed; reconnecting").length).toBeGreaterThanOrEqual(3);
  });
});
