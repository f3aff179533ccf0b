// /mng list: every configured cluster and node group as it is now, with any upgrade holding it.
import { listMessage } from '../../blocks/list.js';
import type { CommandContext, HandlerDeps } from '../deps.js';
import { ephemeral } from '../reply.js';

export async function listCommand(deps: HandlerDeps, ctx: CommandContext): Promise<void> {
  await ephemeral(ctx.respond, listMessage(await deps.app.fleet()), deps.log);
}
