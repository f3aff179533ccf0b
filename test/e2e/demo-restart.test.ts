// npm start's demo as it runs: the simulated cloud and the bot as their own processes, the console as
// Slack. The bot is killed with SIGKILL mid-run while the world keeps living, started again on the
// same data directory, and picks the run up where it was: one run, one progress message, done.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_APPROVER, DEMO_REQUESTER } from '../../src/console/demo-people.js';
import { startDemo, type Demo } from '../../src/demo/demo.js';
import { createLogger } from '../../src/log.js';
import { until } from '../faults/processes.js';

interface Seen {
  messages: { ts: string; text: string; thread_ts?: string; blocks?: unknown[] }[];
}

let demo: Demo | undefined;
afterEach(async () => {
  await demo?.stop();
  demo = undefined;
});

const seen = async (d: Demo): Promise<Seen> => (await fetch(`${d.console.url}console/state?user=${DEMO_APPROVER.id}`)).json() as Promise<Seen>;
const act = (d: Demo, path: 'type' | 'click', body: Record<string, unknown>) =>
  fetch(`${d.console.url}console/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const ledger = async (d: Demo) => (await fetch(`${d.world.aws}/world/ledger`)).json() as Promise<{ versions: Record<string, number>; leftTainted: number; leftCordoned: number; podsLost: number; pdbViolations: number; group: unknown }>;

describe('the demo, bot killed and started again', () => {
  it('picks the run up where it was, on the same data directory, while the world keeps living', { timeout: 120_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'mngbot-demo-restart-'));
    demo = await startDemo({ consolePort: 0, speed: 60, dataDir, log: createLogger({ level: 'warn', write: () => {} }) });
    const d = demo;
    const before = await ledger(d);
    expect((await act(d, 'type', { user: DEMO_REQUESTER.id, text: '/mng upgrade nodegroup 1.23' })).status).toBe(200);
    let plan: Seen['messages'][number] | undefined;
    await until(async () => (plan = (await seen(d)).messages.find((m) => /Upgrade eksworkshop-eksctl\/nodegroup/.test(m.text))) !== undefined, 'the plan', 30_000);
    expect((await act(d, 'click', { user: DEMO_APPROVER.id, ts: plan!.ts, action_id: 'mng_approve' })).status).toBe(200);

    // Mid-run: a new node on 1.23 has joined, old ones remain.
    await until(async () => ((await ledger(d)).versions['1.23'] ?? 0) >= 1, 'a first new node', 60_000);
    const pid = d.bot.pid;
    await d.bot.kill();
    await new Promise((r) => setTimeout(r, 2000));
    await d.bot.start();
    expect(d.bot.pid).not.toBe(pid);

    const thread = async () => (await seen(d)).messages.filter((m) => m.thread_ts === plan!.ts && m.ts !== plan!.ts);
    await until(async () => (await thread()).some((m) => /^Upgrade of \S+ succeeded/.test(m.text)), 'the end of the run', 90_000);
    const replies = await thread();
    expect(replies.filter((m) => JSON.stringify(m.blocks ?? []).includes('mng-progress-'))).toHaveLength(1);
    expect(replies.some((m) => /restarted and picked this run up again/.test(`${m.text}${JSON.stringify(m.blocks ?? [])}`))).toBe(true);
    const after = await ledger(d);
    expect(Object.keys(after.versions)).toEqual(['1.23']);
    expect(after.group).toEqual(before.group);
    expect(after.leftTainted + after.leftCordoned + after.podsLost + after.pdbViolations).toBe(0);
  });
});
