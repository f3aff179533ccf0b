// The real bot (Bolt's receiver, the engine, a simulated world) wired to the console instead of
// Slack: the bot's Web API client points at the console's /api/. Over HTTP the console signs what it
// sends to the bot's /slack/events; in Socket Mode the bot opens the console's WebSocket
// (apps.connections.open) and gets envelopes on it. The bot is started as main.ts starts it (startBot).
import { expect } from 'vitest';
import { DEMO_APPROVER, DEMO_REQUESTER } from '../../src/console/demo-people.js';
import { startConsole, type ConsoleServer, type ConsoleUser } from '../../src/console/server.js';
import { Approvers } from '../../src/app/approvers.js';
import { createSimDeps } from '../../src/app/compose.js';
import { startBot } from '../../src/bot.js';
import type { Engine } from '../../src/engine/commands.js';
import type { Run } from '../../src/engine/run.js';
import { createLogger } from '../../src/log.js';
import { PacedClock } from '../../src/sim/clock.js';
import { loadScenario, type Scenario } from '../../src/sim/scenario.js';
import { createWorld, type SimWorld } from '../../src/sim/world.js';
import type { SlackApp } from '../../src/slack/app.js';
import { MemoryRunStore } from '../../src/store/memory-run-store.js';

export const SIGNING_SECRET = 'console-test-signing-secret-42';
export const BOT_TOKEN = 'xoxb-console-test-0000';
export const APP_TOKEN = 'xapp-1-console-test-0000';
export const REQUESTER: ConsoleUser = DEMO_REQUESTER;
export const APPROVER: ConsoleUser = DEMO_APPROVER;

export interface BotWithConsoleOptions {
  scenario?: string;
  tweak?: (s: Scenario) => void;
  /** Simulated seconds per real second. */
  speed?: number;
  /** Both people by default: the requester is refused only because it is their own request. */
  approvers?: string[];
  allowSelfApproval?: boolean;
  /** What the console signs with; the bot's own secret when absent (a wrong one shows refusals). */
  consoleSigningSecret?: string;
  progressIntervalMs?: number;
  hints?: string[];
  /** How the console reaches the bot; HTTP by default. */
  transport?: 'http' | 'socket';
  /** The people of the console; the requester and the approver by default. */
  users?: ConsoleUser[];
}

export interface BotWithConsole {
  console: ConsoleServer;
  slack: SlackApp;
  engine: Engine;
  store: MemoryRunStore;
  world: SimWorld;
  /** Over HTTP the bot's receiver; in Socket Mode its probes (/healthz, /readyz). */
  botUrl: string;
  logLines: string[];
  runs(): Promise<Run[]>;
  close(): Promise<void>;
}

export async function startBotWithConsole(opts: BotWithConsoleOptions = {}): Promise<BotWithConsole> {
  let botUrl = '';
  const socket = opts.transport === 'socket';
  const console = await startConsole({
    ...(socket ? { appToken: APP_TOKEN } : { botEventsUrl: () => `${botUrl}/slack/events`, signingSecret: opts.consoleSigningSecret ?? SIGNING_SECRET }),
    botToken: BOT_TOKEN,
    users: opts.users ?? [REQUESTER, APPROVER],
    ...(opts.hints ? { hints: opts.hints } : {}),
  });

  const scenario = await loadScenario(opts.scenario ?? 'scenarios/eks-workshop.json');
  opts.tweak?.(scenario);
  // World and bot share it in this process: a busy machine's stalls are not simulated time.
  const clock = new PacedClock(opts.speed ?? 2000, undefined, { skipStalls: true });
  const world = createWorld(scenario, { clock });
  const store = new MemoryRunStore();
  const logLines: string[] = [];
  const log = createLogger({ level: 'info', write: (l) => logLines.push(l) });
  const { app } = createSimDeps(scenario, {
    world,
    store,
    approvals: new Approvers({ users: opts.approvers ?? [REQUESTER.id, APPROVER.id], groups: [], allowSelfApproval: opts.allowSelfApproval ?? false }),
    defaults: { approvalExpiryMs: 7 * 24 * 3_600_000 },
    log,
  });
  const bot = await startBot({
    app,
    slack: socket
      ? { botToken: BOT_TOKEN, appToken: APP_TOKEN, socketMode: true, apiUrl: console.apiUrl, port: 0 }
      : { botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, socketMode: false, apiUrl: console.apiUrl, port: 0 },
    log,
    host: '127.0.0.1',
    schedulerTrigger: 'manual',
    // Socket Mode: the client's back-off before reconnecting is a multiple of this; short, so that a
    // test's refreshes and drops are over in a second or two.
    options: { progressIntervalMs: opts.progressIntervalMs ?? 1000, ...(socket ? { socketPingTimeoutMs: 2000 } : {}) },
  });
  botUrl = `http://127.0.0.1:${bot.port}`;

  return {
    console,
    slack: bot.slack,
    engine: bot.engine,
    store,
    world,
    botUrl,
    logLines,
    runs: () => store.list(),
    async close() {
      await bot.stop();
      await console.close();
    },
  };
}

/** Polls until the predicate holds for some run. */
export async function waitForRun(b: Pick<BotWithConsole, 'runs'>, predicate: (r: Run) => boolean, timeoutMs = 20_000, what = 'run state'): Promise<Run> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await b.runs()).find(predicate);
    if (found) return found;
    if (Date.now() > deadline) {
      const runs = (await b.runs()).map((r) => `${r.id} ${r.status} ${r.phase}${r.outcome ? ` (${r.outcome.summary})` : ''}`).join(', ');
      throw new Error(`timed out waiting for ${what}; runs: ${runs || 'none'}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface Seen {
  messages: { ts: string; text: string; user: string; thread_ts?: string; reply_count?: number; blocks?: unknown[] }[];
  ephemerals: { ts: string; text: string; blocks?: unknown[] }[];
}

/** What one person sees in the console. */
export async function seen(c: ConsoleServer, user: string): Promise<Seen> {
  return (await fetch(`${c.url}console/state?user=${user}`).then((r) => r.json())) as Seen;
}

export const textOf = (m: { text: string; blocks?: unknown[] } | undefined) => (m ? `${m.text}\n${JSON.stringify(m.blocks ?? [])}` : '');

/** Polls until the probe gives something. */
export async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** What a person does in the page: type a message or a command, or click a button. */
export const act = (c: ConsoleServer, path: 'type' | 'click', body: Record<string, unknown>) =>
  fetch(`${c.url}console/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
    (r) => r.json() as Promise<{ ok: boolean; error?: string }>,
  );

/** The requester asks for the workshop's upgrade; resolves with the plan message and the run. */
export async function requestPlan(bot: BotWithConsole) {
  expect(await act(bot.console, 'type', { user: REQUESTER.id, text: '/mng upgrade nodegroup 1.23' })).toEqual({ ok: true });
  const plan = await until('the plan message', async () => (await seen(bot.console, REQUESTER.id)).messages.find((m) => /Upgrade eksworkshop-eksctl\/nodegroup/.test(m.text)));
  const run = await waitForRun(bot, () => true, 5000, 'the request');
  return { plan, run };
}
