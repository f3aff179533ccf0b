// npm start's demo in Socket Mode (SLACK_SOCKET_MODE=true npm start): the bot, its own process, opens
// the console's WebSocket as it would open Slack's, and everything a person does reaches it there.
// Killed mid-run, its socket is gone (the console shows it); started again, it connects anew and
// finishes the run.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { DEMO_APPROVER, DEMO_REQUESTER } from '../../src/console/demo-people.js';
import { startDemo, type Demo } from '../../src/demo/demo.js';
import { createLogger } from '../../src/log.js';
import { until } from '../faults/processes.js';

interface Seen {
  messages: { ts: string; text: string; thread_ts?: string; blocks?: unknown[] }[];
  transport: { kind: string; connected?: boolean };
}

let demo: Demo | undefined;
afterEach(async () => {
  await demo?.stop();
  demo = undefined;
});

const seen = async (d: Demo): Promise<Seen> => (await fetch(`${d.console.url}console/state?user=${DEMO_APPROVER.id}`)).json() as Promise<Seen>;
const act = (d: Demo, path: 'type' | 'click', body: Record<string, unknown>) =>
  fetch(`${d.console.url}console/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json());
const ledger = async (d: Demo) => (await fetch(`${d.world.aws}/world/ledger`)).json() as Promise<{ versions: Record<string, number>; podsLost: number }>;

it('runs the demo with the bot in Socket Mode, across a kill and a restart', { timeout: 120_000 }, async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'mngbot-demo-socket-'));
  demo = await startDemo({ consolePort: 0, speed: 60, dataDir, transport: 'socket', log: createLogger({ level: 'warn', write: () => {} }) });
  const d = demo;
  expect(d.banner).toMatch(/Transport: +Socket Mode/);
  expect((await seen(d)).transport).toEqual({ kind: 'socket', connected: true });

  expect(await act(d, 'type', { user: DEMO_REQUESTER.id, text: '/mng upgrade nodegroup 1.23' })).toEqual({ ok: true });
  let plan: Seen['messages'][number] | undefined;
  await until(async () => (plan = (await seen(d)).messages.find((m) => /Upgrade eksworkshop-eksctl\/nodegroup/.test(m.text))) !== undefined, 'the plan', 30_000);
  expect(await act(d, 'click', { user: DEMO_APPROVER.id, ts: plan!.ts, action_id: 'mng_approve' })).toEqual({ ok: true });

  await until(async () => ((await ledger(d)).versions['1.23'] ?? 0) >= 1, 'a first new node', 60_000);
  await d.bot.kill();
  await until(async () => (await seen(d)).transport.connected === false, 'the console to see the socket gone', 30_000);
  await d.bot.start();
  expect((await seen(d)).transport).toEqual({ kind: 'socket', connected: true });

  const thread = async () => (await seen(d)).messages.filter((m) => m.thread_ts === plan!.ts && m.ts !== plan!.ts);
  await until(async () => (await thread()).some((m) => /^Upgrade of \S+ succeeded/.test(m.text)), 'the end of the run', 90_000);
  expect(Object.keys((await ledger(d)).versions)).toEqual(['1.23']);
  expect(d.bot.output()).toContain('connected to Slack (Socket Mode)');
});
