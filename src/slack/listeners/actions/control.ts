// Pause, Resume and Cancel on the progress message. The app decides who may (approvers; for Cancel
// the requester too) and audits every answer; the progress message then shows the run's new state.
import type { RunControl } from '../../../app/run-controls.js';
import { UserError } from '../../../engine/errors.js';
import { CONTROL_ACTIONS } from '../../blocks/run-controls.js';
import { runControlReply } from '../../blocks/run-control-replies.js';
import type { ActionArgs, HandlerDeps } from '../deps.js';
import { ephemeral, replyError } from '../reply.js';
import { channelOf } from './approve.js';

const BY_ACTION_ID = new Map<string, RunControl>(Object.entries(CONTROL_ACTIONS).map(([k, v]) => [v, k as RunControl]));

export const CONTROL_ACTION_IDS = new RegExp(`^(${Object.values(CONTROL_ACTIONS).join('|')})$`);

export async function controlAction(deps: HandlerDeps, args: ActionArgs): Promise<void> {
  await args.ack();
  const action = BY_ACTION_ID.get(args.action.action_id);
  const runId = args.action.value ?? '';
  const user = args.body.user.id;
  const log = deps.log.child({ runId, user, action });
  try {
    if (!action || !runId) throw new UserError('this button does not name a run');
    const by = deps.app.actor(user, channelOf(args).channel);
    const run = await deps.app[action](runId, by);
    log.info(`${action} asked`, { status: run.status });
    await ephemeral(args.respond, runControlReply(action, run), log);
  } catch (err) {
    await replyError(log, args.respond, err);
  }
}
