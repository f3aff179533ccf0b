// /mng status [RUN-ID]: the running and recent upgrades, or one in detail.
import { UserError } from '../../../engine/errors.js';
import { statusDetailMessage, statusListMessage } from '../../blocks/status.js';
import type { CommandContext, HandlerDeps } from '../deps.js';
import { ephemeral } from '../reply.js';

export async function statusCommand(deps: HandlerDeps, ctx: CommandContext, runId?: string): Promise<void> {
  const now = deps.app.clock.now();
  if (!runId) {
    await ephemeral(ctx.respond, statusListMessage(await deps.app.history(), now), deps.log);
    return;
  }
  const found = await deps.app.status(runId);
  if (!found) throw new UserError(`there is no run ${runId}`, 'see /mng status for the runs there are');
  await ephemeral(ctx.respond, statusDetailMessage(found.run, now, found.events), deps.log);
}
