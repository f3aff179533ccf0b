// The shortest makespan any strategy could achieve replacing every old node, for the benchmark.
//
//   lowerBound = launchToReadySeconds                       the surge must be Ready before the first drain
//              + (Σ over old nodes of drainSeconds) / maxUnavailable
//              + terminateSeconds                           the last old instance still has to go away
//
// where a node's drainSeconds is the largest gracePeriodSeconds among its evictable (non-DaemonSet,
// non-mirror) pods when the world began, 0 for a node without any. It ignores pod start times,
// PDB waits and API latency, so a real strategy can only be slower.

export function lowerBoundSeconds(
  drainSecondsPerOldNode: readonly number[],
  timings: { launchToReadySeconds: number; terminateSeconds: number },
  maxUnavailable: number,
): number {
  const drains = drainSecondsPerOldNode.reduce((a, b) => a + b, 0);
  return timings.launchToReadySeconds + drains / Math.max(1, maxUnavailable) + timings.terminateSeconds;
}
