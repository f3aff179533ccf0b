// kube-scheduler, reduced to what upgrades exercise: Ready, schedulable, untainted nodes with a free
// pod slot; least-loaded first, creation order on ties. The candidates are kept in a heap ordered by
// (load, creation), told of every change in a node's load: a placement costs O(log nodes), so a
// 2,000-node world does not spend its time looking for room.
import TinyQueue from 'tinyqueue';
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
  private heap = new TinyQueue<Entry>([], byLoad);

  /** Call whenever a node's readiness, taints, cordon or existence changed. */
  refresh(n: NodeRec, exists = true): void {
    if (exists && acceptsNewPods(n)) this.schedulable.add(n);
    else this.schedulable.delete(n);
    this.loadChanged(n);
  }

  /** Call whenever a pod was bound to or removed from the node. */
  loadChanged(n: NodeRec): void {
    if (!this.schedulable.has(n) || n.pods.size >= n.info.allocatablePods) return;
    this.heap.push({ load: n.pods.size, seq: n.seq, node: n });
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
    for (let e = this.heap.peek(); e; e = this.heap.peek()) {
      if (this.schedulable.has(e.node) && e.load === e.node.pods.size && e.load < e.node.info.allocatablePods) return e.node;
      this.heap.pop();
    }
    return undefined;
  }

  private rebuild(): void {
    const entries: Entry[] = [];
    for (const n of this.schedulable) if (n.pods.size < n.info.allocatablePods) entries.push({ load: n.pods.size, seq: n.seq, node: n });
    this.heap = new TinyQueue(entries, byLoad);
  }
}

const byLoad = (a: Entry, b: Entry) => a.load - b.load || a.seq - b.seq;
