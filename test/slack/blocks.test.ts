import { beforeAll, describe, expect, it } from 'vitest';
import type { Finding, NodeState, Run } from '../../src/engine/run.js';
import { loadScenario } from '../../src/sim/scenario.js';
import { simulate } from '../../src/app/simulate.js';
import { usageMessage } from '../../src/slack/blocks/errors.js';
import { helpMessage } from '../../src/slack/blocks/help.js';
import type { Message } from '../../src/slack/blocks/kit.js';
import { LIMITS, limitProblems, packLines } from '../../src/slack/blocks/limits.js';
import { listMessage } from '../../src/slack/blocks/list.js';
import { planMessage } from '../../src/slack/blocks/plan.js';
import { mrkdwn } from '../../src/slack/blocks/format.js';
import { FULL_LIST_MAX, nodeLine, progressMessage } from '../../src/slack/blocks/progress.js';
import { statusDetailMessage } from '../../src/slack/blocks/status.js';
import type { FleetGroup } from '../../src/app/fleet-report.js';
import { amiWatchMessage, fleetStatusMessage } from '../../src/slack/blocks/fleet.js';
import { blockedMessage, decodeDecision, encodeDecision, summaryMessage } from '../../src/slack/blocks/thread.js';
import { ALL_USAGE } from '../../src/slack/grammar.js';
import { MemoryRunStore } from '../../src/store/memory-run-store.js';

function expectWithin(msg: Message, what: string) {
  expect(limitProblems(msg), what).toEqual([]);
  // Beyond Slack's per-block limits: keep whole messages readable (and well under any payload cap).
  const chars = msg.blocks.reduce((n, b) => n + ('text' in b && b.text ? b.text.text.length : 0), 0);
  expect(chars, what).toBeLessThan(45_000);
}

/** Snapshots of a real 450-node run: one at every phase change and every 150th save. */
const snapshots: Run[] = [];
let finalRun: Run;

class SnapshotStore extends MemoryRunStore {
  private lastPhase = '';
  private saves = 0;
  override async save(...args: Parameters<MemoryRunStore['save']>): Promise<void> {
    await super.save(...args);
    const run = args[0];
    this.saves++;
    if (run.phase !== this.lastPhase || this.saves % 150 === 0 || run.status !== 'running') {
      this.lastPhase = run.phase;
      snapshots.push(structuredClone(run));
    }
  }
}

beforeAll(async () => {
  const scenario = await loadScenario('scenarios/large-450.json');
  const result = await simulate({ scenario, store: new SnapshotStore(), maxUnavailable: 10, decide: 'force' });
  finalRun = result.run;
  expect(result.report.status).toBe('succeeded');
}, 120_000);

describe('renderers: a 450-node run in every phase stays within Block Kit limits', () => {
  it('covers every phase the run went through', () => {
    const phases = new Set(snapshots.map((r) => r.phase));
    for (const p of ['prepare', 'surge', 'await-new-nodes', 'taint', 'replace', 'scale-back', 'done']) expect(phases, p).toContain(p);
    expect(finalRun.nodes.length).toBeGreaterThanOrEqual(450);
  });

  it('progress, plan (parent), status detail and summary', () => {
    for (const run of snapshots) {
      const now = (run.phaseSince ?? run.createdAt) + 1000;
      const what = `${run.phase}/${run.status}`;
      const progress = progressMessage(run, now, { warnings: ['a warning'.repeat(100), 'another'] });
      expectWithin(progress, `progress ${what}`);
      expectWithin(planMessage({ kind: 'run', run, now }), `plan ${what}`);
      expectWithin(statusDetailMessage(run, now, Array.from({ length: 40 }, (_, i) => `event ${i} ${'x'.repeat(300)}`)), `status ${what}`);
      if (run.outcome) expectWithin(summaryMessage(run), `summary ${what}`);
    }
  });

  it('a large group is summarised: nodes in flight and failed in full, the rest counted', () => {
    const mid = snapshots.find((r) => r.phase === 'replace' && r.nodes.some((n) => ['evicting', 'cordoned', 'terminating'].includes(n.state)));
    expect(mid).toBeDefined();
    const run = structuredClone(mid!);
    run.nodes[0].state = 'failed';
    run.nodes[0].note = 'the instance would not terminate';
    const text = JSON.stringify(progressMessage(run, run.phaseSince! + 1).blocks);
    const inFlight = run.nodes.filter((n) => ['evicting', 'evicted', 'cordoned', 'terminating'].includes(n.state));
    for (const n of inFlight) expect(text).toContain(n.name);
    expect(text).toContain(run.nodes[0].name);
    expect(text).toContain('the instance would not terminate');
    const waiting = run.nodes.find((n) => n.state === 'tainted' || n.state === 'waiting');
    if (waiting) expect(text).not.toContain(`\`${waiting.name}\``);
    expect(text).toMatch(/Other nodes: .*terminated \d+/);
  });

  it('worst cases: every node in flight, every node failed with a long note, a mix', () => {
    const base = structuredClone(finalRun);
    base.status = 'running';
    base.phase = 'replace';
    delete base.outcome;
    const now = base.startedAt! + 3_600_000;
    const variants: [string, (i: number) => { state: NodeState; note?: string }][] = [
      ['all evicting', () => ({ state: 'evicting' })],
      ['all failed', (i) => ({ state: 'failed', note: `node ${i}: ${'could not be drained: ns/pod-with-a-long-name '.repeat(10)}` })],
      ['mix', (i) => ({ state: (['waiting', 'tainted', 'evicting', 'evicted', 'cordoned', 'terminating', 'terminated', 'failed', 'skipped'] as const)[i % 9] })],
    ];
    for (const [what, f] of variants) {
      const run = structuredClone(base);
      run.nodes.forEach((n, i) => {
        const v = f(i);
        n.state = v.state;
        n.podsToEvict = 34;
        n.evicted = 17;
        n.at = { tainted: now - 600_000, evicting: now - 300_000, [v.state]: now - 1000 };
        if (v.note) n.note = v.note;
      });
      const msg = progressMessage(run, now);
      expectWithin(msg, what);
      expect(msg.blocks.length).toBeLessThanOrEqual(LIMITS.blocksPerMessage);
    }
  });

  it('small groups list every node', () => {
    const run = structuredClone(finalRun);
    run.nodes = run.nodes.slice(0, FULL_LIST_MAX);
    const text = JSON.stringify(progressMessage(run, run.finishedAt!).blocks);
    for (const n of run.nodes) expect(text).toContain(n.name);
  });
});

describe('renderers: other messages at their extremes', () => {
  it('the plan of 450 nodes with many long findings', () => {
    const plan = structuredClone(finalRun.plan);
    const findings: Finding[] = Array.from({ length: 80 }, (_, i) => ({
      severity: (['block', 'warn', 'info'] as const)[i % 3],
      code: `code-${i}`,
      message: `finding ${i}: ${'pods ns/some-pod-name-with-a-hash-abcde '.repeat(40)}`,
      subjects: [],
    }));
    plan.findings = findings;
    for (const view of [
      { kind: 'dry-run' as const, plan, requestedBy: 'U1' },
      { kind: 'refused' as const, plan, requestedBy: 'U1', reason: 'x'.repeat(5000), hint: 'y'.repeat(500) },
    ]) {
      const msg = planMessage(view);
      expectWithin(msg, view.kind);
      expect(JSON.stringify(msg.blocks)).toMatch(/more node/);
    }
  });

  it('the plan message in every status', () => {
    for (const status of ['awaiting-approval', 'scheduled', 'running', 'paused', 'needs-decision', 'succeeded', 'failed', 'cancelled', 'aborted', 'rejected', 'expired'] as const) {
      const run = structuredClone(finalRun);
      run.status = status;
      run.decidedBy = { user: 'U2', at: run.createdAt, decision: 'approved' };
      run.decision = { node: run.nodes[0].name, since: run.createdAt, blockers: [] };
      const msg = planMessage({ kind: 'run', run, now: run.createdAt + 1 });
      expectWithin(msg, status);
      const hasButtons = msg.blocks.some((b) => b.type === 'actions');
      expect(hasButtons, status).toBe(status === 'awaiting-approval');
    }
  });

  it('a blocked drain with hundreds of pods and PDBs', () => {
    const blockers = Array.from({ length: 300 }, (_, i) => ({ pod: `ns-${i}/pod-${i}-${'a'.repeat(40)}`, pdb: `ns-${i}/pdb-${i}`, reason: 'Cannot evict pod as it would violate the pod\'s disruption budget.' }));
    const asked = blockedMessage({ runId: 'r-1', node: 'ip-10-0-0-1.ec2.internal', blockers, drainTimeoutMs: 900_000 });
    expectWithin(asked, 'blocked');
    expect(asked.blocks.find((b) => b.type === 'actions')).toBeDefined();
    const answered = blockedMessage({ runId: 'r-1', node: 'n', blockers, drainTimeoutMs: 900_000, decided: { choice: 'force', by: 'U1' } });
    expectWithin(answered, 'decided');
    expect(answered.blocks.find((b) => b.type === 'actions')).toBeUndefined();
  });

  it('decision values round-trip and refuse garbage', () => {
    expect(decodeDecision(encodeDecision({ runId: 'r-1', node: 'n-1' }))).toEqual({ runId: 'r-1', node: 'n-1' });
    for (const v of [undefined, '', 'r-1', '{"r":1}', '{"r":"a"}', '[]', 'null']) expect(decodeDecision(v)).toBeUndefined();
  });

  it('list, status list, help and usage at their extremes', () => {
    const clusters = Array.from({ length: 30 }, (_, c) => ({
      name: `cluster-${c}`,
      version: '1.30',
      status: 'ACTIVE',
      groups: Array.from({ length: 40 }, (_, g) => ({ name: `group-${g}-${'x'.repeat(30)}`, version: '1.29', releaseVersion: '1.29.3-20240531', sizes: { min: 1, max: 5, desired: 3 }, status: 'ACTIVE', managed: true })),
    }));
    expectWithin(listMessage(clusters), 'list');
    expectWithin(listMessage([]), 'empty list');
    // /mng status is the fleet now (it was the list of runs, which /mng history shows).
    const now = finalRun.finishedAt!;
    const groups: FleetGroup[] = Array.from({ length: 1200 }, (_, i) => ({
      ref: { cluster: `cluster-${i % 30}-${'c'.repeat(40)}`, nodegroup: `group-${i}-${'x'.repeat(40)}` },
      version: '1.29',
      releaseVersion: '1.29.1-20240516',
      releasedAt: now - 90 * 86_400_000,
      latest: { releaseVersion: '1.29.3-20240630', publishedAt: now - 45 * 86_400_000 },
      behind: { releases: 1, days: 45 },
      window: { kind: 'closed', next: { opensAt: now + 3_600_000, closesAt: now + 7_200_000 }, timezone: 'Europe/Berlin' },
      lastRun: { id: `r-${i}`, status: 'failed', toRelease: '1.29.3-20240630', at: now - 86_400_000 },
      ...(i % 7 === 0 ? { error: `AccessDenied ${'e'.repeat(2000)}` } : {}),
    }));
    const report = { at: now, groups, errors: [{ cluster: 'gone', error: 'x'.repeat(5000) }] };
    expectWithin(fleetStatusMessage(report), 'fleet status');
    expectWithin(fleetStatusMessage({ at: now, groups: [], errors: [] }), 'no groups');
    expectWithin(amiWatchMessage(groups, report), 'AMI watch, every group behind');
    expectWithin(helpMessage(), 'help');
    expectWithin(usageMessage('x'.repeat(5000), 'e'.repeat(5000), ALL_USAGE), 'usage');
  });

  it('node lines show the state and how long each step took', () => {
    const rec = structuredClone(finalRun.nodes[0]);
    rec.state = 'evicting';
    rec.podsToEvict = 7;
    rec.evicted = 3;
    rec.at = { waiting: 0, tainted: 1000, evicting: 3000 };
    expect(nodeLine(rec, 44_000)).toMatch(/\*evicting 3\/7 pods\* · tainted 2s → evicting 41s…/);
  });

  it('node lines name every step once, steps that took no time included (cordoned with no deregistration wait)', () => {
    const rec = structuredClone(finalRun.nodes[0]);
    rec.state = 'terminated';
    rec.at = { waiting: 0, tainted: 1000, evicting: 3000, evicted: 44_000, cordoned: 44_000, terminating: 44_000, terminated: 104_000 };
    expect(nodeLine(rec, 200_000)).toContain('· *terminated* · tainted 2s → evicting 41s → evicted → cordoned → terminating 1m');
    rec.state = 'tainted';
    rec.at = { waiting: 0, tainted: 1000 };
    const tainted = nodeLine(rec, 37_000);
    expect(tainted).toContain('· *tainted 36s…*');
    expect(tainted).not.toMatch(/tainted\b.*tainted\b/);
  });

  it('engine text in mrkdwn: escaped, people named by user id as mentions, status words left alone', () => {
    expect(mrkdwn('cancelled by U0APPROVER <b> & W012AB3CDE; group UPDATING, AMI AL2_x86_64')).toBe(
      'cancelled by <@U0APPROVER> &lt;b&gt; &amp; <@W012AB3CDE>; group UPDATING, AMI AL2_x86_64',
    );
  });

  it('packLines never exceeds its bounds', () => {
    const lines = Array.from({ length: 1000 }, (_, i) => 'l'.repeat(i % 400));
    const { chunks, left } = packLines(lines, 3000, 5);
    expect(chunks.length).toBeLessThanOrEqual(5);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(3000);
    expect(chunks.join('\n').split('\n').length + left).toBe(1000);
  });
});
