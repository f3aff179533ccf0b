// /mng: acknowledge at once, read the text, hand it to the subcommand. A text the grammar refuses
// gets the usage reply and starts nothing.
import { parseCommand } from '../../grammar.js';
import { usageMessage } from '../../blocks/errors.js';
import type { CommandArgs, CommandContext, HandlerDeps } from '../deps.js';
import { ephemeral, replyError } from '../reply.js';
import { auditCommand } from './audit.js';
import { runControlCommand } from './run-control.js';
import { helpCommand } from './help.js';
import { historyCommand } from './history.js';
import { listCommand } from './list.js';
import { rollbackCommand } from './rollback.js';
import { scheduleCancelCommand, scheduleListCommand, scheduleUpgradeCommand } from './schedule.js';
import { statusCommand } from './status.js';
import { upgradeCommand } from './upgrade.js';
import { windowsCommand } from './windows.js';

export async function mngCommand(deps: HandlerDeps, args: CommandArgs): Promise<void> {
  await args.ack();
  const { command } = args;
  const log = deps.log.child({ user: command.user_id, channel: command.channel_id });
  const parsed = parseCommand(command.text);
  const ctx: CommandContext = {
    user: command.user_id,
    channel: { id: command.channel_id, ...(command.channel_name ? { name: command.channel_name } : {}) },
    respond: args.respond,
    client: args.client,
  };
  if (!parsed.ok) {
    log.info('usage error', { error: parsed.error });
    await ephemeral(args.respond, usageMessage(parsed.input, parsed.error, parsed.usage), log);
    return;
  }
  const c = parsed.command;
  try {
    switch (c.kind) {
      case 'help':
        return await helpCommand(deps, ctx, c.topic);
      case 'list':
        return await listCommand(deps, ctx);
      case 'status':
        return await statusCommand(deps, ctx, c.runId);
      case 'cancel':
      case 'pause':
      case 'resume': {
        const { kind, ...target } = c;
        return await runControlCommand(deps, ctx, kind, target);
      }
      case 'rollback':
        return await rollbackCommand(deps, ctx, c.runId);
      case 'upgrade':
        return await upgradeCommand(deps, ctx, c.options);
      case 'history':
        return await historyCommand(deps, ctx, { ...(c.cluster ? { cluster: c.cluster } : {}), ...(c.nodegroup ? { nodegroup: c.nodegroup } : {}) });
      case 'audit':
        return await auditCommand(deps, ctx, c.limit);
      case 'windows':
        return await windowsCommand(deps, ctx);
      case 'schedule-upgrade':
        return await scheduleUpgradeCommand(deps, ctx, c.options);
      case 'schedule-list':
        return await scheduleListCommand(deps, ctx);
      case 'schedule-cancel':
        return await scheduleCancelCommand(deps, ctx, c.scheduleId);
    }
  } catch (err) {
    await replyError(log, args.respond, err, { command: c.kind });
  }
}
