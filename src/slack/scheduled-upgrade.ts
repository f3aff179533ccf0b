// A schedule fired (the application asked for its upgrade): show the outcome in the channel the
// schedule was made in, so the plan waits there for an approval of its own.
import type { ScheduleFiring } from '../app/schedule-upgrades.js';
import { PendingRequestError } from '../engine/commands.js';
import { errorMessage } from '../engine/errors.js';
import { userErrorMessage } from './blocks/errors.js';
import { code } from './blocks/format.js';
import { context } from './blocks/kit.js';
import { refusalWords } from './blocks/words.js';
import type { HandlerDeps } from './listeners/deps.js';
import { asUserError, WordedRefusal } from './listeners/reply.js';
import { showUpgrade, wordPending } from './listeners/commands/upgrade.js';
import type { ChatApi } from './progress.js';

export async function showScheduledUpgrade(deps: HandlerDeps, client: ChatApi, firing: ScheduleFiring): Promise<void> {
  const { schedule } = firing;
  const channel = schedule.createdBy.channel;
  const log = deps.log.child({ schedule: schedule.id, cluster: schedule.ref.cluster, nodegroup: schedule.ref.nodegroup });
  if (!channel) {
    log.warn('schedule has no channel to post its plan in');
    return;
  }
  try {
    if ('error' in firing) {
      if (firing.error instanceof PendingRequestError) await wordPending(client, firing.error, deps.app.clock.pace);
      throw firing.error;
    }
    // Nobody typed anything: the plan message in the channel is the whole answer.
    await showUpgrade(deps, client, channel, schedule.createdBy.user, firing.outcome);
  } catch (err) {
    if (err instanceof WordedRefusal) {
      const msg = { text: `Schedule ${schedule.id} did not ask for its upgrade: ${err.reply.text}`, blocks: [context(`:calendar: Schedule ${code(schedule.id)} did not ask for its upgrade:`), ...(err.reply.blocks ?? [])] };
      await client.chat.postMessage({ channel, ...msg }).catch((e) => log.warn('could not say so in the channel', { error: errorMessage(e) }));
      return;
    }
    const user = asUserError(err);
    const known = user && refusalWords(user);
    const msg = userErrorMessage(
      `Schedule ${schedule.id} (${schedule.ref.cluster}/${schedule.ref.nodegroup}) could not ask for its upgrade: ${known ? known.message : 'an internal error (see the bot log)'}`,
      known?.hint,
    );
    await client.chat.postMessage({ channel, text: msg.text, ...(msg.blocks ? { blocks: msg.blocks } : {}) }).catch((e) => log.warn('could not say so in the channel', { error: errorMessage(e) }));
  }
}
