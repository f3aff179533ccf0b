// A schedule's time came: ask for the upgrade as its author would have with /mng upgrade, in the
// channel the schedule was made in, so the plan waits there for an approval of its own.
import { errorMessage } from '../engine/errors.js';
import type { Schedule } from '../schedule/schedules.js';
import { userErrorMessage } from './blocks/errors.js';
import { code } from './blocks/format.js';
import { context } from './blocks/kit.js';
import { refusalWords } from './blocks/words.js';
import { upgradeCommand } from './listeners/commands/upgrade.js';
import type { CommandContext, HandlerDeps } from './listeners/deps.js';
import { asUserError, WordedRefusal } from './listeners/reply.js';
import type { ChatApi } from './progress.js';

export async function scheduledUpgrade(deps: HandlerDeps, client: ChatApi, schedule: Schedule): Promise<void> {
  const channel = schedule.createdBy.channel;
  const log = deps.log.child({ schedule: schedule.id, cluster: schedule.ref.cluster, nodegroup: schedule.ref.nodegroup });
  if (!channel) {
    log.warn('schedule has no channel to post its plan in; skipped');
    return;
  }
  const ctx: CommandContext = {
    user: schedule.createdBy.user,
    channel: { id: channel },
    client,
    // Nobody typed anything: the plan message in the channel is the whole answer.
    respond: async () => undefined,
  };
  try {
    // A recurring schedule without a version takes the latest release of the group's own version.
    const version = schedule.version ?? (await deps.nodeGroups.describeNodegroup(schedule.ref)).version;
    const { force, ...options } = schedule.options ?? {};
    await upgradeCommand(deps, ctx, { ...options, version, cluster: schedule.ref.cluster, nodegroup: schedule.ref.nodegroup, force: force === true, dryRun: false });
    log.info('scheduled upgrade requested');
  } catch (err) {
    if (err instanceof WordedRefusal) {
      log.info('scheduled upgrade not requested', { reason: err.message });
      const msg = { text: `Schedule ${schedule.id} did not ask for its upgrade: ${err.reply.text}`, blocks: [context(`:calendar: Schedule ${code(schedule.id)} did not ask for its upgrade:`), ...(err.reply.blocks ?? [])] };
      await client.chat.postMessage({ channel, ...msg }).catch((e) => log.warn('could not say so in the channel', { error: errorMessage(e) }));
      return;
    }
    const user = asUserError(err);
    const known = user && refusalWords(user);
    log.warn('scheduled upgrade not requested', { error: errorMessage(err) });
    const msg = userErrorMessage(
      `Schedule ${schedule.id} (${schedule.ref.cluster}/${schedule.ref.nodegroup}) could not ask for its upgrade: ${known ? known.message : 'an internal error (see the bot log)'}`,
      known?.hint,
    );
    await client.chat.postMessage({ channel, text: msg.text, ...(msg.blocks ? { blocks: msg.blocks } : {}) }).catch((e) => log.warn('could not say so in the channel', { error: errorMessage(e) }));
  }
}
