// Runs and plans built by hand, for renderer and reporter tests that need no world.
import type { ProgressEvent } from '../../src/engine/events.js';
import type { NodeRecord, Plan, Run } from '../../src/engine/run.js';

export function makePlan(nodes = 3): Plan {
  return {
    ref: { cluster: 'prod', nodegroup: 'ng-1' },
    strategy: 'rolling',
    managed: false,
    clusterVersion: '1.30',
    fromVersion: '1.29',
    toVersion: '1.30',
    fromRelease: '1.29.3-20240531',
    toRelease: '1.30.0-20240625',
    fromImageId: 'ami-old',
    toImageId: 'ami-new',
    amiType: 'AL2_x86_64',
    surge: 3,
    surgeReason: 'one per AZ',
    maxUnavailable: 1,
    drainTimeoutMs: 900_000,
    force: false,
    sizes: { min: nodes, max: nodes + 3, desired: nodes },
    azs: ['us-west-2a', 'us-west-2b', 'us-west-2c'],
    nodes: Array.from({ length: nodes }, (_, i) => ({
      name: `ip-10-0-${i}-1.us-west-2.compute.internal`,
      instanceId: `i-${String(i).padStart(17, '0')}`,
      az: `us-west-2${'abc'[i % 3]}`,
      version: '1.29',
      imageId: 'ami-old',
      pods: 5,
    })),
    findings: [],
    estimatedMs: 600_000,
    createdAt: 0,
  };
}

export function makeRun(opts: { id?: string; nodes?: number; approved?: boolean; notify?: Run['notify'] } = {}): Run {
  const plan = makePlan(opts.nodes ?? 3);
  const nodes: NodeRecord[] = plan.nodes.map((n) => ({ name: n.name, instanceId: n.instanceId, az: n.az, role: 'old', state: 'waiting', at: { waiting: 0 }, evicted: 0, forced: 0 }));
  return {
    id: opts.id ?? 'r-test0001',
    rev: 1,
    ref: plan.ref,
    strategy: 'rolling',
    status: opts.approved ? 'running' : 'awaiting-approval',
    phase: 'pending',
    plan,
    requestedBy: { user: 'UREQUESTER', at: 0 },
    ...(opts.approved ? { approvedBy: { user: 'UAPPROVER1', at: 1 }, startedAt: 1 } : {}),
    createdAt: 0,
    expiresAt: 1_800_000,
    nodes,
    newNodes: [],
    requests: {},
    counters: { podsEvicted: 0, forcedDeletions: 0, apiErrors: 0 },
    ...(opts.notify ? { notify: opts.notify } : {}),
  };
}

/** An engine double for the reporter: runs in a map, events emitted by hand. */
export class FakeEngine {
  readonly runs = new Map<string, Run>();
  private readonly listeners = new Set<(e: ProgressEvent) => void>();
  notifies: { runId: string; notify: NonNullable<Run['notify']> }[] = [];

  /** How long each coming get() takes, ms, in turn (a slow store read); none: at once. */
  readDelaysMs: number[] = [];
  /** When each slow read ended (performance.now()). */
  slowReadsDoneAt: number[] = [];

  async get(runId: string): Promise<Run | undefined> {
    const delay = this.readDelaysMs.shift();
    if (delay) {
      await new Promise((r) => setTimeout(r, delay));
      this.slowReadsDoneAt.push(performance.now());
    }
    const r = this.runs.get(runId);
    return r ? structuredClone(r) : undefined;
  }

  async list(filter: { statuses?: readonly Run['status'][] } = {}): Promise<Run[]> {
    return [...this.runs.values()].filter((r) => !filter.statuses || filter.statuses.includes(r.status)).map((r) => structuredClone(r));
  }

  onEvent(l: (e: ProgressEvent) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  async setNotify(runId: string, notify: NonNullable<Run['notify']>): Promise<void> {
    this.notifies.push({ runId, notify });
  }

  emit(e: ProgressEvent): void {
    for (const l of this.listeners) l(e);
  }
}
