// kube-scheduler, reduced to what upgrades exercise: Ready, schedulable, untainted nodes with a free
// pod slot; least-loaded first, creation order on ties. Cost per placement is O(schedulable nodes),
// never O(pods): nodes carry their own pod index.
import type { NodeRec, PodRec } from './kube-records.js';

export function acceptsNewPods(n: NodeRec): boolean {
  const i = n.info;
  return i.ready && !n.going && !i.unschedulable && !i.taints.some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
}

export class Scheduler {
  /** Unbound pods, oldest first. */
  readonly pending = new Map<string, PodRec>();
  private readonly schedulable = new Set<NodeRec>();

  /** Call whenever a node's readiness, taints, cordon or existence changed. */
  refresh(n: NodeRec, exists = true): void {
    if (exists && acceptsNewPods(n)) this.schedulable.add(n);
    else this.schedulable.delete(n);
  }

  /** Binds what it can; stops at the first pod that fits nowhere (all unbound pods fit the same nodes). */
  place(bind: (pod: PodRec, node: NodeRec) => void): void {
    if (this.pending.size === 0) return;
    for (const pod of this.pending.values()) {
      let best: NodeRec | undefined;
      for (const n of this.schedulable) {
        const load = n.pods.size;
        if (load >= n.info.allocatablePods) continue;
        if (!best || load < best.pods.size || (load === best.pods.size && n.seq < best.seq)) best = n;
      }
      if (!best) return;
      this.pending.delete(pod.key);
      bind(pod, best);
    }
  }
}
