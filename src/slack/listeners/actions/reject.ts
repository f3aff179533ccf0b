// Reject: only approvers; recorded with who and when by the engine. The reporter edits the plan message.
import type { ActionArgs, HandlerDeps } from '../deps.js';
import { replyError } from '../reply.js';
import { channelOf } from './approve.js';
import { rememberMessage } from './remember-message.js';

export async function rejectAction(deps: HandlerDeps, args: ActionArgs): Promise<void> {
  await args.ack();
  const runId = args.action.value ?? '';
  const user = args.body.user.id;
  const log = deps.log.child({ runId, user, action: 'reject' });
  try {
    rememberMessage(deps, runId, args.body);
    await deps.app.reject(runId, deps.app.actor(user, channelOf(args).channel));
    log.info('rejected');
  } catch (err) {
    await replyError(log, args.respond, err);
  }
}
