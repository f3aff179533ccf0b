// /mng status [RUN-ID]: the running and recent upgrades, or one in detail.
import { UserError } from '../../../engine/errors.js';
import { statusDetailMessage, statusListMessage } from '../../blocks/status.js';
import type { CommandContext, HandlerDeps } from '../deps.js';
import { ephemeral } from '../reply.js';

export async function statusCommand(deps: HandlerDeps, ctx: CommandContext, runId?: string): Promise<void> {
  const now = deps.clock.now();
  if (!runId) {
    await ephemeral(ctx.respond, statusListMessage(await deps.engine.list(), now), deps.log);
    return;
  }
  const run = await deps.engine.get(runId);
  if (!run) throw new UserError(`there is no run ${runId}`, 'see /mng status for the runs there are');
  const events = deps.engine.events ? (await deps.engine.events(runId, 15)).events.map((e) => e.detail) : [];
  await ephemeral(ctx.respond, statusDetailMessage(run, now, events), deps.log);
}
