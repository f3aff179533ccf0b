// What every step gets: the run to change, the world's ports, and helpers that keep the record honest.
import type { ClusterView } from './cluster-view.js';
import type { ProgressEvent } from './events.js';
import type { Clock, Cluster, NodeGroups } from './ports.js';
import type { NodeStates } from './node-states.js';
import type { UnsavedRecords } from './unsaved-records.js';
import { canTransition, type NewNodeRecord, type NewNodeState, type NodeRecord, type NodeState, type Run } from './run.js';

export interface EngineSettings {
  /** How long new nodes may take to become Ready before the run fails (EKS: NodeCreationFailure). */
  nodeReadyTimeoutMs: number;
  /** How long a drain may wait for room on new nodes before the run fails. */
  capacityWaitTimeoutMs: number;
  firstEvictionBackoffMs: number;
  maxEvictionBackoffMs: number;
  /** Auto Scaling has no watch: how often to look at the group while instances launch. */
  instancePollMs: number;
  /** Longest sleep when nothing is due; a watch event wakes the runner sooner. */
  idleRecheckMs: number;
  /** Where this mngbot runs (the downward API): that node is drained last, and the bot moves itself off it. */
  self?: SelfPod;
}

export interface SelfPod {
  node: string;
  pod?: { namespace: string; name: string };
}

export const DEFAULT_SETTINGS: EngineSettings = {
  nodeReadyTimeoutMs: 20 * 60_000,
  capacityWaitTimeoutMs: 30 * 60_000,
  firstEvictionBackoffMs: 5_000,
  maxEvictionBackoffMs: 60_000,
  instancePollMs: 30_000,
  idleRecheckMs: 60_000,
};

export type StepResult =
  /** Call the next step at once. */
  | { next: true }
  /** Nothing to do before a change in the cluster, a command, or waitMs passing. */
  | { wait: number; reason: string }
  | { done: true };

export type EventDraft = ProgressEvent extends infer E ? (E extends ProgressEvent ? Omit<E, 'runId' | 'at'> : never) : never;

export const SCALE_DOWN_DISABLED = 'cluster-autoscaler.kubernetes.io/scale-down-disabled';
export const AZ_REBALANCE = 'AZRebalance';

export class StepContext {
  readonly events: ProgressEvent[] = [];
  dirty = false;
  /** A checkpoint failed: the run as changed by this step must not be saved. */
  unsaved = false;

  constructor(
    readonly run: Run,
    readonly nodeGroups: NodeGroups,
    readonly cluster: Cluster,
    readonly view: ClusterView,
    readonly clock: Clock,
    readonly settings: EngineSettings,
    private readonly changes: UnsavedRecords,
    /** The run's node records by state. */
    readonly byState: NodeStates,
    private readonly save: (run: Run, events: ProgressEvent[]) => Promise<void>,
  ) {}

  /**
   * Saves the run and the events so far, before an irreversible call: a bot killed during the call
   * finds the intent on restart. Rejects (and the step stops) when the store cannot save it.
   */
  async checkpoint(): Promise<void> {
    try {
      await this.save(this.run, this.events.splice(0));
    } catch (err) {
      // What the step did is not on record: the runner drops it rather than trying to save it again.
      this.unsaved = true;
      throw err;
    } finally {
      this.dirty = false;
    }
  }


  get now(): number {
    return this.clock.now();
  }

  emit(draft: EventDraft): void {
    this.events.push({ ...draft, runId: this.run.id, at: this.now } as ProgressEvent);
    this.dirty = true;
  }

  /**
   * The run changed: its own fields, and `rec` when given. A node record changed in place must be named
   * (setNodeState does it) or the store keeps its old text; tests run with MNG_STORE_VERIFY, which
   * fails a save that would.
   */
  touch(rec?: NodeRecord | NewNodeRecord): void {
    this.dirty = true;
    if (rec) this.changes.add(rec);
  }

  /** The record changed, but need not be saved for it: the change rides along with the next save. */
  changedInPlace(rec: NodeRecord | NewNodeRecord): void {
    this.changes.add(rec);
  }

  setPhase(phase: Run['phase'], detail: string): void {
    if (this.run.phase === phase) return;
    this.run.phase = phase;
    this.run.phaseSince = this.now;
    this.emit({ kind: 'phase', phase, detail });
  }

  setNodeState(rec: NodeRecord, state: NodeState, detail: string, extra: { pods?: number } = {}): void {
    if (rec.state === state) return;
    if (!canTransition(rec.state, state)) throw new Error(`bug: node ${rec.name} cannot go from ${rec.state} to ${state}`);
    const since = rec.at[rec.state];
    const from = rec.state;
    this.touch(rec);
    rec.state = state;
    rec.at[state] = this.now;
    this.byState.moved(rec, from);
    this.emit({
      kind: 'node',
      node: rec.name,
      state,
      detail,
      ...(since !== undefined ? { tookMs: this.now - since } : {}),
      ...extra,
    });
  }

  /**
   * What the cluster shows of a new node: an observation, which a bot that restarts makes again. It
   * goes with the run's next save rather than a durable write of its own; its event is shown at once.
   */
  setNewNodeState(rec: NewNodeRecord, state: NewNodeState, detail: string): void {
    if (rec.state === state) return;
    this.changes.add(rec);
    rec.state = state;
    rec.at[state] = this.now;
    this.events.push({ kind: 'new-node', node: rec.name ?? rec.instanceId, state, detail, runId: this.run.id, at: this.now });
  }

  /** A deterministic draw that a resumed run repeats exactly. */
  random(salt: number): number {
    let h = 2166136261 ^ salt;
    for (let i = 0; i < this.run.id.length; i++) h = Math.imul(h ^ this.run.id.charCodeAt(i), 16777619);
    h = Math.imul(h ^ (h >>> 15), 2246822507);
    h = Math.imul(h ^ (h >>> 13), 3266489909);
    return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
  }
}
