// /mng help [topic]
import { helpMessage } from '../../blocks/help.js';
import type { CommandContext, HandlerDeps } from '../deps.js';
import { ephemeral } from '../reply.js';

export async function helpCommand(deps: HandlerDeps, ctx: CommandContext, topic?: Parameters<typeof helpMessage>[0]): Promise<void> {
  await ephemeral(ctx.respond, helpMessage(topic), deps.log);
}
