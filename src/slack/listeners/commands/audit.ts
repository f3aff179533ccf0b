// /mng audit [N]: the last N audit entries, approvers only. A refusal is itself recorded.
import { auditMessage } from '../../blocks/audit.js';
import type { CommandContext, HandlerDeps } from '../deps.js';
import { ephemeral } from '../reply.js';

export async function auditCommand(deps: HandlerDeps, ctx: CommandContext, limit: number): Promise<void> {
  const entries = await deps.app.auditLog(deps.app.actor(ctx.user, ctx.channel.id), limit);
  await ephemeral(ctx.respond, auditMessage(entries, limit, { pace: deps.app.clock.pace }), deps.log);
}
