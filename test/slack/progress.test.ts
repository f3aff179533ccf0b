import { webApi } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Run } from '../../src/engine/run.js';
import { FakeWebApi } from './fake-web-api.js';
import { ProgressReporter, type ChatApi, type EditRecord } from '../../src/slack/progress.js';
import { FakeEngine, makeRun } from './fixtures.js';

const CHANNEL = 'C0PROGRESS';

let fake: FakeWebApi;
let engine: FakeEngine;
let reporter: ProgressReporter;
let edits: EditRecord[];
let simNow = 1_000_000;

/** Each chat call the reporter makes, stamped (performance.now()) the moment it is made. */
let sent: { method: 'chat.postMessage' | 'chat.update'; ts?: string; threadTs?: string; at: number }[];
/** When the reporter's client learnt of each 429: the moment its call failed with one. */
let limitedAt: { method: string; at: number; retryAfterMs: number }[];

/** Stamps the moment a call fails with a 429, before the reporter's own await sees the failure. */
function noting429<T>(method: string, call: Promise<T>): Promise<T> {
  return call.catch((err: unknown) => {
    const retryAfter = (err as { retryAfter?: number }).retryAfter;
    if ((err as { code?: string }).code === 'slack_webapi_rate_limited_error') limitedAt.push({ method, at: performance.now(), retryAfterMs: (retryAfter ?? 1) * 1000 });
    throw err;
  });
}

function start(minIntervalMs = 1000) {
  const client = new webApi.WebClient('xoxb-test', { slackApiUrl: fake.url, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } }) as unknown as ChatApi;
  edits = [];
  sent = [];
  limitedAt = [];
  const atSend: ChatApi = {
    chat: {
      postMessage: (a) => {
        sent.push({ method: 'chat.postMessage', ...(a.thread_ts ? { threadTs: a.thread_ts } : {}), at: performance.now() });
        return noting429('chat.postMessage', client.chat.postMessage(a));
      },
      update: (a) => {
        sent.push({ method: 'chat.update', ts: a.ts, at: performance.now() });
        return noting429('chat.update', client.chat.update(a));
      },
    },
    conversations: client.conversations,
  };
  reporter = new ProgressReporter({ engine, client: atSend, clock: { now: () => simNow }, minIntervalMs, onEdit: (e) => edits.push(e) });
  reporter.start();
}

/** The reporter's stamps of its calls for one message (EditRecord.startedAt), oldest first. */
const sendsOf = (ts: string) => edits.filter((e) => e.ts === ts).map((e) => e.startedAt);

/** The calls for one message as the client saw them made, oldest first: its post (in the thread), then its updates. */
function callsOf(ts: string, threadTs?: string): number[] {
  const post = threadTs ? sent.filter((c) => c.method === 'chat.postMessage' && c.threadTs === threadTs).slice(0, 1) : [];
  return [...post, ...sent.filter((c) => c.method === 'chat.update' && c.ts === ts)].map((c) => c.at).sort((a, b) => a - b);
}

/**
 * Each stamp is taken at its call: after the call before it was made, and at or before the call
 * itself, with nothing the reporter waits for in between (no slow store read ends there).
 */
function expectStampedAtSend(ts: string, threadTs?: string): void {
  const stamps = sendsOf(ts);
  const calls = threadTs ? callsOf(ts, threadTs) : callsOf(ts);
  expect(stamps.length, 'one stamp per call').toBe(calls.length);
  stamps.forEach((stamp, i) => {
    expect(calls[i]).toBeGreaterThanOrEqual(stamp);
    if (i > 0) expect(stamp).toBeGreaterThan(calls[i - 1]);
    expect(engine.slowReadsDoneAt.filter((r) => r > stamp && r <= calls[i]), `a store read between stamp ${i} and its call`).toEqual([]);
  });
}

function expectSpaced(times: number[], minMs: number, what: string) {
  for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1], `${what}: calls ${i - 1} and ${i}`).toBeGreaterThanOrEqual(minMs);
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

/** The run succeeds: its end recorded at finishedAt, its last event at `at`. */
function succeed(run: Run, o: { finishedAt: number; at: number; summary: string }) {
  change(run, (r) => {
    r.status = 'succeeded';
    r.phase = 'done';
    r.finishedAt = o.finishedAt;
    r.outcome = { status: 'succeeded', summary: o.summary, changes: [] };
  }, { runId: run.id, at: o.at, kind: 'status', status: 'succeeded', detail: 'done' });
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
    succeed(run, { finishedAt: simNow + 1000, at: simNow + 1000, summary: 'Replaced 3 of 3 nodes.' });
    await reporter.idle(10_000);

    const thread = fake.thread(CHANNEL, planTs);
    const progress = thread[0];
    expect(progress.text).toMatch(/succeeded/);
    expect(progress.text).toMatch(/replaced 0\/3/);
    const updates = updatesOf(progress.ts);
    // 2.5 s of events: the post plus a handful of edits, never two within a second.
    expect(updates.length).toBeGreaterThanOrEqual(2);
    expect(updates.length).toBeLessThanOrEqual(5);
    // Measured where the rule applies, when each Web API call is made: the reporter stamps each call
    // as it makes it (EditRecord.startedAt) and spaces its calls by those stamps.
    expectSpaced(sendsOf(progress.ts), 1000, 'progress message');
    expectSpaced(sendsOf(planTs), 1000, 'plan message');
    expect(sendsOf(progress.ts)).toHaveLength(updates.length + 1);
    expectStampedAtSend(progress.ts, planTs);
    expectStampedAtSend(planTs);
    // The parent shows the outcome, and the summary is a reply.
    expect(fake.message(CHANNEL, planTs)!.text).toMatch(/succeeded/);
    expect(thread.at(-1)!.text).toMatch(/Upgrade of prod\/ng-1 succeeded/);
    // Coordinates were handed to the engine (setNotify) for restarts.
    expect(engine.notifies.at(-1)!.notify).toMatchObject({ channel: CHANNEL, progressTs: progress.ts });
    // Every event was shown by some edit, and the last edit of each message was final.
    expect(edits.filter((e) => e.kind === 'progress').flatMap((e) => e.latenciesMs).length).toBe(302);
    expect(edits.filter((e) => e.kind === 'progress').at(-1)!.final).toBe(true);
  });

  it('spaces the calls for one message a full second apart at the moment each is made, however long rendering takes', async () => {
    start();
    const { run, planTs } = await approvedRun(3);
    engine.emit({ runId: run.id, at: simNow, kind: 'status', status: 'running', detail: 'approved' });
    await reporter.idle();
    const progressTs = fake.thread(CHANNEL, planTs)[0].ts;
    // The next render of each message waits 400 ms for its store read; the one after does not.
    engine.readDelaysMs = [400, 400];
    change(run, (r) => (r.phase = 'surge'), { runId: run.id, at: simNow, kind: 'phase', phase: 'surge', detail: 'surge' });
    // Once both slow renders are under way, something else happens: one more edit of each is due.
    await expect.poll(() => engine.readDelaysMs.length, { timeout: 3000, interval: 5 }).toBe(0);
    change(run, (r) => (r.phase = 'replace'), { runId: run.id, at: simNow, kind: 'phase', phase: 'replace', detail: 'replace' });
    await reporter.idle();

    // Two edits of each message after the post: the slow one and the one after it.
    expect(sendsOf(progressTs).length).toBeGreaterThanOrEqual(3);
    expect(sendsOf(planTs).length).toBeGreaterThanOrEqual(2);
    expect(engine.slowReadsDoneAt).toHaveLength(2);
    expectSpaced(sendsOf(progressTs), 1000, 'progress message');
    expectSpaced(sendsOf(planTs), 1000, 'plan message');
    expectStampedAtSend(progressTs, planTs);
    expectStampedAtSend(planTs);
    expect(fake.message(CHANNEL, progressTs)!.text).toMatch(/replace/i);
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

    const limited = fake.callsOf('chat.update').filter((c) => c.status === 429);
    expect(limited.length).toBe(2);
    expect(limitedAt).toHaveLength(2);
    // From the moment the client learns of a 429, no chat.update (to any message) is made until
    // Retry-After has passed. Calls made before that moment were on their way and may get a 429 too.
    for (const l of limitedAt) {
      expect(l.retryAfterMs).toBe(2000);
      const after = sent.filter((c) => c.method === 'chat.update' && c.at > l.at);
      expect(after.length, 'a call after the 429').toBeGreaterThan(0);
      for (const c of after) expect(c.at - l.at).toBeGreaterThanOrEqual(l.retryAfterMs);
    }
    expect(fake.message(CHANNEL, progressTs)!.text).toMatch(/failed/);
    expect(fake.message(CHANNEL, planTs)!.text).toMatch(/failed/);
    const summary = fake.thread(CHANNEL, planTs).at(-1)!;
    expect(JSON.stringify(summary.blocks)).toMatch(/Where it left the group/);
    expect(JSON.stringify(summary.blocks)).toMatch(/3 nodes still run/);
  });

  it('a thread reply Slack carried out but whose answer was lost is in the thread once, not twice', async () => {
    start(50);
    const { run, planTs } = await approvedRun(3);
    engine.emit({ runId: run.id, at: simNow, kind: 'status', status: 'running', detail: 'approved' });
    await reporter.idle();
    fake.loseAnswer('chat.postMessage');
    const detail = 'maintenance window closed: nodes in flight finish, no new node starts; old nodes stay tainted. Resumes when the next window opens';
    change(run, (r) => (r.status = 'paused'), { runId: run.id, at: simNow, kind: 'status', status: 'paused', detail });
    await reporter.idle(10_000);
    expect(fake.callsOf('chat.postMessage').some((c) => c.status === 0), 'an answer was lost').toBe(true);
    expect(fake.thread(CHANNEL, planTs).filter((m) => /maintenance window closed/.test(String(m.text)))).toHaveLength(1);
  });

  it('retries the final state through errors, and gives up on a message that is gone', async () => {
    start(50);
    const { run, planTs } = await approvedRun(3);
    engine.emit({ runId: run.id, at: simNow, kind: 'status', status: 'running', detail: 'approved' });
    await reporter.idle();
    fake.fail('chat.update', 'internal_error', 4);
    succeed(run, { finishedAt: simNow + 5, at: simNow, summary: 'ok' });
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

  it('shows the final state when the edit that carries it is answered with a 429', async () => {
    start(50);
    const { run, planTs } = await approvedRun(3);
    engine.emit({ runId: run.id, at: simNow, kind: 'status', status: 'running', detail: 'approved' });
    await reporter.idle();
    const progressTs = fake.thread(CHANNEL, planTs)[0].ts;
    // Only the final state is left to show, and its first edits are refused.
    fake.rateLimit('chat.update', { times: 2, retryAfterSec: 1 });
    succeed(run, { finishedAt: simNow + 5, at: simNow + 5, summary: 'ok' });
    await reporter.idle(10_000);
    expect(fake.callsOf('chat.update').filter((c) => c.status === 429)).toHaveLength(2);
    expect(fake.message(CHANNEL, planTs)!.text).toMatch(/succeeded/);
    expect(fake.message(CHANNEL, progressTs)!.text).toMatch(/succeeded/);
    for (const kind of ['parent', 'progress'] as const) expect(edits.filter((e) => e.kind === kind).at(-1)!.final).toBe(true);
  });

  it('stop() flushes a final state still waiting for its slot', async () => {
    start();
    const { run, planTs } = await approvedRun(3);
    engine.emit({ runId: run.id, at: simNow, kind: 'status', status: 'running', detail: 'approved' });
    await reporter.idle();
    const progressTs = fake.thread(CHANNEL, planTs)[0].ts;
    // Within a second of the last edits: the final ones must wait for their slot.
    change(run, (r) => {
      r.status = 'cancelled';
      r.phase = 'done';
      r.finishedAt = simNow + 5;
      r.outcome = { status: 'cancelled', summary: 'Cancelled by UAPPROVER1.', changes: [] };
    }, { runId: run.id, at: simNow + 5, kind: 'status', status: 'cancelled', detail: 'cancelled' });
    await reporter.stop(5000);
    expect(fake.message(CHANNEL, planTs)!.text).toMatch(/cancelled/);
    expect(fake.message(CHANNEL, progressTs)!.text).toMatch(/cancelled/);
    expectSpaced(sendsOf(progressTs), 1000, 'progress message');
    expectSpaced(sendsOf(planTs), 1000, 'plan message');
  });

  it('shows a run\'s end that came before its plan message was recorded (an expiry while the plan was being posted)', async () => {
    start(50);
    const posted = (await new webApi.WebClient('xoxb-test', { slackApiUrl: fake.url }).chat.postMessage({ channel: CHANNEL, text: 'plan' })) as { ts: string };
    const run = makeRun({ nodes: 3 });
    engine.runs.set(run.id, run);
    engine.emit({ runId: run.id, at: simNow, kind: 'status', status: 'awaiting-approval', detail: 'requested' });
    change(run, (r) => {
      r.status = 'expired';
      r.phase = 'done';
      r.finishedAt = simNow + 60_000;
    }, { runId: run.id, at: simNow + 60_000, kind: 'status', status: 'expired', detail: 'expired' });
    await reporter.idle();
    // The plan message's post answers only now.
    reporter.setCoords(run.id, { channel: CHANNEL, planTs: posted.ts, threadTs: posted.ts });
    await reporter.idle();
    expect(fake.message(CHANNEL, posted.ts)!.text).toMatch(/expired/i);
    expect(edits.filter((e) => e.kind === 'parent').at(-1)!.final).toBe(true);
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
