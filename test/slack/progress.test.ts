import { webApi } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Run } from '../../src/engine/run.js';
import { FakeWebApi } from '../../src/slack/fake-web-api.js';
import { ProgressReporter, type ChatApi, type EditRecord } from '../../src/slack/progress.js';
import { FakeEngine, makeRun } from './fixtures.js';

const CHANNEL = 'C0PROGRESS';

let fake: FakeWebApi;
let engine: FakeEngine;
let reporter: ProgressReporter;
let edits: EditRecord[];
let simNow = 1_000_000;

function start(minIntervalMs = 1000) {
  const client = new webApi.WebClient('xoxb-test', { slackApiUrl: fake.url, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
  edits = [];
  reporter = new ProgressReporter({ engine, client: client as unknown as ChatApi, clock: { now: () => simNow }, minIntervalMs, onEdit: (e) => edits.push(e) });
  reporter.start();
}

/** A run that was approved from a posted plan message. */
async function approvedRun(nodes = 3): Promise<{ run: Run; planTs: string }> {
  const posted = (await new webApi.WebClient('xoxb-test', { slackApiUrl: fake.url }).chat.postMessage({ channel: CHANNEL, text: 'plan' })) as { ts: string };
  const run = makeRun({ nodes, approved: true, notify: { channel: CHANNEL, planTs: posted.ts, threadTs: posted.ts } });
  engine.runs.set(run.id, run);
  return { run, planTs: posted.ts };
}

function change(run: Run, f: (r: Run) => void, e: Parameters<FakeEngine['emit']>[0]) {
  f(run);
  run.rev++;
  engine.emit(e);
}

const updatesOf = (ts: string) => fake.callsOf('chat.update').filter((c) => c.args.ts === ts);

beforeEach(async () => {
  fake = await new FakeWebApi().start();
  engine = new FakeEngine();
});

afterEach(async () => {
  await reporter?.stop(2000);
  await fake.stop();
});

describe('ProgressReporter', () => {
  it('opens one progress message in the thread and coalesces edits to at most one a second', async () => {
    start();
    const { run, planTs } = await approvedRun(3);
    engine.emit({ runId: run.id, at: simNow, kind: 'status', status: 'running', detail: 'approved by UAPPROVER1' });
    // A burst of 300 events over ~2.5 s.
    for (let i = 0; i < 300; i++) {
      const node = run.nodes[i % 3];
      change(run, () => {
        node.state = i % 2 ? 'evicting' : 'tainted';
        run.counters.podsEvicted = i;
      }, { runId: run.id, at: simNow + i, kind: 'node', node: node.name, state: node.state, detail: `event ${i}` });
      if (i % 30 === 0) await new Promise((r) => setTimeout(r, 250));
    }
    change(run, (r) => {
      r.status = 'succeeded';
      r.phase = 'done';
      r.finishedAt = simNow + 1000;
      r.outcome = { status: 'succeeded', summary: 'Replaced 3 of 3 nodes.', changes: [] };
    }, { runId: run.id, at: simNow + 1000, kind: 'status', status: 'succeeded', detail: 'done' });
    await reporter.idle(10_000);

    const thread = fake.thread(CHANNEL, planTs);
    const progress = thread[0];
    expect(progress.text).toMatch(/succeeded/);
    expect(progress.text).toMatch(/replaced 0\/3/);
    const updates = updatesOf(progress.ts);
    // 2.5 s of events: the post plus a handful of edits, never two within a second.
    expect(updates.length).toBeGreaterThanOrEqual(2);
    expect(updates.length).toBeLessThanOrEqual(5);
    for (let i = 1; i < updates.length; i++) expect(updates[i].at - updates[i - 1].at).toBeGreaterThanOrEqual(950);
    // The parent shows the outcome, and the summary is a reply.
    expect(fake.message(CHANNEL, planTs)!.text).toMatch(/succeeded/);
    expect(thread.at(-1)!.text).toMatch(/Upgrade of prod\/ng-1 succeeded/);
    // Coordinates were handed to the engine (setNotify) for restarts.
    expect(engine.notifies.at(-1)!.notify).toMatchObject({ channel: CHANNEL, progressTs: progress.ts });
    // Every event was shown by some edit, and the last edit of each message was final.
    expect(edits.filter((e) => e.kind === 'progress').flatMap((e) => e.latenciesMs).length).toBe(302);
    expect(edits.filter((e) => e.kind === 'progress').at(-1)!.final).toBe(true);
  });

  it('honours a 429 Retry-After and still shows the final state', async () => {
    start();
    const { run, planTs } = await approvedRun(3);
    engine.emit({ runId: run.id, at: simNow, kind: 'status', status: 'running', detail: 'approved' });
    await fake.waitFor(() => fake.thread(CHANNEL, planTs)[0], 5000, 'progress message');
    const progressTs = fake.thread(CHANNEL, planTs)[0].ts;
    await reporter.idle();

    fake.rateLimit('chat.update', { times: 2, retryAfterSec: 2 });
    change(run, (r) => (r.phase = 'surge'), { runId: run.id, at: simNow, kind: 'phase', phase: 'surge', detail: 'surge' });
    await fake.waitFor(() => fake.callsOf('chat.update').find((c) => c.status === 429), 5000, 'a 429');
    // While held back, more happens, ending the run.
    change(run, (r) => (r.phase = 'replace'), { runId: run.id, at: simNow, kind: 'phase', phase: 'replace', detail: 'replace' });
    change(run, (r) => {
      r.status = 'failed';
      r.phase = 'done';
      r.finishedAt = simNow + 5;
      r.outcome = { status: 'failed', summary: 'Launches kept failing.', changes: ['3 nodes still run 1.29.3-20240531'] };
    }, { runId: run.id, at: simNow + 5, kind: 'status', status: 'failed', detail: 'failed' });
    await reporter.idle(15_000);

    const calls = fake.callsOf('chat.update');
    const limited = calls.filter((c) => c.status === 429);
    expect(limited.length).toBe(2);
    // No chat.update goes out (to any message) until Retry-After has passed; the two 429s may come
    // from edits of two messages that were already on their way.
    for (const l of limited) {
      const next = calls.find((c) => c.at > l.at && c.status !== 429);
      expect(next, 'a call after the 429').toBeDefined();
      expect(next!.at - l.at).toBeGreaterThanOrEqual(1900);
    }
    expect(fake.message(CHANNEL, progressTs)!.text).toMatch(/failed/);
    expect(fake.message(CHANNEL, planTs)!.text).toMatch(/failed/);
    const summary = fake.thread(CHANNEL, planTs).at(-1)!;
    expect(JSON.stringify(summary.blocks)).toMatch(/Left as it was/);
    expect(JSON.stringify(summary.blocks)).toMatch(/3 nodes still run/);
    void updatesOf;
  });

  it('retries the final state through errors, and gives up on a message that is gone', async () => {
    start(50);
    const { run, planTs } = await approvedRun(3);
    engine.emit({ runId: run.id, at: simNow, kind: 'status', status: 'running', detail: 'approved' });
    await reporter.idle();
    fake.fail('chat.update', 'internal_error', 4);
    change(run, (r) => {
      r.status = 'succeeded';
      r.phase = 'done';
      r.finishedAt = simNow + 5;
      r.outcome = { status: 'succeeded', summary: 'ok', changes: [] };
    }, { runId: run.id, at: simNow, kind: 'status', status: 'succeeded', detail: 'done' });
    await reporter.idle();
    expect(fake.message(CHANNEL, planTs)!.text).toMatch(/succeeded/);
    expect(fake.thread(CHANNEL, planTs)[0].text).toMatch(/succeeded/);

    // The plan message is deleted: the reporter stops trying instead of looping.
    const other = await approvedRun(3);
    const second = makeRun({ id: 'r-test0002', approved: true, notify: { channel: CHANNEL, planTs: '1.000000', threadTs: '1.000000' } });
    engine.runs.set(second.id, second);
    engine.emit({ runId: second.id, at: simNow, kind: 'status', status: 'running', detail: 'approved' });
    await reporter.idle(3000);
    void other;
    const before = fake.calls.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.calls.length).toBe(before);
  });

  it('posts the thread replies a person needs: a blocked drain with buttons, a failed node', async () => {
    start(50);
    const { run, planTs } = await approvedRun(3);
    engine.emit({ runId: run.id, at: simNow, kind: 'status', status: 'running', detail: 'approved' });
    fake.rateLimit('chat.postMessage', { times: 1, retryAfterSec: 1 });
    engine.emit({
      runId: run.id,
      at: simNow,
      kind: 'blocked',
      node: run.nodes[0].name,
      blockers: [{ pod: 'payments/ledger-0', pdb: 'payments/ledger', reason: 'would violate the disruption budget' }],
      detail: 'blocked',
    });
    change(run, (r) => {
      r.nodes[1].state = 'failed';
      r.nodes[1].note = 'instance would not terminate; left running and cordoned';
    }, { runId: run.id, at: simNow, kind: 'node', node: run.nodes[1].name, state: 'failed', detail: 'terminate failed' });
    await reporter.idle(10_000);
    const replies = fake.thread(CHANNEL, planTs);
    const blocked = replies.find((m) => /blocked/.test(m.text));
    expect(blocked).toBeDefined();
    const json = JSON.stringify(blocked!.blocks);
    expect(json).toContain('payments/ledger-0');
    expect(json).toContain('mng_decide_force');
    expect(json).toContain('mng_decide_skip');
    expect(json).toContain('mng_decide_abort');
    const failed = replies.find((m) => /failed/.test(m.text) && m !== replies[0]);
    expect(JSON.stringify(failed!.blocks)).toMatch(/left running and cordoned/);
  });

  it('ignores runs that were not asked for from Slack', async () => {
    start(50);
    const run = makeRun({ approved: true });
    engine.runs.set(run.id, run);
    for (let i = 0; i < 20; i++) engine.emit({ runId: run.id, at: simNow, kind: 'phase', phase: 'surge', detail: 'x' });
    await reporter.idle();
    expect(fake.calls).toEqual([]);
  });

  it('a restarted reporter shows the end of a run that ended unseen, once', async () => {
    const { run, planTs } = await approvedRun(2);
    run.status = 'succeeded';
    run.finishedAt = simNow;
    run.outcome = { status: 'succeeded', summary: 'Replaced 2 of 2 nodes', changes: [] };
    for (const n of run.nodes) n.state = 'terminated';
    start();
    expect(await reporter.catchUp()).toEqual([run.id]);
    await reporter.idle();
    const thread = [...fake.messages.values()].filter((m) => m.thread_ts === planTs && m.ts !== planTs);
    expect(thread.filter((m) => /Upgrade succeeded/.test(JSON.stringify(m.blocks)))).toHaveLength(1);
    expect(updatesOf(planTs).length).toBeGreaterThan(0);
    await expect.poll(() => engine.notifies.some((n) => n.runId === run.id && n.notify.finalShown)).toBe(true);
    // Recorded as shown: the next start has nothing to catch up on.
    engine.runs.get(run.id)!.notify!.finalShown = true;
    expect(await reporter.catchUp()).toEqual([]);
  });
});
