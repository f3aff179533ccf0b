// What an API server keeps that the simulator does not: a resourceVersion for every change, the
// objects as JSON at their latest version, and a bounded history of changes that watches resume from.
import type { SimClock } from '../clock.js';
import type { KubeChange, KubeState } from '../kube-state.js';
import { nodeObject, podObject, type KubeObject, type PodTimes } from './kube-objects.js';

export type Resource = 'nodes' | 'pods';
export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface Change {
  rv: number;
  resource: Resource;
  type: ChangeType;
  object: KubeObject;
}

export class ResourceStore {
  readonly nodes = new Map<string, KubeObject>();
  /** By namespace/name. */
  readonly pods = new Map<string, KubeObject>();
  private rv: number;
  private history: Change[] = [];
  /** Changes up to and including this version are no longer in the history. */
  private compactedRv: number;
  private readonly podTimes = new Map<string, PodTimes>();
  private readonly subscribers = new Set<(change: Change) => void>();
  private readonly unobserve: () => void;

  constructor(
    private readonly state: KubeState,
    private readonly clock: SimClock,
    private readonly historyLimit: number,
  ) {
    // Start well above zero: "0" means "any version" to the API, and clients must not read meaning into numbers.
    this.rv = 1000;
    for (const n of state.listNodes()) {
      this.nodes.set(n.name, nodeObject(n, ++this.rv, { heartbeatMs: clock.now(), going: state.nodes.get(n.name)?.going ?? false }));
    }
    for (const p of state.listPods()) {
      // Pods that exist already were created with their node (or when the world began).
      const node = p.nodeName ? state.nodes.get(p.nodeName) : undefined;
      const times: PodTimes = { createdAt: Math.min(node?.info.createdAt ?? clock.now(), clock.now()) };
      if (p.terminating) times.deletingAt = clock.now();
      this.podTimes.set(p.uid, times);
      this.pods.set(`${p.namespace}/${p.name}`, podObject(p, ++this.rv, times));
    }
    this.compactedRv = this.rv;
    this.unobserve = state.observe((c) => this.record(c));
  }

  /** The newest resourceVersion: what a list returns in its metadata. */
  get resourceVersion(): number {
    return this.rv;
  }

  /**
   * Changes after `rv`, oldest first; 'expired' when some of them have left the history
   * (the API server's 410 Gone: "too old resource version").
   */
  since(rv: number): Change[] | 'expired' {
    if (rv < this.compactedRv) return 'expired';
    // The history is ordered by rv: binary search the first change after rv.
    let lo = 0;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.history[mid].rv <= rv) lo = mid + 1;
      else hi = mid;
    }
    return this.history.slice(lo);
  }

  /** Every change from now on, synchronously. Returns the unsubscribe function. */
  subscribe(fn: (change: Change) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  /** Forgets the whole history, as an etcd compaction does: a watch resuming from before now gets 410 Gone. */
  compact(): void {
    this.history = [];
    this.compactedRv = this.rv;
  }

  close(): void {
    this.unobserve();
    this.subscribers.clear();
  }

  private record(c: KubeChange): void {
    const rv = ++this.rv;
    let change: Change;
    if (c.kind === 'node') {
      const existed = this.nodes.has(c.node.name);
      const going = this.state.nodes.get(c.node.name)?.going ?? false;
      const object = nodeObject(c.node, rv, { heartbeatMs: this.clock.now(), going });
      if (c.type === 'delete') this.nodes.delete(c.node.name);
      else this.nodes.set(c.node.name, object);
      change = { rv, resource: 'nodes', type: c.type === 'delete' ? 'DELETED' : existed ? 'MODIFIED' : 'ADDED', object };
    } else {
      const p = c.pod;
      const key = `${p.namespace}/${p.name}`;
      let times = this.podTimes.get(p.uid);
      if (!times) this.podTimes.set(p.uid, (times = { createdAt: this.clock.now() }));
      if (p.terminating && times.deletingAt === undefined) times.deletingAt = this.clock.now();
      const object = podObject(p, rv, times);
      const existed = this.pods.get(key)?.metadata.uid === p.uid;
      if (c.type === 'delete') {
        if (existed) this.pods.delete(key);
        this.podTimes.delete(p.uid);
      } else {
        this.pods.set(key, object);
      }
      change = { rv, resource: 'pods', type: c.type === 'delete' ? 'DELETED' : existed ? 'MODIFIED' : 'ADDED', object };
    }
    this.history.push(change);
    if (this.history.length > this.historyLimit + Math.ceil(this.historyLimit / 4)) {
      // Trim in batches so the history costs O(1) per change.
      const drop = this.history.length - this.historyLimit;
      this.compactedRv = this.history[drop - 1].rv;
      this.history.splice(0, drop);
    }
    for (const s of this.subscribers) s(change);
  }
}
