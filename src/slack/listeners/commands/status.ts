// /mng status [RUN-ID]: the fleet (every node group, its release and how far behind, its next window
// and last run), or one run in detail.
import { UserError } from '../../../engine/errors.js';
import { fleetStatusMessage } from '../../blocks/fleet.js';
import { statusDetailMessage } from '../../blocks/status.js';
import type { CommandContext, HandlerDeps } from '../deps.js';
import { ephemeral } from '../reply.js';

export async function statusCommand(deps: HandlerDeps, ctx: CommandContext, runId?: string): Promise<void> {
  const now = deps.app.clock.now();
  if (!runId) {
    await ephemeral(ctx.respond, fleetStatusMessage(await deps.app.fleetStatus(now)), deps.log);
    return;
  }
  const found = await deps.app.status(runId);
  if (!found) throw new UserError(`there is no run ${runId}`, 'see /mng history for the runs there are');
  await ephemeral(ctx.respond, statusDetailMessage(found.run, now, found.events), deps.log);
}
