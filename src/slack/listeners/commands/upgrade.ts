// /mng upgrade nodegroup …: the application plans and asks; this posts the plan in the channel with
// Approve and Reject and remembers where it is. --dry-run posts the plan without buttons; a plan with
// blocking findings is posted without them too, saying why. A node group with maintenance windows
// waits, once approved, for the next one, and its plan says when; --now runs it outside them.
import { PendingRequestError } from '../../../engine/commands.js';
import { errorMessage } from '../../../engine/errors.js';
import type { UpgradeOutcome } from '../../../app/request-upgrade.js';
import { describeOpening } from '../../../schedule/windows.js';
import { infoMessage, pendingRequestMessage } from '../../blocks/errors.js';
import { code } from '../../blocks/format.js';
import type { Message } from '../../blocks/kit.js';
import { planMessage } from '../../blocks/plan.js';
import { windowNoteAt, type WindowNote } from '../../blocks/windows.js';
import type { UpgradeOptions } from '../../grammar.js';
import type { ChatApi } from '../../progress.js';
import type { CommandContext, HandlerDeps } from '../deps.js';
import { ephemeral, WordedRefusal } from '../reply.js';

/** A link to a run's plan message, when Slack gives one; the reply does without otherwise. */
async function permalinkOf(client: ChatApi, notify: { channel?: string; planTs?: string; threadTs?: string } | undefined): Promise<string | undefined> {
  const ts = notify?.planTs ?? notify?.threadTs;
  if (!notify?.channel || !ts || !client.chat.getPermalink) return undefined;
  try {
    return (await client.chat.getPermalink({ channel: notify.channel, message_ts: ts })).permalink;
  } catch {
    return undefined;
  }
}

async function post(client: ChatApi, channel: string, msg: Message): Promise<string> {
  const res = await client.chat.postMessage({ channel, text: msg.text, blocks: msg.blocks });
  if (!res.ts) throw new Error('chat.postMessage answered without a ts');
  return res.ts;
}

/** Turns the application's refusal of a second pending request into the reply that points at the first. */
export async function wordPending(client: ChatApi, err: unknown, pace?: number): Promise<never> {
  if (err instanceof PendingRequestError) throw new WordedRefusal(pendingRequestMessage(err.pending, await permalinkOf(client, err.pending.notify), pace));
  throw err;
}

/**
 * Shows an upgrade's outcome in a channel: the plan to approve (remembered by the reporter), the
 * refused plan, or the dry run. Returns what the asker is told privately, if anything.
 */
export async function showUpgrade(deps: HandlerDeps, client: ChatApi, channel: string, requestedBy: string, outcome: UpgradeOutcome): Promise<string | undefined> {
  const log = deps.log.child({ channel, user: requestedBy });
  switch (outcome.kind) {
    case 'dry-run': {
      const note: WindowNote | undefined = outcome.outside ? { kind: 'outside' } : windowNoteAt(outcome.windows, outcome.at);
      await post(client, channel, planMessage({ kind: 'dry-run', plan: outcome.plan, requestedBy, ...(note ? { window: { note, now: outcome.at, pace: deps.app.clock.pace } } : {}) }));
      log.info('dry run posted', { toRelease: outcome.plan.toRelease });
      return undefined;
    }
    case 'refused':
      await post(client, channel, planMessage({ kind: 'refused', plan: outcome.plan, requestedBy }));
      log.info('plan refused', { reason: outcome.reason });
      return undefined;
    case 'requested': {
      const { run } = outcome;
      let ts: string;
      try {
        ts = await post(client, channel, planMessage({ kind: 'run', run, now: deps.app.clock.now(), windows: outcome.windows, ...(deps.app.clock.pace ? { pace: deps.app.clock.pace } : {}) }));
      } catch (err) {
        // Nobody can see the request, so nobody could approve it: withdraw it rather than let it wait.
        await deps.app.withdraw(run.id, channel).catch((e) => log.warn('could not withdraw an unseen request', { runId: run.id, error: errorMessage(e) }));
        throw err;
      }
      deps.reporter.setCoords(run.id, { channel, planTs: ts, threadTs: ts });
      log.info('upgrade requested', { runId: run.id, toRelease: run.plan.toRelease, notBefore: outcome.notBefore, outsideWindows: outcome.outside });
      const { start, outside } = outcome;
      const when =
        start.kind === 'closed' && !outside
          ? ` Once approved it waits for the next maintenance window: ${describeOpening(start.next.opensAt, outcome.at, start.timezone, deps.app.clock.pace)}.`
          : outside
            ? ' Once approved it runs at once, outside the maintenance windows (--now).'
            : '';
      return `Plan for run ${code(run.id)} posted. It needs an approver: ${deps.app.approvers.describe(run.requestedBy.user)}.${when}`;
    }
  }
}

export async function upgradeCommand(deps: HandlerDeps, ctx: CommandContext, options: UpgradeOptions): Promise<void> {
  const outcome = await deps.app
    .requestUpgrade({ choices: options, by: deps.app.actor(ctx.user, ctx.channel.id), channel: ctx.channel, notify: { channel: ctx.channel.id } })
    .catch((err: unknown) => wordPending(ctx.client, err, deps.app.clock.pace));
  const said = await showUpgrade(deps, ctx.client, ctx.channel.id, ctx.user, outcome);
  if (said) await ephemeral(ctx.respond, infoMessage(said), deps.log);
}
