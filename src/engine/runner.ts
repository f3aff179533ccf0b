// load → step → save → emit, until the run is done or waiting; resumes whatever the store holds.
import { ClusterView } from './cluster-view.js';
import { ConflictError, errorMessage, FatalError, RetryableError, StoreUnavailableError } from './errors.js';
import type { ProgressEvent, ProgressListener } from './events.js';
import { applyWindow } from './maintenance-window.js';
import { NodeStates } from './node-states.js';
import { UnsavedRecords } from './unsaved-records.js';
import type { Clock, Cluster, GroupRef, NodeGroups, RunStore, WindowGate } from './ports.js';
import { isTerminal, shapedRecord, type Run } from './run.js';
import { DEFAULT_SETTINGS, type EngineSettings, StepContext, type StepResult } from './step-context.js';
import { failRun } from './steps/fail-run.js';
import { GuardedStore, type StoreHealth } from './store-guard.js';
import { reconcile } from './steps/reconcile.js';
import { eksStep } from './strategies/eks.js';
import { rollingStep } from './strategies/rolling.js';

export interface EngineLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export const silentLog: EngineLog = { info() {}, warn() {}, error() {} };

export interface RunnerDeps {
  nodeGroups: NodeGroups;
  /** The Kubernetes API of a cluster, by name. */
  clusterFor(cluster: string): Cluster;
  store: RunStore;
  clock: Clock;
  settings?: Partial<EngineSettings>;
  log?: EngineLog;
  /** The node group's maintenance windows; absent or undefined: it may be upgraded at any time. */
  windows?: (ref: GroupRef) => WindowGate | undefined;
  /** Several replicas on one store: only the one that holds the leadership drives runs. Absent: this one always does. */
  leadership?: Leadership;
}

/** Whether this replica may drive runs now (it holds the Lease, recently renewed). */
export interface Leadership {
  held(): boolean;
}

/** A command that lost its compare-and-set to another replica's write reads the run again and tries again, this often. */
const CONFLICT_ATTEMPTS = 5;

/**
 * The plan is what was approved: nothing changes it afterwards. Frozen, a change would throw rather
 * than go unsaved, and the store serialises it once rather than on every save.
 */
function frozen<T extends object>(value: T): T {
  if (Object.isFrozen(value)) return value;
  for (const v of Object.values(value)) if (typeof v === 'object' && v !== null) frozen(v as object);
  return Object.freeze(value);
}

/** A step that keeps failing for reasons other than throttling fails the run after this many tries. */
const MAX_STEP_FAILURES = 6;
const RESUMABLE: readonly Run['status'][] = ['scheduled', 'running', 'paused', 'needs-decision'];

/** Waits between attempts while the store cannot save: 1 s doubling to a minute. */
const storeBackoffMs = (failures: number) => Math.min(60_000, 1000 * 2 ** Math.min(failures - 1, 6));

export class Runner {
  readonly settings: EngineSettings;
  /** The store, every failure of which pauses the runs instead of failing them. */
  readonly store: GuardedStore;
  private readonly log: EngineLog;
  private readonly views = new Map<string, ClusterView>();
  private readonly loops = new Map<string, Promise<void>>();
  private readonly wakers = new Map<string, () => void>();
  private readonly pendingWakes = new Set<string>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly listeners = new Set<ProgressListener>();
  private readonly reconciled = new Set<string>();
  /** The last saved state of each run this runner drives: it is the only writer, so steps need not re-read. */
  private readonly cache = new Map<string, Run>();
  private readonly unsaved = new Map<string, UnsavedRecords>();
  /**
   * Events of steps that only observed the world (a new node seen Ready), shown at once; what they
   * changed in the run goes with its next save. Losing them costs nothing: a bot that restarts sees
   * the world again. Spares a durable write a node.
   */
  private readonly observed = new Map<string, ProgressEvent[]>();
  /** Kept with the run object the runner drives: a run loaded again gets its own. */
  private readonly nodeStates = new WeakMap<Run, NodeStates>();
  private stopped = false;

  constructor(private readonly deps: RunnerDeps) {
    this.settings = { ...DEFAULT_SETTINGS, ...deps.settings };
    this.log = deps.log ?? silentLog;
    this.store = new GuardedStore(deps.store, () => deps.clock.now());
  }

  /** Not ok while the store cannot save: runs wait, commands are refused with the reason. */
  health(): StoreHealth {
    return this.store.health();
  }

  onEvent(listener: ProgressListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs fn with the run's lock held: steps and commands never interleave on one run. */
  async withLock<T>(runId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(runId) ?? Promise.resolve();
    const attempt = this.deps.leadership ? () => this.againOnConflict(fn) : fn;
    const next = previous.then(attempt, attempt);
    const settled = next.catch(() => undefined);
    this.locks.set(runId, settled);
    try {
      return await next;
    } finally {
      if (this.locks.get(runId) === settled) this.locks.delete(runId);
    }
  }

  /**
   * Saves a run and publishes its events. `byStep`: changed by steps, which name the node records they
   * change; otherwise (commands) any record may have changed.
   */
  async commit(run: Run, events: ProgressEvent[], opts: { byStep?: boolean } = {}): Promise<void> {
    frozen(run.plan);
    const shown = this.observed.get(run.id) ?? [];
    try {
      await this.store.save(run, shown.length ? [...shown, ...events] : events, opts.byStep ? this.unsavedOf(run.id).changed : undefined);
    } catch (err) {
      // Loaded again from the store: new records, encoded whole.
      this.forget(run.id);
      throw err;
    }
    this.observed.delete(run.id);
    this.unsavedOf(run.id).saved();
    this.cache.set(run.id, run);
    this.publish(run.id, events);
  }

  /** The run as last saved. Callers hold the run's lock. */
  async load(runId: string): Promise<Run | undefined> {
    const cached = this.cache.get(runId);
    // Only a leader is the runs' main writer; a follower's copy is always another's to change.
    if (cached && this.leads()) return cached;
    const run = await this.store.get(runId);
    if (!run) return undefined;
    run.nodes = run.nodes.map(shapedRecord);
    this.cache.set(runId, frozen(run.plan) && run);
    return run;
  }

  /**
   * A copy of the run with what its steps observed since its last save (a new node seen Ready), for
   * what a person reads; undefined when the store's copy is as current.
   */
  observedRun(runId: string): Run | undefined {
    const run = this.observed.has(runId) ? this.cache.get(runId) : undefined;
    return run && (JSON.parse(JSON.stringify(run)) as Run);
  }

  /** Starts driving the run unless a loop already does. */
  start(runId: string): Promise<void> {
    if (!this.leads()) return Promise.resolve();
    let loop = this.loops.get(runId);
    if (!loop) {
      loop = this.drive(runId).finally(() => this.loops.delete(runId));
      this.loops.set(runId, loop);
    } else {
      this.wake(runId);
    }
    return loop;
  }

  /** Resolves when the run's loop has stopped (done, or the runner stopped). */
  settled(runId: string): Promise<void> {
    return this.loops.get(runId) ?? Promise.resolve();
  }

  wake(runId: string): void {
    const waker = this.wakers.get(runId);
    if (waker) waker();
    else this.pendingWakes.add(runId);
  }

  /** Picks up every run the store holds that is not finished. */
  async resumeAll(): Promise<string[]> {
    const runs = await this.store.list({ statuses: RESUMABLE });
    for (const run of runs) void this.start(run.id);
    return runs.map((r) => r.id);
  }

  /**
   * Another replica changed the run in the store (a follower's approval, pause or click): the leader
   * forgets its copy, tells listeners what was added, and drives or wakes the run.
   */
  remoteChange(runId: string, events: ProgressEvent[]): void {
    if (!this.leads()) return;
    this.forget(runId);
    this.publish(runId, events);
    void this.start(runId);
  }

  /** This replica stopped leading: every loop ends at its next wait or step, and nothing it knew is trusted again. */
  async standDown(): Promise<void> {
    for (const w of [...this.wakers.values()]) w();
    await Promise.allSettled([...this.loops.values()]);
    this.cache.clear();
    this.unsaved.clear();
    this.observed.clear();
    this.reconciled.clear();
  }

  private leads(): boolean {
    return this.deps.leadership?.held() ?? true;
  }

  private async againOnConflict<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!(err instanceof ConflictError) || attempt >= CONFLICT_ATTEMPTS) throw err;
      }
    }
  }

  /** Stops every loop at its next wait; the store keeps each run where it was. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const w of [...this.wakers.values()]) w();
    await Promise.allSettled([...this.loops.values()]);
    // What steps observed since the last save goes with one more, so that a stopped bot's store is whole.
    for (const [runId] of this.observed) {
      const run = this.cache.get(runId);
      if (!run || !this.leads()) continue;
      await this.withLock(runId, () => this.commit(run, [], { byStep: true })).catch((err: unknown) => {
        this.log.warn('could not save what the run observed last (a restart sees it again)', { runId, error: errorMessage(err) });
      });
    }
    for (const v of this.views.values()) v.stop();
    this.views.clear();
  }

  private async viewFor(cluster: string): Promise<ClusterView> {
    let view = this.views.get(cluster);
    if (!view) {
      view = new ClusterView(this.deps.clusterFor(cluster));
      this.views.set(cluster, view);
    }
    await view.start();
    return view;
  }

  private async drive(runId: string): Promise<void> {
    const first = await this.store.get(runId);
    if (!first || isTerminal(first.status)) return;
    const view = await this.viewFor(first.ref.cluster);
    let failures = 0;
    let storeFailures = 0;
    while (!this.stopped && this.leads()) {
      let result: StepResult;
      try {
        result = await this.withLock(runId, () => this.step(runId, view));
        failures = 0;
        if (storeFailures > 0) this.storeBack(runId, storeFailures);
        storeFailures = 0;
      } catch (err) {
        if (err instanceof ConflictError) continue;
        if (err instanceof StoreUnavailableError) {
          // Nothing the step did after its last save counts; it is done again once saving works.
          await this.pause(runId, this.storeDown(runId, err, ++storeFailures), view, { sleepOnly: true });
          continue;
        }
        failures++;
        result = await this.stepFailed(runId, view, err, failures);
      }
      if ('done' in result) {
        this.forget(runId);
        return;
      }
      if ('next' in result) continue;
      await this.pause(runId, result.wait, view);
    }
  }

  /** Says (in the log and to listeners, since it cannot be saved) that the run waits for the store; returns the wait. */
  private storeDown(runId: string, err: StoreUnavailableError, failures: number): number {
    const waitMs = storeBackoffMs(failures);
    if (failures === 1 || failures % 10 === 0) {
      this.log.error('cannot save the run: it waits and tries again', { runId, failures, retryInMs: waitMs, error: errorMessage(err.cause) });
      this.publish(runId, [
        { runId, at: this.deps.clock.now(), kind: 'warning', detail: `mngbot cannot save this run (${errorMessage(err.cause)}): paused, trying again every ${Math.round(waitMs / 1000)} s` },
      ]);
    }
    return waitMs;
  }

  private storeBack(runId: string, failures: number): void {
    this.log.info('saving works again: the run carries on', { runId, failedAttempts: failures });
    this.publish(runId, [{ runId, at: this.deps.clock.now(), kind: 'warning', detail: 'mngbot can save again: carrying on' }]);
  }

  private async step(runId: string, view: ClusterView): Promise<StepResult> {
    const run = await this.load(runId);
    if (!run || isTerminal(run.status) || run.status === 'awaiting-approval') return { done: true };
    const ctx = this.context(run, view);
    try {
      const window = applyWindow(ctx, this.deps.windows?.(run.ref));
      if ('holdMs' in window) return { wait: window.holdMs, reason: 'waiting for the maintenance window' };
      if (run.status === 'scheduled') {
        if ((run.notBefore ?? 0) > ctx.now) return { wait: run.notBefore! - ctx.now, reason: 'scheduled' };
        run.status = 'running';
        ctx.emit({ kind: 'status', status: 'running', detail: 'starting' });
      }
      if (!this.reconciled.has(runId)) {
        await reconcile(ctx);
        this.reconciled.add(runId);
      }
      const result = await (run.strategy === 'eks' ? eksStep(ctx) : rollingStep(ctx));
      // Notice the window's edge on time, whatever the step was waiting for.
      if ('wait' in result && window.gated && window.edgeAt !== undefined) {
        return { ...result, wait: Math.max(0, Math.min(result.wait, window.edgeAt - ctx.now)) };
      }
      return result;
    } finally {
      // What a step did before it threw is real: keep it, so nothing is done twice.
      if (ctx.dirty && !ctx.unsaved) await this.commit(run, ctx.events, { byStep: true });
      else if (!ctx.unsaved && ctx.events.length > 0) this.showObserved(run.id, ctx.events);
    }
  }

  private async stepFailed(runId: string, view: ClusterView, err: unknown, failures: number): Promise<StepResult> {
    const message = errorMessage(err);
    const retryable = err instanceof RetryableError;
    this.log.warn('step failed', { runId, failures, error: message });
    const backoff = retryable && err.retryAfterMs ? err.retryAfterMs : Math.min(60_000, 1000 * 2 ** Math.min(failures, 6));
    const giveUp = err instanceof FatalError || (!retryable && failures >= MAX_STEP_FAILURES);
    try {
      await this.withLock(runId, async () => {
        this.forget(runId);
        const run = await this.load(runId);
        if (!run || isTerminal(run.status)) return;
        const ctx = this.context(run, view);
        if (giveUp && run.phase === 'cleanup') {
          run.status = 'failed';
          run.finishedAt = ctx.now;
          run.outcome = { status: 'failed', summary: `Cleanup failed: ${message}`, changes: ['cleanup stopped before it finished: check the node group and its nodes'] };
          ctx.emit({ kind: 'status', status: 'failed', detail: `cleanup failed: ${message}` });
        } else if (giveUp) {
          failRun(ctx, message);
        } else if (failures === 1 || failures % 10 === 0) {
          ctx.emit({ kind: 'warning', detail: `retrying after an error: ${message}` });
        } else {
          return;
        }
        await this.commit(run, ctx.events);
      });
    } catch (saveErr) {
      // Not recorded, so not decided: try the step again later rather than at once.
      this.log.error('could not record a step failure', { runId, error: errorMessage(saveErr) });
      return { wait: backoff, reason: 'retrying after an error' };
    }
    return giveUp ? { next: true } : { wait: backoff, reason: 'retrying after an error' };
  }

  private context(run: Run, view: ClusterView): StepContext {
    return new StepContext(run, this.deps.nodeGroups, this.deps.clusterFor(run.ref.cluster), view, this.deps.clock, this.settings, this.unsavedOf(run.id), this.statesOf(run), (r, events) =>
      this.commit(r, events, { byStep: true }),
    );
  }

  private statesOf(run: Run): NodeStates {
    let s = this.nodeStates.get(run);
    if (!s) this.nodeStates.set(run, (s = new NodeStates(run.nodes)));
    return s;
  }

  /** Events of a step that only observed the world: shown now, saved with the run's next save. */
  private showObserved(runId: string, events: ProgressEvent[]): void {
    let shown = this.observed.get(runId);
    if (!shown) this.observed.set(runId, (shown = []));
    shown.push(...events);
    this.publish(runId, events);
  }

  /** Drops what this replica kept of the run: it is read from the store again. */
  private forget(runId: string): void {
    this.cache.delete(runId);
    this.unsaved.delete(runId);
    this.observed.delete(runId);
  }

  private unsavedOf(runId: string): UnsavedRecords {
    let u = this.unsaved.get(runId);
    if (!u) this.unsaved.set(runId, (u = new UnsavedRecords()));
    return u;
  }

  private publish(runId: string, events: ProgressEvent[]): void {
    // A follower's commands are told by the leader, which hears of them from the store (remoteChange).
    if (!this.leads()) return;
    for (const e of events) {
      for (const l of this.listeners) {
        try {
          l(e);
        } catch (err) {
          this.log.error('progress listener failed', { runId, error: errorMessage(err) });
        }
      }
    }
  }

  private async pause(runId: string, ms: number, view: ClusterView, opts: { sleepOnly?: boolean } = {}): Promise<void> {
    if (this.pendingWakes.delete(runId) || this.stopped) return;
    // No AbortController: a large run waits some thousands of times, and one costs more than the wait's own work.
    await new Promise<void>((resolve) => {
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        callOffTimer();
        callOffWatch?.();
        this.wakers.delete(runId);
        resolve();
      };
      const callOffTimer = this.deps.clock.after(Math.max(0, ms), end);
      const callOffWatch = opts.sleepOnly ? undefined : view.onNextChange(end);
      this.wakers.set(runId, end);
    });
  }
}

