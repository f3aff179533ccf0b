// PodDisruptionBudget arithmetic, as the disruption controller does it.
import type { PdbInfo } from '../engine/ports.js';
import type { WorkloadRec } from './kube-records.js';

/** An int, or "N%" of total rounded up (Kubernetes' GetScaledValueFromIntOrPercent with roundUp). */
function scaled(value: number | string, total: number): number {
  if (typeof value === 'number') return value;
  return Math.ceil((Number(value.slice(0, -1)) * total) / 100);
}

export interface PdbStatus {
  expectedPods: number;
  currentHealthy: number;
  desiredHealthy: number;
  disruptionsAllowed: number;
}

/** `expectedPods`: the workload's replicas (DaemonSets: the nodes it should run on). */
export function pdbStatus(w: WorkloadRec, expectedPods: number): PdbStatus {
  const pdb = w.spec.pdb ?? {};
  const desiredHealthy =
    pdb.minAvailable !== undefined
      ? scaled(pdb.minAvailable, expectedPods)
      : Math.max(0, expectedPods - scaled(pdb.maxUnavailable ?? 0, expectedPods));
  const currentHealthy = w.healthy;
  return { expectedPods, currentHealthy, desiredHealthy, disruptionsAllowed: Math.max(0, currentHealthy - desiredHealthy) };
}

export function pdbName(w: WorkloadRec): string {
  return `${w.spec.name}-pdb`;
}

export function pdbInfo(w: WorkloadRec, expectedPods: number): PdbInfo {
  const pdb = w.spec.pdb ?? {};
  return {
    namespace: w.spec.namespace,
    name: pdbName(w),
    selector: { ...w.spec.labels },
    ...(pdb.minAvailable !== undefined ? { minAvailable: pdb.minAvailable } : {}),
    ...(pdb.maxUnavailable !== undefined ? { maxUnavailable: pdb.maxUnavailable } : {}),
    ...pdbStatus(w, expectedPods),
  };
}

/** The Eviction API's 429 text. */
export function blockedMessage(w: WorkloadRec, s: PdbStatus): string {
  return (
    `Cannot evict pod as it would violate the pod's disruption budget. ` +
    `(pdb ${w.spec.namespace}/${pdbName(w)} needs ${s.desiredHealthy} healthy pods and has ${s.currentHealthy} currently)`
  );
}
