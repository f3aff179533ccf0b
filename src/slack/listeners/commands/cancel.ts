// /mng cancel RUN-ID: approvers and the requester may stop a run; it puts back what it changed.
import { UserError } from '../../../engine/errors.js';
import { infoMessage } from '../../blocks/errors.js';
import { code } from '../../blocks/format.js';
import type { CommandContext, HandlerDeps } from '../deps.js';
import { ephemeral } from '../reply.js';

export async function cancelCommand(deps: HandlerDeps, ctx: CommandContext, runId: string): Promise<void> {
  const run = await deps.engine.get(runId);
  if (!run) throw new UserError(`there is no run ${runId}`, 'see /mng status for the runs there are');
  const at = deps.clock.now();
  if (run.requestedBy.user !== ctx.user && !(await deps.approvers.isApprover(ctx.user))) {
    await deps.audit?.({ at, user: ctx.user, action: 'refused-cancel', runId, channel: ctx.channel.id, detail: 'not an approver nor the requester' });
    deps.log.info('cancel refused', { runId, user: ctx.user });
    throw new UserError(`only approvers and the person who asked may cancel run ${runId}`, 'ask one of the configured approvers');
  }
  const after = await deps.engine.cancel(runId, { user: ctx.user, at, channel: ctx.channel.id });
  deps.log.info('cancel requested', { runId, user: ctx.user, status: after.status });
  const text =
    after.status === 'cancelled'
      ? `Cancelled run ${code(runId)} before it started: nothing was changed.`
      : `Cancelling run ${code(runId)}: it stops at its next safe point and puts back what it changed. The thread says when it is done.`;
  await ephemeral(ctx.respond, infoMessage(text), deps.log);
}
