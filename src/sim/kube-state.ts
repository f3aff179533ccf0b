// The simulated Kubernetes control plane: nodes, pods, the workload controllers (ReplicaSet,
// StatefulSet, DaemonSet), the scheduler, PodDisruptionBudgets and the Eviction API.
import { KubeEvents } from './kube-events.js';
import { UserError } from '../engine/errors.js';
import type { ClusterEvent, EvictionResult, NodeInfo, NodePatch, PdbInfo, PodInfo } from '../engine/ports.js';
import type { SimClock } from './clock.js';
import {
  isActive,
  isHealthy,
  nodeView,
  podTemplate,
  podVersion,
  podView,
  type NodeRec,
  type PodRec,
  type WorkloadRec,
} from './kube-records.js';
import type { LedgerCounters } from './ledger.js';
import { blockedMessage, pdbInfo, pdbStatus } from './pdb.js';
import { stableHex, type Rng } from './rng.js';
import type { BadImageMode, Fault, Scenario, WorkloadSpec } from './scenario.js';
import { Scheduler } from './scheduler.js';
import { WatchHub } from './watch-hub.js';

export interface NewNode {
  name: string;
  instanceId: string;
  az: string;
  labels: Record<string, string>;
  kubeletVersion: string;
  allocatablePods: number;
  createdAt: number;
  ready: boolean;
  /** Runs another image than the world began with. */
  newImage?: boolean;
}

type RemovalCause = 'grace' | 'forced' | 'node-gone';

/** One change to a node or pod, as the watch hub sends it. */
export type KubeChange = Exclude<ClusterEvent, { kind: 'resync' }>;

export class KubeState {
  readonly nodes = new Map<string, NodeRec>();
  readonly pods = new Map<string, PodRec>();
  readonly workloads: WorkloadRec[];
  readonly hub: WatchHub;
  /** Events recorded on nodes (mngbot's taints, drains, terminations): served by kube-http, read by kubectl. */
  readonly events = new KubeEvents();
  private readonly scheduler = new Scheduler();
  private nodeSeq = 0;
  /** While building the world: pods run at once, no timers. */
  private instantStart = false;
  /** Called on the changer's stack, unlike the hub: the HTTP API numbers changes as they happen. */
  private readonly observers = new Set<(change: KubeChange) => void>();

  constructor(
    private readonly clock: SimClock,
    private readonly rng: Rng,
    private readonly scenario: Scenario,
    private readonly ledger: LedgerCounters,
    private readonly log?: (line: string) => void,
  ) {
    const stuck = scenario.faults.flatMap((f) => (f.kind === 'stuckPod' ? [f] : []));
    const bad = scenario.faults.flatMap((f) => (f.kind === 'badImage' ? [f] : []));
    this.workloads = scenario.workloads.map((spec) => {
      const hash = stableHex(`${spec.namespace}/${spec.name}`, 10).replace(/[aeiou01]/g, 'x');
      return {
        spec,
        key: `${spec.namespace}/${spec.name}`,
        hash,
        podTemplate: podTemplate(spec, hash),
        existing: 0,
        healthy: 0,
        active: 0,
        stuck: stuck.some((f) => f.workload === spec.name && (f.namespace === undefined || f.namespace === spec.namespace)),
        ...badImageOf(bad, spec),
      };
    });
    this.hub = new WatchHub(() => ({
      kind: 'resync',
      nodes: [...this.nodes.values()].map(nodeView),
      pods: [...this.pods.values()].map(podView),
    }));
  }

  // ---- building the world ----

  /** Builds the initial world: nodes added inside `addNodes` and every controller's pods, all Running and Ready at once. */
  build(addNodes: () => void): void {
    this.instantStart = true;
    addNodes();
    for (const w of this.workloads) if (w.spec.kind !== 'DaemonSet') this.reconcile(w);
    this.schedule();
    this.instantStart = false;
  }

  // ---- nodes ----

  addNode(spec: NewNode): NodeRec {
    const n: NodeRec = {
      info: {
        name: spec.name,
        instanceId: spec.instanceId,
        az: spec.az,
        nodegroup: spec.labels['eks.amazonaws.com/nodegroup'] ?? spec.labels['alpha.eksctl.io/nodegroup-name'],
        kubeletVersion: spec.kubeletVersion,
        ready: spec.ready,
        unschedulable: false,
        taints: [],
        labels: { ...spec.labels },
        annotations: {},
        allocatablePods: spec.allocatablePods,
        createdAt: spec.createdAt,
      },
      seq: this.nodeSeq++,
      pods: new Map(),
      going: false,
      newImage: spec.newImage === true,
    };
    this.nodes.set(n.info.name, n);
    this.emitNode(n, 'upsert');
    this.scheduler.refresh(n);
    this.ensureDaemons(n);
    this.schedule();
    return n;
  }

  setNodeReady(name: string, ready: boolean): void {
    const n = this.nodes.get(name);
    if (!n || n.info.ready === ready) return;
    n.info.ready = ready;
    this.emitNode(n, 'upsert');
    this.scheduler.refresh(n);
    if (ready) for (const p of n.pods.values()) if (p.info.phase === 'Pending' && !p.info.terminating) this.startLater(p);
    this.schedule();
  }

  /** Its instance is shutting down: the kubelet stops reporting, nothing new lands there. */
  setNodeGoing(name: string): void {
    const n = this.nodes.get(name);
    if (!n || n.going) return;
    n.going = true;
    n.info.ready = false;
    this.emitNode(n, 'upsert');
    this.scheduler.refresh(n);
  }

  /** The instance is gone: the node object and every pod on it vanish. Returns non-DaemonSet pods lost. */
  removeNode(name: string): number {
    const n = this.nodes.get(name);
    if (!n) return 0;
    const affected = new Map<WorkloadRec, { before: number }>();
    let nonDaemon = 0;
    for (const p of n.pods.values()) {
      if (!p.daemon) nonDaemon++;
      if (p.workload && !affected.has(p.workload)) affected.set(p.workload, { before: p.workload.healthy });
    }
    for (const p of [...n.pods.values()]) this.removePod(p, 'node-gone', false);
    this.nodes.delete(name);
    this.scheduler.refresh(n, false);
    this.emitNode(n, 'delete');
    for (const [w, { before }] of affected) {
      if (w.spec.pdb) this.checkViolation(w, before);
      if (w.spec.kind !== 'DaemonSet') this.reconcile(w);
    }
    this.schedule();
    return nonDaemon;
  }

  patchNode(name: string, patch: NodePatch): void {
    const n = this.nodes.get(name);
    if (!n) throw new UserError(`nodes "${name}" not found`);
    const i = n.info;
    // A patch that changes nothing is no change: no watch event, as the API server sends none.
    let changed = false;
    if (patch.removeTaints) {
      const kept = i.taints.filter((t) => !patch.removeTaints!.includes(t.key));
      changed ||= kept.length !== i.taints.length;
      i.taints = kept;
    }
    for (const t of patch.addTaints ?? []) {
      const taint = { key: t.key, ...(t.value !== undefined ? { value: t.value } : {}), effect: t.effect };
      const at = i.taints.findIndex((x) => x.key === t.key && x.effect === t.effect);
      if (at < 0) i.taints.push(taint);
      else if (i.taints[at].value !== taint.value) i.taints[at] = taint;
      else continue;
      changed = true;
    }
    if (patch.unschedulable !== undefined && patch.unschedulable !== i.unschedulable) {
      i.unschedulable = patch.unschedulable;
      changed = true;
    }
    for (const into of ['annotations', 'labels'] as const) {
      for (const [k, v] of Object.entries(patch[into] ?? {})) {
        if (v === null ? !Object.hasOwn(i[into], k) : i[into][k] === v) continue;
        if (v === null) delete i[into][k];
        else i[into][k] = v;
        changed = true;
      }
    }
    if (!changed) return;
    this.emitNode(n, 'upsert');
    this.scheduler.refresh(n);
    if (i.taints.some((t) => t.effect === 'NoExecute')) this.executeNoExecute(n);
    this.schedule();
  }

  /** Labels from outside the port (EKS labels nodes it is about to replace). */
  labelNode(name: string, labels: Record<string, string>): void {
    const n = this.nodes.get(name);
    if (!n) return;
    Object.assign(n.info.labels, labels);
    this.emitNode(n, 'upsert');
  }

  // ---- pods ----

  /** The Eviction API: PDB-checked, graceful. */
  evict(namespace: string, name: string): EvictionResult {
    const p = this.pods.get(`${namespace}/${name}`);
    if (!p) return { outcome: 'gone' };
    if (p.info.terminating) return { outcome: 'accepted' };
    const w = p.workload;
    if (w?.spec.pdb) {
      const s = pdbStatus(w, this.expectedPods(w));
      // An unhealthy pod costs no budget; it may go while the budget is met (IfHealthyBudget).
      const blocked = isHealthy(p) ? s.disruptionsAllowed <= 0 : s.currentHealthy < s.desiredHealthy;
      if (blocked) return { outcome: 'blocked', message: blockedMessage(w, s) };
    }
    this.terminate(p);
    return { outcome: 'accepted' };
  }

  /**
   * Deletion, no PDB asked (a forced drain). The pod gets its own grace period (or the one given) to
   * shut down, as kubectl drain --force and EKS keep it; grace 0 removes it at once. A pod a finalizer
   * holds (the stuckPod fault) is let go once that grace has passed. False when there was no such pod.
   */
  deletePod(namespace: string, name: string, graceSeconds?: number): boolean {
    const p = this.pods.get(`${namespace}/${name}`);
    if (!p) return false;
    if (!p.forced) {
      p.forced = true;
      this.ledger.forcedDeletions++;
    }
    if (graceSeconds === 0) {
      this.removePod(p, 'forced', true);
      this.schedule();
      return true;
    }
    p.stuck = false;
    // A new version, not a change in place: watchers hold the one they were given (podView).
    if (graceSeconds !== undefined) {
      const next = podVersion(p.info);
      next.gracePeriodSeconds = graceSeconds;
      p.info = Object.freeze(next);
    }
    if (!p.info.terminating) {
      this.terminate(p);
    } else if (!p.cancelRemoval) {
      p.cancelRemoval = this.clock.schedule(this.clock.now() + p.info.gracePeriodSeconds * 1000, () => {
        p.cancelRemoval = undefined;
        this.removePod(p, 'forced', true);
        this.schedule();
      });
    }
    return true;
  }

  /** Every change from now on, synchronously and in order. Returns the unsubscribe function. */
  observe(fn: (change: KubeChange) => void): () => void {
    this.observers.add(fn);
    return () => this.observers.delete(fn);
  }

  pdbs(): PdbInfo[] {
    return this.workloads.filter((w) => w.spec.pdb).map((w) => pdbInfo(w, this.expectedPods(w)));
  }

  listNodes(): NodeInfo[] {
    return [...this.nodes.values()].map(nodeView);
  }

  listPods(nodeName?: string): PodInfo[] {
    if (nodeName === undefined) return [...this.pods.values()].map(podView);
    const n = this.nodes.get(nodeName);
    return n ? [...n.pods.values()].map(podView) : [];
  }

  get pendingCount(): number {
    return this.scheduler.pending.size;
  }

  // ---- internals ----

  private expectedPods(w: WorkloadRec): number {
    if (w.spec.kind !== 'DaemonSet') return w.spec.replicas;
    let n = 0;
    for (const node of this.nodes.values()) if (!node.going) n++;
    return n;
  }

  /** Counts a violation when a non-consensual loss took the workload's PDB below its floor. */
  private checkViolation(w: WorkloadRec, healthyBefore: number): void {
    const s = pdbStatus(w, this.expectedPods(w));
    if (s.currentHealthy < healthyBefore && s.currentHealthy < s.desiredHealthy) this.ledger.pdbViolations++;
  }

  /** The taint manager: pods that do not tolerate a NoExecute taint are deleted (gracefully, no PDB). */
  private executeNoExecute(n: NodeRec): void {
    for (const p of [...n.pods.values()]) {
      if (p.daemon || p.info.terminating) continue;
      const before = p.workload?.healthy ?? 0;
      this.terminate(p);
      if (p.workload?.spec.pdb) this.checkViolation(p.workload, before);
    }
  }

  private mutate(p: PodRec, change: (info: PodInfo) => void): void {
    const h = isHealthy(p);
    const a = isActive(p);
    // Copied, changed and frozen: the version watchers were given stays as it was (podView shares it).
    const next = podVersion(p.info);
    change(next);
    p.info = Object.freeze(next);
    const w = p.workload;
    if (w) {
      w.healthy += Number(isHealthy(p)) - Number(h);
      w.active += Number(isActive(p)) - Number(a);
    }
    this.emitPod(p, 'upsert');
  }

  private createPod(w: WorkloadRec, name: string, key = `${w.spec.namespace}/${name}`, node?: NodeRec): PodRec {
    const info = podVersion(w.podTemplate);
    info.name = name;
    info.uid = this.rng.uuid();
    const p: PodRec = {
      key,
      info,
      workload: w,
      daemon: w.spec.kind === 'DaemonSet',
      stuck: w.stuck,
    };
    Object.freeze(p.info);
    this.pods.set(p.key, p);
    w.existing++;
    w.active++;
    this.emitPod(p, 'upsert');
    if (node) this.bind(p, node);
    else this.scheduler.pending.set(p.key, p);
    return p;
  }

  private bind(p: PodRec, n: NodeRec): void {
    p.node = n;
    n.pods.set(p.key, p);
    this.scheduler.loadChanged(n);
    // While the world is built nobody watches: a pod is bound and running in one change, not three.
    if (this.instantStart && n.info.ready && !this.badImageHere(p)) {
      this.mutate(p, (i) => {
        i.nodeName = n.info.name;
        i.phase = 'Running';
        i.ready = true;
      });
      return;
    }
    this.mutate(p, (i) => (i.nodeName = n.info.name));
    if (n.info.ready) this.startLater(p);
  }

  /** The badImage fault that makes the pod fail where it is, if one does. */
  private badImageHere(p: PodRec): WorkloadRec['badImage'] {
    const bad = p.workload?.badImage;
    return bad && (bad.everywhere || p.node?.newImage === true) ? bad : undefined;
  }

  private startLater(p: PodRec): void {
    if (p.cancelStart) return;
    const run = () => {
      p.cancelStart = undefined;
      const bad = this.badImageHere(p);
      if (bad && bad.crashAfterSeconds === undefined) return this.failOnNewImage(p, bad.mode);
      this.mutate(p, (i) => {
        i.phase = 'Running';
        i.ready = true;
      });
      // Ready first, on the same node: only a watch that follows a pod's every change sees it fail.
      if (bad) p.cancelStart = this.clock.schedule(this.clock.now() + bad.crashAfterSeconds! * 1000, () => this.failOnNewImage(p, bad.mode));
    };
    if (this.instantStart) run();
    else p.cancelStart = this.clock.schedule(this.clock.now() + this.scenario.timings.podStartSeconds * 1000, run);
  }

  /**
   * A badImage fault: the pod runs but never becomes Ready, or its container exits (at once, or after
   * crashAfterSeconds Ready) and the kubelet restarts it with its back-off (10 s doubling to 5 min), in
   * CrashLoopBackOff between runs.
   */
  private failOnNewImage(p: PodRec, mode: BadImageMode): void {
    const container = p.workload!.spec.name;
    if (mode === 'notReady') {
      this.mutate(p, (i) => {
        i.phase = 'Running';
        i.ready = false;
      });
      return;
    }
    const terminated = mode === 'oomKilled' ? { reason: 'OOMKilled', exitCode: 137 } : { reason: 'Error', exitCode: 1 };
    const crash = (restarts: number) => {
      p.cancelStart = undefined;
      this.mutate(p, (i) => {
        i.phase = 'Running';
        i.ready = false;
        i.restarts = restarts;
        i.troubled = [{ name: container, waiting: 'CrashLoopBackOff', terminated, restarts }];
      });
      const backOffMs = Math.min(300, 10 * 2 ** (restarts - 1)) * 1000;
      p.cancelStart = this.clock.schedule(this.clock.now() + backOffMs, () => crash(restarts + 1));
    };
    crash(1);
  }

  /** Sets the deletionTimestamp: not Ready, gone after its grace period unless a finalizer holds it. */
  private terminate(p: PodRec): void {
    p.cancelStart?.();
    p.cancelStart = undefined;
    this.mutate(p, (i) => {
      i.terminating = true;
      i.ready = false;
    });
    if (!p.node) {
      this.removePod(p, 'grace', true);
    } else if (!p.stuck) {
      p.cancelRemoval = this.clock.schedule(this.clock.now() + p.info.gracePeriodSeconds * 1000, () => {
        p.cancelRemoval = undefined;
        this.removePod(p, 'grace', true);
        this.schedule();
      });
    }
    if (p.workload?.spec.kind === 'Deployment') this.reconcile(p.workload);
    this.schedule();
  }

  private removePod(p: PodRec, cause: RemovalCause, reconcile: boolean): void {
    if (this.pods.get(p.key) !== p) return;
    p.cancelStart?.();
    p.cancelRemoval?.();
    p.cancelStart = p.cancelRemoval = undefined;
    this.pods.delete(p.key);
    this.scheduler.pending.delete(p.key);
    if (p.node) {
      p.node.pods.delete(p.key);
      this.scheduler.loadChanged(p.node);
    }
    const w = p.workload;
    if (w) {
      w.existing--;
      w.healthy -= Number(isHealthy(p));
      w.active -= Number(isActive(p));
    }
    this.emitPod(p, 'delete');
    if (cause !== 'forced' && !p.forced && w?.spec.kind === 'Pod') this.ledger.unmanagedPodsLost++;
    if (reconcile && w) this.reconcile(w, p.node, p.info.name);
  }

  /** The workload's controller: bring its pods back to the spec. */
  private reconcile(w: WorkloadRec, node?: NodeRec, removed?: string): void {
    const s = w.spec;
    switch (s.kind) {
      case 'Deployment':
        while (w.active < s.replicas) {
          const [name, key] = this.uniqueName(s.namespace, `${s.name}-${w.hash}-`);
          this.createPod(w, name, key);
        }
        break;
      case 'StatefulSet':
        // Same identity: ordinal i comes back only once the old pod is completely gone. A pod's removal
        // leaves its own ordinal missing, not the set's every one.
        if (removed !== undefined) {
          const ordinal = Number(removed.slice(s.name.length + 1));
          if (Number.isInteger(ordinal) && ordinal < s.replicas && !this.pods.has(`${s.namespace}/${removed}`)) this.createPod(w, removed);
          break;
        }
        for (let i = 0; i < s.replicas; i++) if (!this.pods.has(`${s.namespace}/${s.name}-${i}`)) this.createPod(w, `${s.name}-${i}`);
        break;
      case 'Pod':
        // Bare pods exist once: created with the world, never again.
        if (this.instantStart) {
          for (let i = 0; i < s.replicas; i++) this.createPod(w, s.replicas === 1 ? s.name : `${s.name}-${i}`);
        }
        break;
      case 'DaemonSet':
        if (node) this.ensureDaemons(node, w);
        else for (const n of this.nodes.values()) this.ensureDaemons(n, w);
        break;
    }
  }

  private ensureDaemons(n: NodeRec, only?: WorkloadRec): void {
    if (n.going || !this.nodes.has(n.info.name)) return;
    for (const w of this.workloads) {
      if (w.spec.kind !== 'DaemonSet' || (only && w !== only)) continue;
      let has = false;
      for (const p of n.pods.values()) if (p.workload === w) has = true;
      if (has) continue;
      const [name, key] = this.uniqueName(w.spec.namespace, `${w.spec.name}-`);
      this.createPod(w, name, key, n);
    }
  }

  /** A new pod name and its key (namespace/name), made once: the key is looked up here and kept. */
  private uniqueName(namespace: string, prefix: string): [name: string, key: string] {
    for (;;) {
      const name = prefix + this.rng.suffix(5);
      const key = `${namespace}/${name}`;
      if (!this.pods.has(key)) return [name, key];
    }
  }

  private schedule(): void {
    this.scheduler.place((p, n) => this.bind(p, n));
  }

  private emitNode(n: NodeRec, type: 'upsert' | 'delete'): void {
    this.log?.(`${type} node ${n.info.name} ready=${n.info.ready} unschedulable=${n.info.unschedulable} taints=${n.info.taints.map((t) => t.key).join(',')}`);
    if (this.hub.active || this.observers.size > 0) this.notify({ kind: 'node', type, node: nodeView(n) });
  }

  private emitPod(p: PodRec, type: 'upsert' | 'delete'): void {
    this.log?.(`${type} pod ${p.key} ${p.info.phase} node=${p.info.nodeName ?? '-'} ready=${p.info.ready} terminating=${p.info.terminating}`);
    if (this.hub.active || this.observers.size > 0) this.notify({ kind: 'pod', type, pod: podView(p) });
  }

  private notify(change: KubeChange): void {
    for (const o of this.observers) o(change);
    if (this.hub.active) this.hub.emit(change);
  }
}

function badImageOf(faults: Extract<Fault, { kind: 'badImage' }>[], spec: WorkloadSpec): Pick<WorkloadRec, 'badImage'> {
  const f = faults.find((f) => f.workloads.includes(spec.name) && (f.namespace === undefined || f.namespace === spec.namespace));
  return f ? { badImage: { mode: f.mode, everywhere: f.everywhere, ...(f.crashAfterSeconds !== undefined ? { crashAfterSeconds: f.crashAfterSeconds } : {}) } } : {};
}
