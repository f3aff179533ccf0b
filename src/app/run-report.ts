// A run's report on the real cloud: what was replaced, the group's sizes before and after, pods
// evicted and how long it took; the simulator's report (simulate.ts) adds what only it can know.
import type { NodeGroups, Sizes } from '../engine/ports.js';
import type { Run, Strategy } from '../engine/run.js';
import type { SimStatus } from './simulate.js';

/** A report for a run on AWS: the simulator's report without what only the simulator can know. */
export interface RunReport {
  status: SimStatus;
  strategy: Strategy;
  nodes: { old: number; replaced: number; failed: number; skipped: number };
  surge: number;
  asg: { before: Sizes; after?: Sizes };
  podsEvicted: number;
  forcedDeletions: number;
  apiErrors: number;
  makespanSeconds: number;
}

/** The report's status of a run: ended as it did, or blocked waiting on a decision. */
export function reportStatus(run: Run): SimStatus {
  return run.status === 'succeeded' || run.status === 'nothing-replaced'
    ? run.status
    : run.status === 'cancelled' || run.status === 'aborted'
      ? 'cancelled'
      : run.status === 'needs-decision'
        ? 'blocked'
        : 'failed';
}

function nodeCounts(run: Run) {
  const old = run.nodes.filter((n) => n.role === 'old');
  return {
    old: old.length,
    replaced: old.filter((n) => n.state === 'terminated').length,
    failed: old.filter((n) => n.state === 'failed').length,
    skipped: old.filter((n) => n.state === 'skipped').length,
  };
}

const makespanSeconds = (run: Run, now: number) => Math.round(((run.finishedAt ?? now) - (run.startedAt ?? run.createdAt)) / 1000);

export async function awsReport(nodeGroups: NodeGroups, run: Run, now: number): Promise<RunReport> {
  let after: Sizes | undefined;
  try {
    after = (await nodeGroups.describeNodegroup(run.ref)).sizes;
  } catch {
    // The report goes out without it; the run's own summary says what it put back.
  }
  return {
    status: reportStatus(run),
    strategy: run.strategy,
    nodes: nodeCounts(run),
    surge: run.plan.surge,
    asg: { before: run.original?.sizes ?? run.plan.sizes, ...(after ? { after } : {}) },
    podsEvicted: run.counters.podsEvicted,
    forcedDeletions: run.counters.forcedDeletions,
    apiErrors: run.counters.apiErrors,
    makespanSeconds: makespanSeconds(run, now),
  };
}

