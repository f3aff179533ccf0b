// Roll back in Slack: what a rollback's plan says it does, and the button that asks for one (on a
// finished run's summary; the health gate's pause message carries the same action).
import { pick } from '../../engine/plural.js';
import type { Plan, Run } from '../../engine/run.js';
import { code, esc, plural, who } from './format.js';
import { actions, button, context, section, type Block } from './kit.js';
import { clip, LIMITS } from './limits.js';

/** The action every Roll back button carries; its value is the id of the run to roll back. */
export const ACTION_ROLLBACK = 'run_rollback';

/** The plan's own account of the rollback: which run, which nodes go back to what, and a run stopped for it. */
export function rollbackBlocks(plan: Plan): Block[] {
  const rb = plan.rollback;
  if (!rb) return [];
  const how = rb.launchTemplateVersion !== undefined ? `launch template version ${esc(rb.launchTemplateVersion)}, as before that run` : 'EKS (UpdateNodegroupVersion with that release)';
  const lines = [
    `:rewind: *Rollback of run ${code(rb.runId)}*: the ${plural(plan.nodes.length, 'node')} it put on ${esc(rb.from.release)} ${pick(plan.nodes.length, 'goes', 'go')} back to *${esc(plan.toRelease)}* through ${how}, ` +
      'with the same care as an upgrade: PodDisruptionBudgets, surge and taints.',
  ];
  if (rb.stopped) {
    lines.push(`Run ${code(rb.runId)} was still under way: ${who(rb.stopped.user)} cancelled it first, so it stopped at a safe point and put back what it had changed except the nodes it had replaced.`);
  }
  return [section(clip(lines.join('\n'), LIMITS.sectionText)), context('Once approved it starts at once: a rollback does not wait for a maintenance window.')];
}

/**
 * Whether a run left nodes on its new image that a rollback would put back. Not offered under a
 * rollback's own summary: undoing it is an upgrade, asked for as one.
 */
export function canRollBack(run: Run): boolean {
  // A run history has compacted keeps no terminated node records: one that succeeded replaced nodes all the same.
  const replaced = run.status === 'succeeded' || run.nodes.some((n) => n.role === 'old' && n.state === 'terminated');
  return !run.plan.rollback && replaced && run.original !== undefined && run.plan.fromRelease !== '';
}

/** The Roll back button under a finished run's summary (approvers only: the use case checks). */
export function rollbackActions(run: Run): Block[] {
  if (!canRollBack(run)) return [];
  return [
    actions(
      `rollback:${run.id}`.slice(0, LIMITS.blockId),
      button(ACTION_ROLLBACK, 'Roll back', run.id, {
        confirm: {
          title: 'Roll this upgrade back?',
          text: clip(`mngbot posts a plan to put the nodes run ${esc(run.id)} replaced back on ${esc(run.plan.fromRelease)}; it needs an approval like any upgrade.`, LIMITS.confirmText),
          confirm: 'Plan the rollback',
        },
      }),
    ),
  ];
}
