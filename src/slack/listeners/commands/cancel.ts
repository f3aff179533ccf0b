// /mng cancel RUN-ID: approvers and the requester may stop a run; it puts back what it changed.
import { infoMessage } from '../../blocks/errors.js';
import { code } from '../../blocks/format.js';
import type { CommandContext, HandlerDeps } from '../deps.js';
import { ephemeral } from '../reply.js';

export async function cancelCommand(deps: HandlerDeps, ctx: CommandContext, runId: string): Promise<void> {
  const after = await deps.app.cancel(runId, deps.app.actor(ctx.user, ctx.channel.id));
  const text =
    after.status === 'cancelled'
      ? `Cancelled run ${code(runId)} before it started: nothing was changed.`
      : `Cancelling run ${code(runId)}: it stops at its next safe point and puts back what it changed. The thread says when it is done.`;
  await ephemeral(ctx.respond, infoMessage(text), deps.log);
}
