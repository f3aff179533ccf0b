// Pause, Resume and Cancel on a run's live progress message: what the run can do now, and nothing
// once it has ended. The engine and the app decide on each click; these only offer what would work.
import { eksRefusal } from '../../engine/steps/eks-requests.js';
import { isTerminal, type Run } from '../../engine/run.js';
import { who as mention } from './format.js';
import { actions, button, context, section, type Block, type Button } from './kit.js';

export const ACTION_PAUSE = 'mng_pause';
export const ACTION_RESUME = 'mng_resume';
export const ACTION_CANCEL = 'mng_cancel';
export const CONTROL_ACTIONS = { pause: ACTION_PAUSE, resume: ACTION_RESUME, cancel: ACTION_CANCEL } as const;

export const controlsBlockId = (runId: string) => `mng-controls-${runId}`.slice(0, 255);

/**
 * The buttons for the run as it is: Pause while it runs, Resume while it is paused (or a pause waits
 * for its next step), Cancel until it cleans up; none once it has ended, nor for an EKS update that has
 * started (EKS cannot be paused or stopped).
 */
export function controlButtons(run: Run): Button[] {
  if (isTerminal(run.status) || run.status === 'awaiting-approval' || run.cleanupReason) return [];
  if (eksRefusal(run, 'cancel')) return [];
  const out: Button[] = [];
  const pausing = run.status === 'paused' || run.requests.pause !== undefined;
  if (run.status === 'running' && !pausing) out.push(button(ACTION_PAUSE, 'Pause', run.id));
  if (pausing) out.push(button(ACTION_RESUME, 'Resume', run.id, { style: 'primary' }));
  if (!run.requests.cancel) {
    out.push(
      button(ACTION_CANCEL, 'Cancel', run.id, {
        style: 'danger',
        confirm: {
          title: 'Cancel the upgrade?',
          text: 'mngbot stops at its next safe point and puts back what it changed: taints, cordons, the group\'s sizes and launch template. Nodes already replaced stay replaced.',
          confirm: 'Cancel the upgrade',
          deny: 'Keep going',
        },
      }),
    );
  }
  return out;
}

/** The actions block and the line that says what the buttons do; nothing when no button applies. */
export function controlBlocks(run: Run): Block[] {
  const buttons = controlButtons(run);
  if (buttons.length === 0) return [];
  const paused = pausedLine(run);
  const what = [
    buttons.some((b) => b.action_id === ACTION_PAUSE) ? 'Pause: nodes in flight finish, no new node starts' : '',
    buttons.some((b) => b.action_id === ACTION_RESUME)
      ? run.windowPause
        ? 'Resume: carry on now, outside the maintenance window'
        : 'Resume: carry on with the next nodes'
      : '',
    buttons.some((b) => b.action_id === ACTION_CANCEL) ? 'Cancel: stop and put back what it changed' : '',
  ].filter(Boolean);
  const cancel = buttons.some((b) => b.action_id === ACTION_CANCEL);
  const who = buttons.length === 1 && cancel ? 'approvers and the person who asked' : cancel ? 'approvers only; Cancel also the person who asked' : 'approvers only';
  return [...(paused ? [section(paused)] : []), actions(controlsBlockId(run.id), ...buttons), context(`${what.join(' · ')} · ${who}`)];
}

/** Who paused it and what that means, while it is paused or about to be. */
function pausedLine(run: Run): string | undefined {
  const by = run.requests.pause;
  if (by && run.status === 'running') return `:hourglass_flowing_sand: *Pausing*, as ${mention(by.user)} asked: the nodes in flight finish, no new node starts.`;
  if (run.status !== 'paused') return undefined;
  if (by) return `:double_vertical_bar: *Paused* by ${mention(by.user)}: the nodes in flight finish, no new node starts.`;
  if (run.windowPause) return ':double_vertical_bar: *Paused*: the maintenance window closed; the nodes in flight finish, and the run carries on when the next window opens.';
  return ':double_vertical_bar: *Paused*: the nodes in flight finish, no new node starts.';
}
