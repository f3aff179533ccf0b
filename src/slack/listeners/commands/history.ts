// /mng history [nodegroup]: past upgrades, newest first. Anyone may look.
import { historyMessage } from '../../blocks/history.js';
import type { CommandContext, HandlerDeps } from '../deps.js';
import { ephemeral } from '../reply.js';

export async function historyCommand(deps: HandlerDeps, ctx: CommandContext, filter: { cluster?: string; nodegroup?: string }): Promise<void> {
  const runs = await deps.engine.list({
    ...(filter.cluster ? { cluster: filter.cluster } : {}),
    ...(filter.nodegroup ? { nodegroup: filter.nodegroup } : {}),
  });
  await ephemeral(ctx.respond, historyMessage(runs, filter), deps.log);
}
