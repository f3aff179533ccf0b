// Approve: the engine decides (approver? not the requester? not expired? not already decided?) and
// records every answer; exactly one of any number of clicks starts the run. The reporter then edits
// the plan message and opens the thread.
import type { ActionArgs, HandlerDeps } from '../deps.js';
import { replyError } from '../reply.js';
import { rememberMessage } from './remember-message.js';

export async function approveAction(deps: HandlerDeps, args: ActionArgs): Promise<void> {
  await args.ack();
  const runId = args.action.value ?? '';
  const user = args.body.user.id;
  const log = deps.log.child({ runId, user, action: 'approve' });
  try {
    rememberMessage(deps, runId, args.body);
    const run = await deps.app.approve(runId, deps.app.actor(user, channelOf(args).channel));
    log.info('approved', { status: run.status });
  } catch (err) {
    await replyError(log, args.respond, err);
  }
}

export function channelOf(args: ActionArgs): { channel?: string } {
  const channel = args.body.channel?.id ?? args.body.container?.channel_id;
  return channel ? { channel } : {};
}
