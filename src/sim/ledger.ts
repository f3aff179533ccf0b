// The world's own account of harm done, kept independently of anything the engine believes.

/** Counted as they happen. */
export interface LedgerCounters {
  /** Moments an eviction, a non-forced deletion or a node's death took a PDB's currentHealthy below desiredHealthy. */
  pdbViolations: number;
  forcedDeletions: number;
  /** Terminations asked for an instance already Terminating/terminated or not in the group. */
  terminatedTwice: number;
  /** Instances that went away while their node still ran non-DaemonSet pods. */
  nodesTerminatedWithPods: number;
  /** Bare pods (no controller) evicted or killed with their node: nothing brings them back. */
  unmanagedPodsLost: number;
}

export interface LedgerReport extends LedgerCounters {
  /** Now: Σ over Deployments/StatefulSets of replicas − (Running + Pending pods), at least 0, plus unmanagedPodsLost. */
  podsLost: number;
  /** Now: nodes with the eks.amazonaws.com/nodegroup unschedulable taint (nodes whose instance is terminating excepted). */
  leftTainted: number;
  /** Now: nodes marked unschedulable (nodes whose instance is terminating excepted). */
  leftCordoned: number;
  /** Now: pods waiting for a node. */
  pendingPods: number;
}

export function emptyLedger(): LedgerCounters {
  return { pdbViolations: 0, forcedDeletions: 0, terminatedTwice: 0, nodesTerminatedWithPods: 0, unmanagedPodsLost: 0 };
}

/** The counters that mean harm (forced deletions are a choice someone made, so they are not listed). */
export function ledgerProblems(report: LedgerReport): string[] {
  const keys = ['podsLost', 'pdbViolations', 'terminatedTwice', 'nodesTerminatedWithPods', 'leftTainted', 'leftCordoned', 'pendingPods'] as const;
  return keys.filter((k) => report[k] > 0).map((k) => `${k}=${report[k]}`);
}
