// The only place that builds an Engine and the Application around it, as a pair: createDeps(config)
// for the bot and the CLI (the real cloud, or the simulated one the configuration names), and
// createSimDeps(scenario) for an in-process simulated world (tests, the benchmark, `npm run sim`).
import { windowsFor, type ClusterConfig, type Config } from '../config.js';
import { Engine, type ApprovalPolicy } from '../engine/commands.js';
import type { Clock, Cluster, GroupRef, ImageReleases, NodeGroups, RunStore, WindowGate } from '../engine/ports.js';
import type { PlanTimings } from '../engine/estimate.js';
import type { EngineSettings } from '../engine/step-context.js';
import type { StoreHealth } from '../engine/store-guard.js';
import { silentLogger, type Logger } from '../log.js';
import { openWorld, type OpenedWorld, type OpenWorldOptions } from '../open-world.js';
import { windowGate } from '../schedule/window-gate.js';
import type { ScheduleStore } from '../schedule/schedules.js';
import type { Window } from '../schedule/windows.js';
import { VirtualClock, type SimClock } from '../sim/clock.js';
import type { Scenario } from '../sim/scenario.js';
import { createWorld, type SimWorld } from '../sim/world.js';
import { LowdbRunStore } from '../store/lowdb-run-store.js';
import { meteredStore } from '../metrics/metered-store.js';
import { meterRuns } from '../metrics/run-metrics.js';

// What front ends may say about the data file without knowing the store.
export { DataFileError, DEFAULT_DATA_FILE } from '../store/lowdb-run-store.js';
import { MemoryRunStore } from '../store/memory-run-store.js';
import type { AmiWatchSettings } from './ami-watch.js';
import type { Leadership } from '../engine/runner.js';
import type { OpenedReplicas, Replicas } from '../store/kubernetes/replicas.js';
import { fencedCluster, fencedNodeGroups } from './fenced-ports.js';

export type { Replicas } from '../store/kubernetes/replicas.js';
import { Application, type Approvals } from './application.js';
import { Approvers } from './approvers.js';
import { recordNodeEvents } from './node-events.js';
import { Targets } from './targets.js';

export type AppStore = RunStore & ScheduleStore & { health?(): StoreHealth };

export interface EngineParts {
  nodeGroups: NodeGroups;
  clusterFor(cluster: string): Cluster;
  store: RunStore;
  clock: Clock;
  policy: ApprovalPolicy;
  defaults?: ConstructorParameters<typeof Engine>[0]['defaults'];
  windows?: (ref: GroupRef) => WindowGate | undefined;
  settings?: Partial<EngineSettings>;
  log?: Logger;
  newId?: () => string;
  /** The world's pace, for the plan's estimate: a simulated world's own, real EKS's by default. */
  timings?: PlanTimings;
  /** Several replicas: only the leader drives runs. */
  leadership?: Leadership;
}

/** The scenario's pace in the plan's terms: the estimate then stands on the same numbers as the world's lower bound. */
export function scenarioTimings(scenario: Scenario): PlanTimings {
  const t = scenario.timings;
  return { launchToReadyMs: t.launchToReadySeconds * 1000, podStartMs: t.podStartSeconds * 1000, terminateMs: t.terminateSeconds * 1000 };
}

/** Every Engine in mngbot is made here: by the two compositions below, and by tests that put the engine on adapters of their own (moto, the wire). */
export function buildEngine(p: EngineParts): Engine {
  const engine = new Engine({
    nodeGroups: p.nodeGroups,
    clusterFor: (c) => p.clusterFor(c),
    store: meteredStore(p.store),
    clock: p.clock,
    policy: p.policy,
    ...(p.defaults ? { defaults: p.defaults } : {}),
    ...(p.windows ? { windows: p.windows } : {}),
    ...(p.settings ? { settings: p.settings } : {}),
    ...(p.log ? { log: p.log.child({ component: 'engine' }) } : {}),
    ...(p.newId ? { newId: p.newId } : {}),
    ...(p.timings ? { timings: p.timings } : {}),
    ...(p.leadership ? { leadership: p.leadership } : {}),
  });
  meterRuns(engine);
  recordNodeEvents(engine, (c) => p.clusterFor(c), p.log);
  return engine;
}

/** Each node group's windows as a gate the engine can ask, made once per group. */
function gatesFor(windowsOf: (ref: GroupRef) => readonly Window[]): (ref: GroupRef) => WindowGate | undefined {
  const gates = new Map<string, WindowGate | undefined>();
  return (ref) => {
    const key = `${ref.cluster}/${ref.nodegroup}`;
    if (!gates.has(key)) {
      const windows = windowsOf(ref);
      gates.set(key, windows.length ? windowGate(windows) : undefined);
    }
    return gates.get(key);
  };
}

/** The world's published image releases, where its adapter can list them (EKS, the simulator). */
export function releasesOf(nodeGroups: NodeGroups): ImageReleases | undefined {
  return typeof (nodeGroups as Partial<ImageReleases>).listReleases === 'function' ? (nodeGroups as NodeGroups & ImageReleases) : undefined;
}

/** Whoever holds the credentials a command runs with: there is nobody else to ask. */
export const CREDENTIALS_HOLDER: Approvals = { isApprover: () => true, allowSelfApproval: true, describe: () => 'whoever runs mngbot', list: () => 'whoever runs mngbot' };

export interface Deps {
  app: Application;
  engine: Engine;
  world: OpenedWorld;
  /** The store as opened (the engine's may be wrapped). */
  store: AppStore;
  /** The data file runs are kept in; absent when they are kept in memory or in the Kubernetes API. */
  dataFile?: string;
  /** MNG_STORE=kubernetes: the Lease that says which replica leads (bot.ts starts it). */
  replicas?: Replicas;
  /** Virtual time only: moves the clock to its next timer; false when nothing is left to do. */
  advance?: () => boolean;
  /** What keeps the bot from saving: the engine's last saves, and the store's own view. */
  health(): { problems: string[] };
  close(): Promise<void>;
}

export interface CreateDepsOptions {
  log?: Logger;
  /** Who may approve; by default the configured approvers (user ids, and user groups once a chat client is given). */
  approvals?: Approvals;
  /** Where runs are kept: a data directory (default config.dataDir), or null for memory only. */
  dataDir?: string | null;
  /** How the world is opened (kube access, env). */
  world?: Omit<OpenWorldOptions, 'clock'>;
  /** A simulated world on virtual time, moved by Deps.advance (the CLI), instead of paced by MNG_SIM_SPEED. */
  virtualTime?: boolean;
  /** Wraps the store the engine uses (the CLI counts calls in flight so virtual time waits for them). */
  wrapStore?: (store: AppStore) => RunStore;
  settings?: Partial<EngineSettings>;
  newScheduleId?: () => string;
}

/** The bot's and the CLI's world, store, engine and use cases, from one configuration. */
export async function createDeps(config: Config, opts: CreateDepsOptions = {}): Promise<Deps> {
  const log = opts.log ?? silentLogger;
  const virtual = opts.virtualTime && config.world.kind === 'sim' ? new VirtualClock() : undefined;
  const world = await openWorld(config, { log: log.child({ component: 'world' }), ...opts.world, ...(virtual ? { clock: virtual } : {}) });
  let store: AppStore;
  let lowdb: LowdbRunStore | undefined;
  let replicas: OpenedReplicas | undefined;
  const dataDir = opts.dataDir === undefined ? config.dataDir : opts.dataDir;
  try {
    if (config.store?.kind === 'kubernetes') {
      // Loaded only here: the Kubernetes client costs a simulated run's start-up most of a second.
      const { openReplicas } = await import('../store/kubernetes/replicas.js');
      replicas = await openReplicas(config.store, { log, now: () => world.clock.now() });
      store = replicas.store;
    } else if (dataDir === null) store = new MemoryRunStore();
    else {
      lowdb = await LowdbRunStore.open({
        dataDir,
        runRetentionDays: config.retention.runDays,
        auditRetentionDays: config.retention.auditDays,
        now: () => world.clock.now(),
        log: (m) => log.info(m, { component: 'store' }),
      });
      store = lowdb;
    }
  } catch (err) {
    await world.close();
    throw err;
  }
  const approvals =
    opts.approvals ??
    new Approvers({ users: config.approvers.users, groups: config.approvers.groups, allowSelfApproval: config.allowSelfApproval, log: log.child({ component: 'approvers' }) });
  if (approvals instanceof Approvers && !approvals.configured) log.warn('no approvers are configured: nobody can approve an upgrade (set MNG_APPROVERS or approvers in MNG_CONFIG)');
  const windowsOf = (ref: GroupRef) => windowsFor({ clusters: world.clusters, windows: config.windows }, ref);
  const lease = replicas?.elector;
  const engine = buildEngine({
    nodeGroups: lease ? fencedNodeGroups(world.nodeGroups, lease) : world.nodeGroups,
    clusterFor: lease ? (c) => fencedCluster(world.clusterFor(c), lease) : (c) => world.clusterFor(c),
    ...(lease ? { leadership: lease } : {}),
    store: opts.wrapStore ? opts.wrapStore(store) : store,
    clock: world.clock,
    policy: approvals,
    // In a simulated world approval expiry is meant in real minutes while its clock runs faster.
    defaults: { ...config.defaults, approvalExpiryMs: config.defaults.approvalExpiryMs * world.speed },
    windows: gatesFor(windowsOf),
    settings: { ...(config.self ? { self: config.self } : {}), ...opts.settings },
    ...(world.sim ? { timings: scenarioTimings(world.sim.scenario) } : {}),
    log,
  });
  // What another replica writes, the leader acts on.
  replicas?.store.onRemoteChange((runId, events) => engine.runner.remoteChange(runId, events));
  const app = new Application({
    engine,
    nodeGroups: world.nodeGroups,
    targets: new Targets(world.clusters, world.nodeGroups),
    approvers: approvals,
    store,
    schedules: store,
    windowsOf,
    clock: world.clock,
    log,
    ...(opts.newScheduleId ? { newScheduleId: opts.newScheduleId } : {}),
    ...withReleases(world.nodeGroups),
    ...(config.amiWatch ? { amiWatch: config.amiWatch } : {}),
  });
  return {
    app,
    engine,
    world,
    store,
    ...(lowdb ? { dataFile: lowdb.file } : {}),
    ...(lease ? { replicas: lease } : {}),
    ...(virtual ? { advance: () => virtual.advance() } : {}),
    health: () => healthProblems(engine, store),
    async close() {
      await engine.stop();
      await lowdb?.close();
      // After the engine: the lease is handed back only once nothing of this replica's is under way.
      await lease?.stop();
      await replicas?.store.close();
      await world.close();
    },
  };
}

function healthProblems(engine: Engine, store: AppStore): { problems: string[] } {
  const problems: string[] = [];
  const saving = engine.health();
  if (!saving.ok) problems.push(`runs cannot be saved: ${saving.problem}`);
  const own = store.health?.();
  if (own && !own.ok) problems.push(`data store: ${own.problem}`);
  return { problems };
}

export interface SimDeps {
  app: Application;
  engine: Engine;
  world: SimWorld;
  clock: SimClock;
  store: AppStore;
}

export interface CreateSimDepsOptions {
  /** false: the plan is not told the world's pace, as on real AWS (it learns it from past runs, or assumes EKS's). */
  planKnowsPace?: boolean;
  /** A world that already lives (a restarted bot); a fresh one from the scenario by default. */
  world?: SimWorld;
  /** The clock of a fresh world; a VirtualClock by default. */
  clock?: SimClock;
  store?: AppStore;
  /** Stands between the engine and the world (kill switches, call counting). */
  ports?: (p: { nodeGroups: NodeGroups; cluster: Cluster; store: RunStore }) => { nodeGroups: NodeGroups; cluster: Cluster; store: RunStore };
  approvals?: Approvals;
  /** The configured clusters; by default the scenario's cluster and node group. */
  clusters?: ClusterConfig[];
  /** Every group's maintenance windows. */
  windows?: readonly Window[];
  /** A gate to use as it is (tests that drive a window by hand). */
  windowGate?: WindowGate;
  defaults?: EngineParts['defaults'];
  settings?: Partial<EngineSettings>;
  log?: Logger;
  newId?: () => string;
  newScheduleId?: () => string;
  /** The AMI watch; off by default. */
  amiWatch?: AmiWatchSettings;
  /** One of several replicas on one store: drives runs only while it leads, its world calls fenced. */
  leadership?: Leadership;
}

function withReleases(nodeGroups: NodeGroups): { releases?: ImageReleases } {
  const releases = releasesOf(nodeGroups);
  return releases ? { releases } : {};
}

/** An in-process simulated world with its engine and use cases; the scenario's cluster and node group are the configured ones. */
export function createSimDeps(scenario: Scenario, opts: CreateSimDepsOptions = {}): SimDeps {
  const clock = opts.clock ?? (opts.world?.clock as SimClock | undefined) ?? new VirtualClock();
  const world = opts.world ?? createWorld(scenario, { clock });
  const store = opts.store ?? new MemoryRunStore();
  const ports = opts.ports ? opts.ports({ nodeGroups: world.nodeGroups, cluster: world.cluster, store }) : { nodeGroups: world.nodeGroups, cluster: world.cluster, store };
  const approvals = opts.approvals ?? CREDENTIALS_HOLDER;
  const windows = opts.windows ?? [];
  const windowsOf = () => windows;
  const log = opts.log ?? silentLogger;
  const lead = opts.leadership;
  const engine = buildEngine({
    nodeGroups: lead ? fencedNodeGroups(ports.nodeGroups, lead) : ports.nodeGroups,
    clusterFor: lead ? () => fencedCluster(ports.cluster, lead) : () => ports.cluster,
    ...(lead ? { leadership: lead } : {}),
    store: ports.store,
    clock,
    policy: approvals,
    ...(opts.defaults ? { defaults: opts.defaults } : {}),
    windows: opts.windowGate ? () => opts.windowGate : gatesFor(windowsOf),
    ...(opts.settings ? { settings: opts.settings } : {}),
    ...(opts.log ? { log: opts.log } : {}),
    ...(opts.newId ? { newId: opts.newId } : {}),
    ...(opts.planKnowsPace === false ? {} : { timings: scenarioTimings(world.scenario) }),
  });
  const app = new Application({
    engine,
    nodeGroups: ports.nodeGroups,
    targets: new Targets(opts.clusters ?? [{ name: scenario.cluster.name, nodegroups: [scenario.nodegroup.name] }], ports.nodeGroups),
    approvers: approvals,
    store,
    schedules: store,
    windowsOf,
    clock,
    log,
    ...(opts.newScheduleId ? { newScheduleId: opts.newScheduleId } : {}),
    releases: world.nodeGroups,
    ...(opts.amiWatch ? { amiWatch: opts.amiWatch } : {}),
  });
  return { app, engine, world, clock, store };
}
