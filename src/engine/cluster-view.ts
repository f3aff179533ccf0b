// A local cache of nodes and pods fed by the Cluster watch, so steps read without API calls
// and the runner wakes on change instead of polling.
import { PdbIndex, type PodEntry } from './pdb-index.js';
import type { Cluster, ClusterEvent, ClusterWatch, NodeInfo, PdbInfo, PodInfo } from './ports.js';

export const NODEGROUP_TAINT_KEY = 'eks.amazonaws.com/nodegroup';

export class ClusterView {
  private readonly nodes = new Map<string, NodeInfo>();
  private readonly nodeNameByInstance = new Map<string, string>();
  /** By uid. A pod's change is written into its entry: one lookup, whatever else keeps the entry. */
  private readonly pods = new Map<string, PodEntry>();
  /** Each node's pods: a step reads a node's pods far more often than the watch moves one. */
  private readonly podsByNode = new Map<string, Set<PodEntry>>();
  /** Pods not Ready, or whose containers restarted or are in trouble: all the health gate needs to look at. */
  private readonly unwell = new Set<PodEntry>();
  /** Nodes not Ready: the health gate's other question, answered without a look at every node. */
  private readonly notReady = new Map<string, NodeInfo>();
  /** The watch carries no PDBs: they are listed, and kept for a while (their specs rarely change). */
  private pdbCache?: { at: number; pdbs: PdbInfo[] };
  private readonly pdbIndex = new PdbIndex();
  private waiters = new Set<() => void>();
  private watch?: ClusterWatch;
  /**
   * Names of the nodes put or deleted, in order, so that a step can look at what changed rather than
   * at every node; nodeLog[0] is change number nodeLogBase. Trimmed when long: a reader left behind
   * looks at every node once.
   */
  private nodeLog: string[] = [];
  /** Each node's free slots if pods may be placed there, and their sum. */
  private readonly roomOf = new Map<string, number>();
  private room = 0;
  private nodeLogBase = 0;

  constructor(private readonly cluster: Cluster) {}

  async start(): Promise<void> {
    if (!this.watch) this.watch = this.cluster.watch((e) => this.apply(e));
    await this.watch.ready;
  }

  stop(): void {
    this.watch?.stop();
    this.watch = undefined;
    this.wake();
  }

  /** Calls fn once, at the next change (or when the view stops). Returns the way to call it off. */
  onNextChange(fn: () => void): () => void {
    this.waiters.add(fn);
    return () => this.waiters.delete(fn);
  }

  node(name: string): NodeInfo | undefined {
    return this.nodes.get(name);
  }

  nodeByInstance(instanceId: string): NodeInfo | undefined {
    const name = this.nodeNameByInstance.get(instanceId);
    return name === undefined ? undefined : this.nodes.get(name);
  }

  allNodes(): IterableIterator<NodeInfo> {
    return this.nodes.values();
  }

  /** Where the log of node changes ends now: hand it to nodesChangedSince later. */
  nodeCursor(): number {
    return this.nodeLogBase + this.nodeLog.length;
  }

  /**
   * The names of the nodes put or deleted since cursor (a name whose node is gone was deleted);
   * undefined when the view cannot tell (it resynced, or trimmed its log): look at allNodes() then.
   */
  nodesChangedSince(cursor: number): Set<string> | undefined {
    if (cursor < this.nodeLogBase || cursor > this.nodeCursor()) return undefined;
    return new Set(this.nodeLog.slice(cursor - this.nodeLogBase));
  }

  podsOn(nodeName: string): PodInfo[] {
    return podsOf(this.podsByNode.get(nodeName));
  }

  /** Pods not Ready, or with restarts or a container in trouble (the health gate's candidates), wherever they are. */
  unwellPods(): PodInfo[] {
    return podsOf(this.unwell);
  }

  notReadyNodes(): NodeInfo[] {
    return [...this.notReady.values()];
  }

  podCountOn(nodeName: string): number {
    return this.podsByNode.get(nodeName)?.size ?? 0;
  }


  /** The cluster's PDBs as listed at most maxAgeMs ago. */
  async pdbs(now: number, maxAgeMs: number): Promise<PdbInfo[]> {
    if (!this.pdbCache || now - this.pdbCache.at >= maxAgeMs || now < this.pdbCache.at) {
      const pdbs = await this.cluster.listPdbs();
      this.pdbCache = { at: now, pdbs };
      this.pdbIndex.list(pdbs, this.pods.values());
    }
    return this.pdbCache.pdbs;
  }

  /** Changes when a listing brings PDBs with other names or selectors. */
  pdbGeneration(): number {
    return this.pdbIndex.generation;
  }

  /** The PDB (of the latest listing) that covers the pod. */
  coveringPdb(pod: PodInfo): PdbInfo | undefined {
    return this.pdbIndex.covering(this.pods.get(pod.uid), pod);
  }

  /** Pods the PDB covers that are Ready and not leaving, as the watch shows them. */
  healthyUnder(pdb: PdbInfo): number {
    return this.pdbIndex.healthy(pdb);
  }

  /** The longest grace period among the PDB's pods. */
  longestGraceUnder(pdb: PdbInfo): number {
    return this.pdbIndex.longestGraceS(pdb);
  }

  /** An eviction was refused where the listed PDBs allowed it: list them again, unless that was just done. */
  forgetPdbs(now: number, unlessYoungerThanMs: number): void {
    if (this.pdbCache && now - this.pdbCache.at >= unlessYoungerThanMs) this.pdbCache = undefined;
  }

  /**
   * Free pod slots on nodes where the scheduler may place evicted pods, less the pods waiting for a
   * node (they take room that drained pods would otherwise get). Kept as nodes and pods change.
   */
  schedulableRoom(): number {
    return this.room - (this.podsByNode.get('')?.size ?? 0);
  }

  /** What the node adds to schedulableRoom() now: its free pod slots, if it takes pods. */
  roomOn(name: string): number {
    return this.roomOf.get(name) ?? 0;
  }

  /** Works out again what the node adds to schedulableRoom(). */
  private recountRoom(name: string | undefined): void {
    if (!name) return;
    const n = this.nodes.get(name);
    const now = n && takesPods(n) ? Math.max(0, n.allocatablePods - this.podCountOn(name)) : 0;
    this.room += now - (this.roomOf.get(name) ?? 0);
    if (now) this.roomOf.set(name, now);
    else this.roomOf.delete(name);
  }

  private apply(e: ClusterEvent): void {
    if (e.kind === 'resync') {
      this.forgetNodeLog();
      this.nodes.clear();
      this.nodeNameByInstance.clear();
      this.pods.clear();
      this.podsByNode.clear();
      this.unwell.clear();
      this.notReady.clear();
      this.pdbIndex.clear();
      this.roomOf.clear();
      this.room = 0;
      for (const n of e.nodes) this.putNode(n);
      for (const p of e.pods) this.putPod(p);
    } else if (e.kind === 'node') {
      if (e.type === 'delete') {
        this.nodes.delete(e.node.name);
        this.notReady.delete(e.node.name);
        this.nodeNameByInstance.delete(e.node.instanceId);
        this.recountRoom(e.node.name);
      } else this.putNode(e.node);
      this.logNode(e.node.name);
    } else if (e.type === 'delete') {
      this.dropPod(e.pod.uid);
    } else {
      this.putPod(e.pod);
    }
    this.wake();
  }

  private putNode(n: NodeInfo): void {
    this.nodes.set(n.name, n);
    if (n.ready) this.notReady.delete(n.name);
    else this.notReady.set(n.name, n);
    this.nodeNameByInstance.set(n.instanceId, n.name);
    this.recountRoom(n.name);
  }

  private logNode(name: string): void {
    this.nodeLog.push(name);
    // Bounded by the cluster's size: a reader that far behind is better off looking at every node.
    if (this.nodeLog.length > 1024 + 4 * this.nodes.size) this.forgetNodeLog();
  }

  private forgetNodeLog(): void {
    // One past the end: a cursor taken before, even at the very end, is behind the new base.
    this.nodeLogBase += this.nodeLog.length + 1;
    this.nodeLog = [];
  }

  private putPod(p: PodInfo): void {
    const e = this.pods.get(p.uid);
    const ended = p.phase === 'Succeeded' || p.phase === 'Failed';
    // Most changes are a pod's own state on the same node (scheduled, started, Ready, leaving): its
    // node's pods and room stay as they are, and its PDB is the one it had.
    if (e && !ended && e.pod.nodeName === p.nodeName) {
      const old = e.pod;
      e.pod = p;
      this.pdbIndex.replace(e, old);
      this.markUnwell(e);
      return;
    }
    this.dropPod(p.uid);
    if (ended) return;
    const entry: PodEntry = { pod: p };
    this.pods.set(p.uid, entry);
    this.markUnwell(entry);
    const key = p.nodeName ?? '';
    let on = this.podsByNode.get(key);
    if (!on) this.podsByNode.set(key, (on = new Set()));
    on.add(entry);
    this.pdbIndex.put(entry);
    this.recountRoom(p.nodeName);
  }

  private markUnwell(e: PodEntry): void {
    const p = e.pod;
    if (!p.ready || p.troubled !== undefined || (p.restarts ?? 0) > 0) this.unwell.add(e);
    else this.unwell.delete(e);
  }

  private dropPod(uid: string): void {
    const e = this.pods.get(uid);
    if (!e) return;
    this.pods.delete(uid);
    this.unwell.delete(e);
    this.pdbIndex.drop(e);
    this.podsByNode.get(e.pod.nodeName ?? '')?.delete(e);
    this.recountRoom(e.pod.nodeName);
  }

  private wake(): void {
    if (this.waiters.size === 0) return;
    const ws = this.waiters;
    this.waiters = new Set();
    for (const w of ws) w();
  }
}

function podsOf(entries: Iterable<PodEntry> | undefined): PodInfo[] {
  const out: PodInfo[] = [];
  for (const e of entries ?? []) out.push(e.pod);
  return out;
}

/** Pods a drain must move: everything but DaemonSet and mirror pods. */
export function isEvictable(p: PodInfo): boolean {
  return !p.mirror && p.owner?.kind !== 'DaemonSet';
}

export function hasNodegroupTaint(n: NodeInfo): boolean {
  return n.taints.some((t) => t.key === NODEGROUP_TAINT_KEY && t.effect === 'NoSchedule');
}

/** Ready, schedulable and without a NoSchedule or NoExecute taint: the scheduler may place pods there. */
export function takesPods(n: NodeInfo): boolean {
  return n.ready && !n.unschedulable && !n.taints.some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
}
