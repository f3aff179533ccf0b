// Schedule into next window, on the AMI watch's message: the group's upgrade to the latest release is
// asked for in the name of whoever clicked, posted as a plan in the channel, and waits for an
// approval and then for the group's next maintenance window. A second click finds the first request
// and points at it.
import { UserError } from '../../../engine/errors.js';
import { parseAmiScheduleValue } from '../../blocks/fleet.js';
import { infoMessage } from '../../blocks/errors.js';
import { showUpgrade, wordPending } from '../commands/upgrade.js';
import type { ActionArgs, HandlerDeps } from '../deps.js';
import { ephemeral, replyError } from '../reply.js';
import { channelOf } from './approve.js';

export async function amiScheduleAction(deps: HandlerDeps, args: ActionArgs): Promise<void> {
  await args.ack();
  const user = args.body.user.id;
  const value = args.action.value ?? '';
  const log = deps.log.child({ user, action: 'ami-schedule', group: value });
  try {
    const ref = parseAmiScheduleValue(value);
    if (!ref) throw new UserError(`this button names no node group ("${value.slice(0, 60)}")`, 'use /mng upgrade nodegroup instead');
    const { channel } = channelOf(args);
    if (!channel) throw new UserError('this button was not clicked in a channel', 'use /mng upgrade nodegroup in the channel instead');
    const where = { id: channel, ...(args.body.channel?.name ? { name: args.body.channel.name } : {}) };
    const outcome = await deps.app
      .scheduleIntoWindow(ref, deps.app.actor(user, channel), where)
      .catch((err: unknown) => wordPending(args.client, err, deps.app.clock.pace));
    const said = await showUpgrade(deps, args.client, channel, user, outcome);
    if (said) await ephemeral(args.respond, infoMessage(said), log);
  } catch (err) {
    await replyError(log, args.respond, err);
  }
}
