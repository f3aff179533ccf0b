// /mng audit [N]: the last N audit entries, approvers only. A refusal is itself recorded.
import { UserError } from '../../../engine/errors.js';
import { auditMessage } from '../../blocks/audit.js';
import type { CommandContext, HandlerDeps } from '../deps.js';
import { ephemeral } from '../reply.js';

export async function auditCommand(deps: HandlerDeps, ctx: CommandContext, limit: number): Promise<void> {
  if (!(await deps.approvers.isApprover(ctx.user))) {
    await deps.audit?.({ at: deps.clock.now(), user: ctx.user, action: 'refused-audit', channel: ctx.channel.id, detail: 'not an approver' });
    deps.log.info('audit refused', { user: ctx.user });
    throw new UserError('only approvers may read the audit log', `approvers: ${deps.approvers.describe()}`);
  }
  if (!deps.auditLog) throw new UserError('the audit log is not available in this mngbot');
  const entries = await deps.auditLog(limit);
  await ephemeral(ctx.respond, auditMessage(entries, limit), deps.log);
}
