// kube-scheduler, reduced to what upgrades exercise: Ready, schedulable, untainted nodes with a free
// pod slot; least-loaded first, creation order on ties. The candidates are kept in a heap ordered by
// (load, creation), told of every change in a node's load: a placement costs O(log nodes), so a
// 2,000-node world does not spend its time looking for room.
import type { NodeRec, PodRec } from './kube-records.js';

export function acceptsNewPods(n: NodeRec): boolean {
  const i = n.info;
  return i.ready && !n.going && !i.unschedulable && !i.taints.some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
}

/** A node as it was when pushed: stale once the node's load or schedulability changed. */
interface Entry {
  load: number;
  seq: number;
  node: NodeRec;
}

export class Scheduler {
  /** Unbound pods, oldest first. */
  readonly pending = new Map<string, PodRec>();
  private readonly schedulable = new Set<NodeRec>();
  private heap: Entry[] = [];

  /** Call whenever a node's readiness, taints, cordon or existence changed. */
  refresh(n: NodeRec, exists = true): void {
    if (exists && acceptsNewPods(n)) this.schedulable.add(n);
    else this.schedulable.delete(n);
    this.loadChanged(n);
  }

  /** Call whenever a pod was bound to or removed from the node. */
  loadChanged(n: NodeRec): void {
    if (!this.schedulable.has(n) || n.pods.size >= n.info.allocatablePods) return;
    push(this.heap, { load: n.pods.size, seq: n.seq, node: n });
    // Stale entries are dropped as they reach the top; a heap that grew mostly stale is rebuilt.
    if (this.heap.length > 1024 + 4 * this.schedulable.size) this.rebuild();
  }

  /** Binds what it can; stops at the first pod that fits nowhere (all unbound pods fit the same nodes). */
  place(bind: (pod: PodRec, node: NodeRec) => void): void {
    for (const pod of this.pending.values()) {
      const best = this.top();
      if (!best) return;
      this.pending.delete(pod.key);
      bind(pod, best);
    }
  }

  /** The least-loaded node with room, oldest first on ties. */
  private top(): NodeRec | undefined {
    while (this.heap.length > 0) {
      const e = this.heap[0];
      if (this.schedulable.has(e.node) && e.load === e.node.pods.size && e.load < e.node.info.allocatablePods) return e.node;
      pop(this.heap);
    }
    return undefined;
  }

  private rebuild(): void {
    this.heap = [];
    for (const n of this.schedulable) if (n.pods.size < n.info.allocatablePods) push(this.heap, { load: n.pods.size, seq: n.seq, node: n });
  }
}

const before = (a: Entry, b: Entry) => a.load < b.load || (a.load === b.load && a.seq < b.seq);

function push(h: Entry[], e: Entry): void {
  h.push(e);
  let i = h.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!before(h[i], h[parent])) break;
    [h[i], h[parent]] = [h[parent], h[i]];
    i = parent;
  }
}

function pop(h: Entry[]): void {
  const last = h.pop()!;
  if (h.length === 0) return;
  h[0] = last;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < h.length && before(h[l], h[m])) m = l;
    if (r < h.length && before(h[r], h[m])) m = r;
    if (m === i) return;
    [h[i], h[m]] = [h[m], h[i]];
    i = m;
  }
}
