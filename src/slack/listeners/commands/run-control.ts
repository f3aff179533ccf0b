// /mng cancel|pause|resume RUN-ID or NODEGROUP or CLUSTER/NODEGROUP: the same as the progress message's
// buttons. Cancel: approvers and the requester; pause and resume: approvers. The app audits each answer.
import type { RunControl, RunTarget } from '../../../app/run-controls.js';
import { runControlReply } from '../../blocks/run-control-replies.js';
import type { CommandContext, HandlerDeps } from '../deps.js';
import { ephemeral } from '../reply.js';

export async function runControlCommand(deps: HandlerDeps, ctx: CommandContext, action: RunControl, target: RunTarget): Promise<void> {
  const runId = await deps.app.runOf(target, ctx.channel);
  const after = await deps.app[action](runId, deps.app.actor(ctx.user, ctx.channel.id));
  await ephemeral(ctx.respond, runControlReply(action, after), deps.log);
}
