// /mng rollback RUN-ID: the same as the Roll back button (listeners/actions/rollback.ts).
import type { CommandContext, HandlerDeps } from '../deps.js';
import { rollBack } from '../actions/rollback.js';

export async function rollbackCommand(deps: HandlerDeps, ctx: CommandContext, runId: string): Promise<void> {
  await rollBack(deps, { runId, user: ctx.user, channel: ctx.channel, respond: ctx.respond, client: ctx.client });
}
