// One upgrade of a scenario's world by the real engine, on a virtual clock: the sim CLI, the tests and
// the benchmark all run through here. Optionally kills the bot (engine, runner, watches) at chosen
// moments and starts a new one on the same store, as a restarted process would.
import type { ProgressEvent } from '../engine/events.js';
import type { Cluster, NodeGroups, RunStore, Sizes, WindowGate } from '../engine/ports.js';
import type { DecisionChoice, MaxUnavailable, Run, Strategy, UpdateStrategy } from '../engine/run.js';
import type { EngineSettings } from '../engine/step-context.js';
import { MemoryRunStore } from '../store/memory-run-store.js';
import { createSimDeps, type AppStore } from './compose.js';
import { toRequest } from './request-upgrade.js';
import { reportStatus } from './run-report.js';
import { PacedClock, runUntil, VirtualClock, type SimClock } from '../sim/clock.js';
import { serveKubeApi } from '../sim/kube-http/serve-kube-api.js';

export { loadScenario } from '../sim/scenario.js';
import { killable } from '../sim/kill-switch.js';
import type { Scenario } from '../sim/scenario.js';
import { createWorld, type SimWorld } from '../sim/world.js';

export interface SimulateOptions {
  scenario: Scenario;
  /** Target version; the cluster's version when absent. */
  to?: string;
  strategy?: Strategy;
  updateStrategy?: UpdateStrategy;
  maxUnavailable?: MaxUnavailable;
  surge?: number;
  drainTimeoutMs?: number;
  /** Between cordon and terminate (rolling); 60 s when absent, as EKS. */
  deregistrationWaitMs?: number;
  force?: boolean;
  /** The health gate's bake (0: none); the engine's default (5 minutes) when absent. */
  bakeMs?: number;
  /** Answer to every blocked drain, or one per blocked drain in turn; without one, the run ends `blocked`. */
  decide?: DecisionChoice | DecisionChoice[];
  /** Who answers the blocked drains and cancels (a Slack user id, say); "sim" when absent. */
  decidedBy?: string;
  /** Cancel the run once this many simulated ms have passed since approval. */
  cancelAfterMs?: number;
  onEvent?: (e: ProgressEvent) => void;
  /**
   * Kill the bot after the n-th store save (a step boundary) or the n-th call to AWS or Kubernetes
   * (inside a step: the call reaches the world, its answer never reaches the bot), then start a new
   * one on the same store. Counts restart from zero in every new bot.
   */
  kill?: { afterSaves?: number[]; afterCalls?: number[]; everySave?: boolean };
  settings?: Partial<EngineSettings>;
  /** The node group's maintenance windows. */
  windows?: WindowGate;
  /** Asked with --now: ignore the windows. */
  outsideWindows?: boolean;
  store?: RunStore;
  /** Upper bound on simulated time, a guard against a run that never ends. */
  maxSimMs?: number;
  /** A clock that runs by itself (PacedClock, the live demo) instead of a fresh VirtualClock. */
  clock?: SimClock;
  /** Called once the world exists, before the bot starts. */
  onWorld?: (world: SimWorld) => void | Promise<void>;
  /** Time at this many simulated seconds per real second (a PacedClock) instead of a VirtualClock. */
  speed?: number;
  /** Serves the world's Kubernetes API on 127.0.0.1 for kubectl while the run goes on (its reads stay out of the report's API counts). */
  serveKube?: { port: number; onServing(url: string): void };
}

/** nothing-replaced: people skipped every node, so the group still runs the old image. */
export type SimStatus = 'succeeded' | 'nothing-replaced' | 'failed' | 'blocked' | 'cancelled';

export interface SimReport {
  status: SimStatus;
  strategy: Strategy;
  nodes: { old: number; replaced: number; failed: number; skipped: number };
  surge: number;
  asg: { before: Sizes; after: Sizes };
  podsLost: number;
  pdbViolations: number;
  forcedDeletions: number;
  terminatedTwice: number;
  nodesTerminatedWithPods: number;
  leftTainted: number;
  leftCordoned: number;
  makespanSeconds: number;
  lowerBoundSeconds: number;
  apiCalls: { aws: number; kube: number };
  restarts: number;
}

export interface SimResult {
  report: SimReport;
  run: Run;
  events: ProgressEvent[];
  world: SimWorld;
}

const SIM_USER = { user: 'sim' };

export async function simulate(opts: SimulateOptions): Promise<SimResult> {
  const clock = opts.clock ?? (opts.speed !== undefined ? new PacedClock(opts.speed, undefined, { skipStalls: true }) : new VirtualClock());
  const world = createWorld(opts.scenario, { clock });
  await opts.onWorld?.(world);
  const api = opts.serveKube ? await serveKubeApi(world, { port: opts.serveKube.port, host: '127.0.0.1', meter: false }) : undefined;
  if (api) opts.serveKube!.onServing(api.url);
  try {
    return await simulateOn(world, clock, opts);
  } finally {
    await api?.close();
  }
}

async function simulateOn(world: SimWorld, clock: SimClock, opts: SimulateOptions): Promise<SimResult> {
  const store = (opts.store ?? new MemoryRunStore()) as AppStore;
  const ref = { cluster: opts.scenario.cluster.name, nodegroup: opts.scenario.nodegroup.name };
  const before = world.groupSizes();

  const io = pendingCalls(store);
  // A scenario's crash fault kills the bot after that many steps (the runner saves after each), once.
  const kill = opts.kill ?? (world.crashAfterSteps !== undefined ? { afterSaves: [world.crashAfterSteps] } : undefined);
  let restarts = 0;
  const trackers: ((e: ProgressEvent) => void)[] = [];
  let bot = startBot();

  function startBot() {
    const sw = killable({ nodeGroups: world.nodeGroups, cluster: world.cluster, store: io.store }, kill, restarts);
    const { engine } = createSimDeps(opts.scenario, {
      world,
      store,
      ports: () => ({ nodeGroups: sw.nodeGroups as NodeGroups, cluster: sw.cluster as Cluster, store: sw.store as RunStore }),
      ...(opts.settings ? { settings: opts.settings } : {}),
      ...(opts.windows ? { windowGate: opts.windows } : {}),
      newId: () => `sim-${opts.scenario.seed}`,
    });
    engine.onEvent((e) => {
      for (const t of trackers) t(e);
      opts.onEvent?.(e);
    });
    return { engine, sw };
  }

  const until = (done: () => boolean, o: { maxSimMs?: number } = {}) => runClock(clock, done, { ...o, quiesce: io.quiesce });
  const settle = async <T>(promise: Promise<T>): Promise<T> => {
    let finished = false;
    const tracked = promise.finally(() => {
      finished = true;
    });
    // Its rejection is thrown below, once the clock has run; unobserved meanwhile, Node would crash on it.
    tracked.catch(() => undefined);
    await until(() => finished);
    return tracked;
  };

  const requested = await settle(bot.engine.requestUpgrade(
    toRequest(ref, {
      version: opts.to ?? opts.scenario.cluster.version,
      ...(opts.strategy ? { strategy: opts.strategy } : {}),
      ...(opts.updateStrategy ? { updateStrategy: opts.updateStrategy } : {}),
      ...(opts.maxUnavailable ? { maxUnavailable: opts.maxUnavailable } : {}),
      ...(opts.surge ? { surge: opts.surge } : {}),
      ...(opts.drainTimeoutMs ? { drainTimeoutMs: opts.drainTimeoutMs } : {}),
      ...(opts.deregistrationWaitMs !== undefined ? { deregistrationWaitMs: opts.deregistrationWaitMs } : {}),
      ...(opts.force ? { force: true } : {}),
      ...(opts.bakeMs !== undefined ? { bakeMs: opts.bakeMs } : {}),
    }),
    { ...SIM_USER, at: clock.now() },
    opts.outsideWindows ? { outsideWindows: true } : {},
  ));
  const runId = requested.id;
  const approvedAt = clock.now();
  await bot.engine.approve(runId, { ...SIM_USER, at: approvedAt });
  bot.sw.arm();

  // The loop's view of the run, kept current from the events so the done() check needs no await.
  let status: Run['status'] = 'running';
  let phase: Run['phase'] = 'pending';
  let asked = false;
  let decisions = 0;
  const track = (e: ProgressEvent) => {
    if (e.kind === 'status') status = e.status;
    if (e.kind === 'phase') phase = e.phase;
    if (e.kind === 'decision') asked = false;
  };
  const stopped = () => phase === 'done' || (status === 'needs-decision' && !asked);
  let cancelled = false;
  const cancelDue = () => !cancelled && opts.cancelAfterMs !== undefined && clock.now() - approvedAt >= opts.cancelAfterMs;
  const deadline = approvedAt + (opts.maxSimMs ?? 7 * 24 * 3600_000);
  trackers.push(track);
  for (;;) {
    const outcome = await until(() => bot.sw.killed || stopped() || cancelDue(), { maxSimMs: deadline - clock.now() });
    if (bot.sw.killed) {
      restarts++;
      bot = startBot();
      bot.sw.arm();
      await bot.engine.start();
      continue;
    }
    if (cancelDue()) {
      cancelled = true;
      await bot.engine.cancel(runId, { user: opts.decidedBy ?? SIM_USER.user, at: clock.now() });
      continue;
    }
    const run = (await store.get(runId))!;
    const choice = Array.isArray(opts.decide) ? opts.decide[decisions] : opts.decide;
    if (run.status === 'needs-decision' && choice && !asked) {
      asked = true;
      decisions++;
      await bot.engine.decide(runId, run.decision!.node, choice, { user: opts.decidedBy ?? SIM_USER.user, at: clock.now() });
      continue;
    }
    if (outcome !== 'done' || stopped()) break;
  }
  await bot.engine.stop();
  const run = (await store.get(runId))!;
  // From the store, not the listeners: a killed bot saved events it never got to publish.
  const stored = await store.events(runId);
  return { report: simReport(world, run, before, restarts), run, events: stored.events, world };
}

/** Wraps the store so the virtual clock can wait for its real I/O (a data file) to finish. */
export function pendingCalls<S extends object>(store: S): { store: S; busy(): boolean; quiesce: () => Promise<void> } {
  const pending = new Set<Promise<unknown>>();
  const wrapped = new Proxy(store, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const p = Promise.resolve(value.apply(obj, args));
        const settled = p.then(() => undefined, () => undefined);
        pending.add(settled);
        void settled.then(() => pending.delete(settled));
        return p;
      };
    },
  });
  return {
    store: wrapped,
    busy: () => pending.size > 0,
    async quiesce() {
      while (pending.size > 0) {
        await Promise.all(pending);
        await new Promise((r) => setImmediate(r));
      }
    },
  };
}

/** runUntil on a VirtualClock; a clock that runs by itself is only watched, in real time. */
async function runClock(clock: SimClock, done: () => boolean, opts: { maxSimMs?: number; quiesce?: () => Promise<void> } = {}): Promise<'done' | 'idle' | 'limit'> {
  if (clock instanceof VirtualClock) return runUntil(clock, done, opts);
  const deadline = opts.maxSimMs === undefined ? Infinity : clock.now() + opts.maxSimMs;
  for (;;) {
    if (done()) return 'done';
    if (clock.now() > deadline) return 'limit';
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The report of a run on a simulated world: the engine's outcome and the world's own ledger. */
export function simReport(world: SimWorld, run: Run, before: Sizes, restarts = 0): SimReport {
  const ledger = world.ledger();
  const old = run.nodes.filter((n) => n.role === 'old');
  const calls = world.apiCalls();
  const status = reportStatus(run);
  return {
    status,
    strategy: run.strategy,
    nodes: {
      old: old.length,
      replaced: old.filter((n) => n.state === 'terminated').length,
      failed: old.filter((n) => n.state === 'failed').length,
      skipped: old.filter((n) => n.state === 'skipped').length,
    },
    surge: run.plan.surge,
    asg: { before, after: world.groupSizes() },
    podsLost: ledger.podsLost,
    pdbViolations: ledger.pdbViolations,
    forcedDeletions: ledger.forcedDeletions,
    terminatedTwice: ledger.terminatedTwice,
    nodesTerminatedWithPods: ledger.nodesTerminatedWithPods,
    leftTainted: ledger.leftTainted,
    leftCordoned: ledger.leftCordoned,
    makespanSeconds: Math.round(((run.finishedAt ?? world.clock.now()) - (run.startedAt ?? run.createdAt)) / 1000),
    lowerBoundSeconds: Math.round(
      world.lowerBoundSeconds({ maxUnavailable: run.plan.maxUnavailable, forced: ledger.forcedDeletions > 0, deregistrationWaitSeconds: (run.plan.deregistrationWaitMs ?? 0) / 1000 }),
    ),
    apiCalls: { aws: calls.aws, kube: calls.kube },
    restarts,
  };
}
