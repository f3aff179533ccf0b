// What every finished rolling run must show, checked against the world's own ledger.
import { expect } from 'vitest';
import type { SimResult } from '../../src/app/simulate.js';
import { leftLabelled, orderProblems } from './node-order.js';

/** Every promise the engine makes about a finished run, checked against the world's own ledger. */
export function assertCleanRun(result: SimResult, label: string): void {
  const { report, run, world } = result;
  const problems: string[] = [];
  const check = (ok: boolean, what: string) => ok || problems.push(what);
  check(report.status === 'succeeded', `status ${report.status}: ${run.outcome?.summary}`);
  check(report.podsLost === 0, `podsLost ${report.podsLost}`);
  check(report.pdbViolations === 0, `pdbViolations ${report.pdbViolations}`);
  check(report.terminatedTwice === 0, `terminatedTwice ${report.terminatedTwice}`);
  check(report.nodesTerminatedWithPods === 0, `nodesTerminatedWithPods ${report.nodesTerminatedWithPods}`);
  check(report.forcedDeletions === 0, `forcedDeletions ${report.forcedDeletions}`);
  check(report.leftTainted === 0, `leftTainted ${report.leftTainted}`);
  check(report.leftCordoned === 0, `leftCordoned ${report.leftCordoned}`);
  check(report.nodes.replaced === report.nodes.old, `replaced ${report.nodes.replaced} of ${report.nodes.old}`);
  check(JSON.stringify(report.asg.after) === JSON.stringify(report.asg.before), `sizes ${JSON.stringify(report.asg)}`);
  const oldImages = world.instances().filter((i) => i.imageId !== run.plan.toImageId);
  check(oldImages.length === 0, `${oldImages.length} instances still on the old image`);
  check(world.nodes().every((n) => !n.annotations['cluster-autoscaler.kubernetes.io/scale-down-disabled']), 'scale-down-disabled left on nodes');
  check(!world.suspendedProcesses().includes('AZRebalance'), 'AZRebalance left suspended');
  const labelled = leftLabelled(world);
  check(labelled.length === 0, `exclude-from-external-load-balancers left on ${labelled.join(', ')}`);
  problems.push(...orderProblems(result.events));
  expect(problems, `${label}: ${problems.join('; ')}`).toEqual([]);
}
