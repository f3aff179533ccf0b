// /mng windows: each configured node group's maintenance windows, open now or not, and the next openings.
import { windowsMessage } from '../../blocks/windows.js';
import type { CommandContext, HandlerDeps } from '../deps.js';
import { ephemeral } from '../reply.js';

export { OPENINGS_SHOWN } from '../../../app/overview.js';

export async function windowsCommand(deps: HandlerDeps, ctx: CommandContext): Promise<void> {
  const now = deps.app.clock.now();
  const { rows, errors } = await deps.app.windows(now);
  await ephemeral(ctx.respond, windowsMessage(rows, now, errors, deps.app.clock.pace), deps.log);
}
