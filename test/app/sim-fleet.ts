// A fleet of simulated worlds on one clock: the simulator holds one cluster and one node group a
// world, so a fleet is several worlds, and its NodeGroups port routes each call to the world of the
// cluster the call names (its first argument: a cluster name or a GroupRef).
import { Application } from '../../src/app/application.js';
import type { AmiWatchSettings } from '../../src/app/ami-watch.js';
import { buildEngine, CREDENTIALS_HOLDER } from '../../src/app/compose.js';
import { Targets } from '../../src/app/targets.js';
import type { Engine } from '../../src/engine/commands.js';
import type { GroupRef, ImageReleases, NodeGroups } from '../../src/engine/ports.js';
import { silentLogger } from '../../src/log.js';
import type { Window } from '../../src/schedule/windows.js';
import { VirtualClock } from '../../src/sim/clock.js';
import { loadScenario, type Scenario } from '../../src/sim/scenario.js';
import { createWorld, type SimWorld } from '../../src/sim/world.js';
import { MemoryRunStore } from '../../src/store/memory-run-store.js';

export interface FleetMember {
  cluster: string;
  nodegroup: string;
  version: string;
  releaseVersion?: string;
  windows?: Window[];
}

export interface SimFleet {
  app: Application;
  engine: Engine;
  clock: VirtualClock;
  store: MemoryRunStore;
  worlds: Map<string, SimWorld>;
}

function routed(worlds: Map<string, SimWorld>): NodeGroups & ImageReleases {
  return new Proxy({} as NodeGroups & ImageReleases, {
    get(_, method) {
      return (first: string | GroupRef, ...rest: unknown[]) => {
        const cluster = typeof first === 'string' ? first : first.cluster;
        const world = worlds.get(cluster);
        if (!world) return Promise.reject(new Error(`ResourceNotFoundException: No cluster found for name: ${cluster}.`));
        const target = world.nodeGroups as unknown as Record<string | symbol, (...a: unknown[]) => unknown>;
        return target[method].call(world.nodeGroups, first, ...rest);
      };
    },
  });
}

/** Each member a cluster of its own (demo.json's workloads), all on one virtual clock. */
export async function simFleet(members: FleetMember[], opts: { amiWatch?: AmiWatchSettings; clockStartMs?: number } = {}): Promise<SimFleet> {
  const base = await loadScenario('scenarios/demo.json');
  const clock = new VirtualClock(opts.clockStartMs);
  const worlds = new Map<string, SimWorld>();
  for (const m of members) {
    const s: Scenario = structuredClone(base);
    s.cluster.name = m.cluster;
    s.cluster.version = '1.31';
    s.nodegroup.name = m.nodegroup;
    s.nodegroup.version = m.version;
    if (m.releaseVersion) s.nodegroup.releaseVersion = m.releaseVersion;
    else delete s.nodegroup.releaseVersion;
    worlds.set(m.cluster, createWorld(s, { clock }));
  }
  const nodeGroups = routed(worlds);
  const store = new MemoryRunStore();
  const windows = new Map(members.map((m) => [`${m.cluster}/${m.nodegroup}`, m.windows ?? []]));
  const windowsOf = (ref: GroupRef) => windows.get(`${ref.cluster}/${ref.nodegroup}`) ?? [];
  const engine = buildEngine({
    nodeGroups,
    clusterFor: (c) => worlds.get(c)!.cluster,
    store,
    clock,
    policy: { isApprover: (u) => u === 'UAPPROVER1', allowSelfApproval: false },
    newId: (() => {
      let n = 0;
      return () => `r-fleet${String(++n).padStart(3, '0')}`;
    })(),
  });
  const app = new Application({
    engine,
    nodeGroups,
    releases: nodeGroups,
    targets: new Targets(
      members.map((m) => ({ name: m.cluster, nodegroups: [m.nodegroup] })),
      nodeGroups,
    ),
    approvers: { ...CREDENTIALS_HOLDER, isApprover: (u) => u === 'UAPPROVER1', allowSelfApproval: false, describe: () => '<@UAPPROVER1>', list: () => 'UAPPROVER1' },
    store,
    schedules: store,
    windowsOf,
    clock,
    log: silentLogger,
    ...(opts.amiWatch ? { amiWatch: opts.amiWatch } : {}),
  });
  return { app, engine, clock, store, worlds };
}
