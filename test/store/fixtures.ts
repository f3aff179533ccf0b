import { mkdtemp, rm } from 'node:fs/promises';
import { afterEach, beforeEach } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProgressEvent } from '../../src/engine/events.js';
import type { NodeRecord, Plan, PlanNode, Run, RunStatus } from '../../src/engine/run.js';
import { LowdbRunStore, type LowdbRunStoreOptions } from '../../src/store/lowdb-run-store.js';

export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'mngbot-store-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A run of a group with `nodes` old nodes, shaped like the engine's, large enough to matter. */
export function makeRun(
  id: string,
  opts: { cluster?: string; nodegroup?: string; status?: RunStatus; createdAt?: number; nodes?: number } = {},
): Run {
  const ref = { cluster: opts.cluster ?? 'prod', nodegroup: opts.nodegroup ?? 'ng-1' };
  const n = opts.nodes ?? 3;
  const azs = ['us-west-2a', 'us-west-2b', 'us-west-2c'];
  const planNodes: PlanNode[] = [];
  const nodes: NodeRecord[] = [];
  for (let i = 0; i < n; i++) {
    const name = `ip-10-0-${Math.floor(i / 250)}-${i % 250}.us-west-2.compute.internal`;
    const instanceId = `i-${(0x1000000000 + i).toString(16).padStart(17, '0')}`;
    const az = azs[i % 3];
    planNodes.push({ name, instanceId, az, version: '1.29', imageId: 'ami-0123456789abcdef0', pods: 17 });
    nodes.push({
      name,
      instanceId,
      az,
      role: 'old',
      state: i % 2 ? 'terminated' : 'waiting',
      at: { waiting: 1_700_000_000_000, tainted: 1_700_000_100_000, evicting: 1_700_000_200_000 },
      podsToEvict: 17,
      evicted: 12,
      forced: 0,
      note: 'drained in 41s',
    });
  }
  const plan: Plan = {
    ref,
    strategy: 'rolling',
    managed: false,
    clusterVersion: '1.30',
    fromVersion: '1.29',
    toVersion: '1.30',
    fromRelease: '1.29.3-20240531',
    toRelease: '1.30.0-20240703',
    fromImageId: 'ami-0123456789abcdef0',
    toImageId: 'ami-0fedcba9876543210',
    amiType: 'AL2_x86_64',
    surge: 3,
    surgeReason: 'one per AZ',
    maxUnavailable: 1,
    drainTimeoutMs: 600_000,
    force: false,
    sizes: { min: n, max: n * 2, desired: n },
    azs,
    nodes: planNodes,
    findings: [{ severity: 'warn', code: 'unmanaged-pod', message: 'pod default/x has no controller', subjects: ['default/x'] }],
    estimatedMs: 3_600_000,
    createdAt: opts.createdAt ?? 1_700_000_000_000,
  };
  return {
    id,
    rev: 0,
    ref,
    strategy: 'rolling',
    status: opts.status ?? 'running',
    phase: 'replace',
    plan,
    requestedBy: { user: 'U123', at: 1_700_000_000_000, channel: 'C1' },
    createdAt: opts.createdAt ?? 1_700_000_000_000,
    nodes,
    newNodes: [],
    requests: {},
    counters: { podsEvicted: 0, forcedDeletions: 0, apiErrors: 0 },
  };
}

export function event(runId: string, i: number): ProgressEvent {
  return { runId, at: 1_700_000_000_000 + i, kind: 'warning', detail: `event ${i}` };
}

/**
 * Each test gets a fresh data directory; the stores it opens there are closed after it. closeAll()
 * leaves the files as a killed process would, for a test that opens them again.
 */
export function storesPerTest(defaults: LowdbRunStoreOptions = {}) {
  let cleanup: () => Promise<void> = async () => {};
  const opened: LowdbRunStore[] = [];
  const t = {
    dir: '',
    async open(opts: LowdbRunStoreOptions = {}): Promise<LowdbRunStore> {
      return t.track(await LowdbRunStore.open({ dataDir: t.dir, ...defaults, ...opts }));
    },
    /** A store opened by the test itself, closed with the others. */
    track(store: LowdbRunStore): LowdbRunStore {
      opened.push(store);
      return store;
    },
    async closeAll(): Promise<void> {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    },
  };
  beforeEach(async () => {
    ({ dir: t.dir, cleanup } = await tempDir());
  });
  afterEach(async () => {
    await t.closeAll();
    await cleanup();
  });
  return t;
}
