// The lower bound of a simulated world (the arithmetic and why it holds: src/engine/lower-bound.ts),
// read from the world's records as it began.
import { chainOf, oldWorldShape as shapeOf, type BoundTimings, type Chain, type OldWorldShape } from '../engine/lower-bound.js';
import type { NodeRec, WorkloadRec } from './kube-records.js';
import { pdbStatus } from './pdb.js';

export { lowerBound, type BoundTimings, type LowerBound, type OldWorldShape } from '../engine/lower-bound.js';

function workloadChain(w: WorkloadRec, podStartSeconds: number): Chain | undefined {
  const { spec } = w;
  if (!spec.pdb) return undefined;
  const allowed = pdbStatus({ ...w, healthy: spec.replicas }, spec.replicas).disruptionsAllowed;
  return chainOf(w.key, spec.kind, allowed, spec.gracePeriodSeconds, podStartSeconds);
}

/** Reads the old nodes' pods (call it before anything moves). */
export function oldWorldShape(oldNodes: Iterable<NodeRec>, timings: BoundTimings): OldWorldShape {
  const chains = new Map<WorkloadRec, Chain | undefined>();
  const chainFor = (w: WorkloadRec) => {
    if (!chains.has(w)) chains.set(w, workloadChain(w, timings.podStartSeconds));
    return chains.get(w);
  };
  const nodes = [...oldNodes].map((n) =>
    [...n.pods.values()]
      .filter((p) => !p.daemon && !p.info.mirror && !p.info.terminating)
      .map((p) => {
        const chain = p.workload && chainFor(p.workload);
        return { gracePeriodSeconds: p.info.gracePeriodSeconds, ...(chain ? { chain } : {}) };
      }),
  );
  return shapeOf(nodes, timings);
}
