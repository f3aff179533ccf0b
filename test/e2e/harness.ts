// Drives the whole app the way Slack does: signed requests into Bolt's real HTTP receiver (or, with
// transport 'socket', envelopes over Socket Mode into its SocketModeReceiver), a local fake Web API
// answering (and recording) the app's calls, the engine on a simulated world.
import { createHmac } from 'node:crypto';
import type { AmiWatchSettings } from '../../src/app/ami-watch.js';
import { Approvers } from '../../src/app/approvers.js';
import { createSimDeps } from '../../src/app/compose.js';
import { startBot } from '../../src/bot.js';
import type { Engine } from '../../src/engine/commands.js';
import type { Window } from '../../src/schedule/windows.js';
import type { Run } from '../../src/engine/run.js';
import { createLogger, type Logger } from '../../src/log.js';
import { PacedClock } from '../../src/sim/clock.js';
import { loadScenario, type Scenario } from '../../src/sim/scenario.js';
import { createWorld, type SimWorld } from '../../src/sim/world.js';
import type { WindowScheduler } from '../../src/schedule/scheduler.js';
import type { SlackApp } from '../../src/slack/app.js';
import { FakeWebApi, type FakeMessage } from '../slack/fake-web-api.js';
import type { EditRecord } from '../../src/slack/progress.js';
import { MemoryRunStore } from '../../src/store/memory-run-store.js';

export const SIGNING_SECRET = 'test-signing-secret-0123456789';
export const BOT_TOKEN = 'xoxb-test-0000';
export const APP_TOKEN = 'xapp-1-test-0000';
export const CHANNEL = 'C0PLATFORM';

export interface HarnessOptions {
  scenario?: string;
  /** Edits the scenario before the world is built. */
  tweak?: (s: Scenario) => void;
  speed?: number;
  approvers?: string[];
  groups?: string[];
  userGroups?: Record<string, string[]>;
  allowSelfApproval?: boolean;
  approvalExpiryMs?: number;
  expiryIntervalMs?: number;
  progressIntervalMs?: number;
  channels?: string[];
  log?: Logger;
  /** Maintenance windows of the scenario's node group (engine and Slack alike). */
  windows?: Window[];
  /** The simulated clock's start; 2026-01-01T00:00Z (a Thursday) by default. */
  clockStartMs?: number;
  /** The simulated clock stands at its start until the test calls clock.resume(). */
  clockPaused?: boolean;
  /** How Slack reaches the bot: signed HTTP requests (the default) or Socket Mode envelopes. */
  transport?: 'http' | 'socket';
  /** The AMI watch (it looks when scheduler.tick passes its time); off by default. */
  amiWatch?: AmiWatchSettings;
}

export interface Harness {
  fake: FakeWebApi;
  slack: SlackApp;
  /** Ticks only when told (manual trigger): tick(nowMs) fires due schedules and window edges. */
  scheduler: WindowScheduler;
  engine: Engine;
  store: MemoryRunStore;
  world: SimWorld;
  clock: PacedClock;
  url: string;
  edits: EditRecord[];
  logLines: string[];
  /** The form body Slack sends for a slash command, with a trigger_id of its own. */
  commandBody(text: string, user?: string, channel?: string): { body: string; responseUrl: string };
  /** Sends a slash command (a signed POST, or an envelope); resolves with the HTTP status (0: not acknowledged). */
  command(text: string, user?: string, channel?: string): Promise<{ status: number; body: string; responseUrl: string }>;
  /** Sends a button click on a message, as `command` does. */
  click(actionId: string, value: string, user: string, message: FakeMessage): Promise<{ status: number; responseUrl: string }>;
  /** Raw POST to /slack/events with the given headers (HTTP mode). */
  post(body: string, headers: Record<string, string>): Promise<{ status: number; body: string }>;
  /** The plan message of a run (the first top-level message that names it). */
  planMessage(runId?: string): FakeMessage | undefined;
  runs(): Promise<Run[]>;
  close(): Promise<void>;
}

/** Slack gives every command and click a trigger_id of its own; the bot drops one it has seen. */
let triggers = 0;

export function sign(body: string, timestamp: number, secret = SIGNING_SECRET): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export function signedHeaders(body: string, opts: { timestamp?: number; secret?: string; contentType?: string } = {}): Record<string, string> {
  const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
  return {
    'content-type': opts.contentType ?? 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(ts),
    'x-slack-signature': sign(body, ts, opts.secret),
  };
}

/** A slash command's form body, as Slack posts it. */
export function slashCommandForm(o: { teamId: string; text: string; user: string; channel: string; responseUrl: string }): string {
  return new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: o.teamId,
    team_domain: 'fake',
    channel_id: o.channel,
    channel_name: 'platform',
    user_id: o.user,
    user_name: o.user.toLowerCase(),
    command: '/mng',
    text: o.text,
    api_app_id: 'A0MNGBOT',
    response_url: o.responseUrl,
    trigger_id: `trigger-${++triggers}`,
  }).toString();
}

/** A button click's form body (block_actions), as Slack posts it. */
export function blockActionsForm(o: { teamId: string; actionId: string; value: string; user: string; message: FakeMessage; responseUrl: string }): string {
  const { message, user } = o;
  const payload = {
    type: 'block_actions',
    user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: o.teamId },
    api_app_id: 'A0MNGBOT',
    token: 'legacy-verification-token',
    container: { type: 'message', message_ts: message.ts, channel_id: message.channel, is_ephemeral: false },
    trigger_id: `trigger-${++triggers}`,
    team: { id: o.teamId, domain: 'fake' },
    channel: { id: message.channel, name: 'platform' },
    message: { type: 'message', ts: message.ts, text: message.text, blocks: message.blocks, ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}) },
    response_url: o.responseUrl,
    actions: [{ action_id: o.actionId, block_id: 'b', value: o.value, type: 'button', action_ts: String(Date.now() / 1000), text: { type: 'plain_text', text: o.actionId } }],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const socket = opts.transport === 'socket';
  const fake = await new FakeWebApi({
    ...(socket ? { appToken: APP_TOKEN } : {}),
    users: [
      { id: 'UREQUESTER', name: 'rita' },
      { id: 'UAPPROVER1', name: 'alice' },
      { id: 'UAPPROVER2', name: 'bob' },
      { id: 'UOUTSIDER', name: 'mallory' },
    ],
    userGroups: opts.userGroups ?? {},
  }).start();
  const scenario = await loadScenario(opts.scenario ?? 'scenarios/demo.json');
  opts.tweak?.(scenario);
  // World and bot share it in this process: a busy machine's stalls are not simulated time. The tests
  // are the world's people: they live in its time, and read its times as real ones.
  const clock = new PacedClock(opts.speed ?? 2000, opts.clockStartMs, { paused: opts.clockPaused === true, skipStalls: true, livedIn: true });
  const world = createWorld(scenario, { clock });
  const store = new MemoryRunStore();
  const logLines: string[] = [];
  const log = opts.log ?? createLogger({ level: 'info', write: (l) => logLines.push(l) });
  const edits: EditRecord[] = [];
  const { app } = createSimDeps(scenario, {
    world,
    store,
    approvals: new Approvers({ users: opts.approvers ?? ['UAPPROVER1', 'UAPPROVER2'], groups: opts.groups ?? [], allowSelfApproval: opts.allowSelfApproval ?? false }),
    clusters: [{ name: scenario.cluster.name, nodegroups: [scenario.nodegroup.name], ...(opts.channels ? { channels: opts.channels } : {}) }],
    windows: opts.windows ?? [],
    defaults: { approvalExpiryMs: opts.approvalExpiryMs ?? 7 * 24 * 3_600_000 },
    log,
    ...(opts.amiWatch ? { amiWatch: opts.amiWatch } : {}),
  });
  const bot = await startBot({
    app,
    slack: socket
      ? { botToken: BOT_TOKEN, appToken: APP_TOKEN, socketMode: true, apiUrl: fake.url, port: 0 }
      : { botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, socketMode: false, apiUrl: fake.url, port: 0 },
    log,
    host: '127.0.0.1',
    schedulerTrigger: 'manual',
    options: {
      expiryIntervalMs: opts.expiryIntervalMs ?? 30_000,
      progressIntervalMs: opts.progressIntervalMs ?? 1000,
      onEdit: (e) => edits.push(e),
      // Socket Mode: a short back-off before reconnecting (a multiple of it).
      ...(socket ? { socketPingTimeoutMs: 2000 } : {}),
    },
  });
  const { engine, slack, port, scheduler } = bot;
  const url = `http://127.0.0.1:${port}`;

  const commandBody = (text: string, user = 'UREQUESTER', channel = CHANNEL) => {
    const responseUrl = fake.responseUrl();
    return { body: slashCommandForm({ teamId: fake.teamId, text, user, channel, responseUrl }), responseUrl };
  };

  const post = async (body: string, headers: Record<string, string>) => {
    const res = await fetch(`${url}/slack/events`, { method: 'POST', headers, body });
    return { status: res.status, body: await res.text() };
  };

  return {
    fake,
    slack,
    scheduler,
    engine,
    store,
    world,
    clock,
    url,
    edits,
    logLines,
    post,
    commandBody,
    async command(text, user = 'UREQUESTER', channel = CHANNEL) {
      const { body, responseUrl } = commandBody(text, user, channel);
      if (fake.socketMode) {
        const answer = await fake.socketMode.deliver({ type: 'slash_commands', payload: Object.fromEntries(new URLSearchParams(body)) });
        return { status: answer.status, body: answer.body, responseUrl };
      }
      const res = await post(body, signedHeaders(body));
      return { ...res, responseUrl };
    },
    async click(actionId, value, user, message) {
      const responseUrl = fake.responseUrl();
      const body = blockActionsForm({ teamId: fake.teamId, actionId, value, user, message, responseUrl });
      if (fake.socketMode) {
        const payload = JSON.parse(new URLSearchParams(body).get('payload') ?? '{}') as Record<string, unknown>;
        return { status: (await fake.socketMode.deliver({ type: 'interactive', payload })).status, responseUrl };
      }
      const res = await post(body, signedHeaders(body));
      return { status: res.status, responseUrl };
    },
    planMessage(runId) {
      return [...fake.messages.values()].find((m) => !m.thread_ts && (!runId || JSON.stringify(m.blocks ?? []).includes(runId)));
    },
    runs: () => store.list(),
    async close() {
      await bot.stop();
      await fake.stop();
    },
  };
}


/** Polls until the predicate holds for some run (or the only run). */
export async function waitForRun(h: Harness, predicate: (r: Run) => boolean, timeoutMs = 20_000, what = 'run state'): Promise<Run> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await h.runs()).find(predicate);
    if (found) return found;
    if (Date.now() > deadline) {
      const runs = (await h.runs()).map((r) => `${r.id} ${r.status} ${r.phase}`).join(', ');
      throw new Error(`timed out waiting for ${what}; runs: ${runs || 'none'}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The text of every block of a message, for matching. */
export function textOf(m: FakeMessage | undefined): string {
  return m ? `${m.text}\n${JSON.stringify(m.blocks ?? [])}` : '';
}

/** Asks for an upgrade and waits for its run and its plan message (any status: a short expiry may have ended it). */
export async function requestPlan(harness: Harness, text = 'upgrade nodegroup 1.30', user = 'UREQUESTER') {
  const res = await harness.command(text, user);
  if (res.status !== 200) throw new Error(`the command "${text}" was answered ${res.status}`);
  const run = await waitForRun(harness, () => true, 10_000, 'a request');
  const plan = await harness.fake.waitFor(() => harness.planMessage(run.id), 10_000, 'the plan message');
  return { run, plan, responseUrl: res.responseUrl };
}

/** Everything posted to one response URL, as text. */
export const ephemeralText = (harness: Harness, responseUrl: string) =>
  harness.fake
    .responses(responseUrl)
    .map((r) => `${String(r.text)} ${JSON.stringify(r.blocks ?? [])}`)
    .join('\n');
