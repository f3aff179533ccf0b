// /mng history [nodegroup]: past upgrades, newest first. Anyone may look.
import { historyMessage } from '../../blocks/history.js';
import type { CommandContext, HandlerDeps } from '../deps.js';
import { ephemeral } from '../reply.js';

export async function historyCommand(deps: HandlerDeps, ctx: CommandContext, filter: { cluster?: string; nodegroup?: string }): Promise<void> {
  await ephemeral(ctx.respond, historyMessage(await deps.app.history(filter), filter, { pace: deps.app.clock.pace }), deps.log);
}
