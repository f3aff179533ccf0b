// What a rollback's plan says on a terminal, beside what every plan says (output.ts planText).
import { pick, plural } from '../engine/plural.js';
import type { Plan } from '../engine/run.js';

/** What a rollback's plan adds to the plan's text: which run, back to what, and a run stopped for it. */
export function rollbackLines(plan: Plan): string[] {
  const rb = plan.rollback;
  if (!rb) return [];
  const how = rb.launchTemplateVersion !== undefined ? `launch template version ${rb.launchTemplateVersion}, as before that run` : 'EKS (UpdateNodegroupVersion with that release)';
  return [
    `Rollback of run ${rb.runId}: the ${plural(plan.nodes.length, 'node')} it put on ${rb.from.release} ${pick(plan.nodes.length, 'goes', 'go')} back to ${plan.toRelease} through ${how},`,
    'with the same care as an upgrade (PodDisruptionBudgets, surge, taints). It does not wait for a maintenance window.',
    ...(rb.stopped ? [`Run ${rb.runId} was still under way: ${rb.stopped.user} cancelled it first; it put back what it had changed except the nodes it had replaced.`] : []),
    '',
  ];
}
