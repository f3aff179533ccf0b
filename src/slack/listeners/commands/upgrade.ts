// /mng upgrade nodegroup …: plan, post the plan in the channel with Approve and Reject, and remember
// where it is. --dry-run posts the plan without buttons; a plan with blocking findings is posted
// without them too, saying why. A node group with maintenance windows waits, once approved, for the
// next one (notBefore), and its plan says when; --now runs it outside them, after an approval too.
import { PendingRequestError, PlanRefusedError } from '../../../engine/commands.js';
import type { Run, UpgradeRequest } from '../../../engine/run.js';
import { errorMessage, UserError } from '../../../engine/errors.js';
import { notBeforeFor, windowStart } from '../../../schedule/window-gate.js';
import { describeOpening } from '../../../schedule/windows.js';
import { infoMessage, pendingRequestMessage } from '../../blocks/errors.js';
import { code } from '../../blocks/format.js';
import type { Message } from '../../blocks/kit.js';
import { planMessage } from '../../blocks/plan.js';
import { windowNoteAt, type WindowNote } from '../../blocks/windows.js';
import type { UpgradeOptions } from '../../grammar.js';
import type { CommandContext, HandlerDeps } from '../deps.js';
import { ephemeral, WordedRefusal } from '../reply.js';

export function toRequest(ref: UpgradeRequest['ref'], o: UpgradeOptions): UpgradeRequest {
  return {
    ref,
    version: o.version,
    ...(o.releaseVersion !== undefined ? { releaseVersion: o.releaseVersion } : {}),
    ...(o.maxUnavailable !== undefined ? { maxUnavailable: o.maxUnavailable } : {}),
    ...(o.surge !== undefined ? { surge: o.surge } : {}),
    ...(o.strategy !== undefined ? { strategy: o.strategy } : {}),
    ...(o.drainTimeoutMs !== undefined ? { drainTimeoutMs: o.drainTimeoutMs } : {}),
    ...(o.force ? { force: true } : {}),
  };
}

/** A link to a run's plan message, when Slack gives one; the reply does without otherwise. */
async function permalinkOf(ctx: CommandContext, notify: Run['notify']): Promise<string | undefined> {
  const ts = notify?.planTs ?? notify?.threadTs;
  if (!notify?.channel || !ts || !ctx.client.chat.getPermalink) return undefined;
  try {
    return (await ctx.client.chat.getPermalink({ channel: notify.channel, message_ts: ts })).permalink;
  } catch {
    return undefined;
  }
}

async function post(ctx: CommandContext, msg: Message): Promise<string> {
  const res = await ctx.client.chat.postMessage({ channel: ctx.channel.id, text: msg.text, blocks: msg.blocks });
  if (!res.ts) throw new Error('chat.postMessage answered without a ts');
  return res.ts;
}

export async function upgradeCommand(deps: HandlerDeps, ctx: CommandContext, options: UpgradeOptions): Promise<void> {
  const ref = await deps.targets.resolve(options, ctx.channel);
  const log = deps.log.child({ cluster: ref.cluster, nodegroup: ref.nodegroup, user: ctx.user });
  const request = toRequest(ref, options);
  const at = deps.clock.now();
  const windows = deps.windowsFor?.(ref) ?? [];
  const start = windowStart(windows, at);
  // --now matters only where there are windows to run outside of.
  const outside = options.now === true && windows.length > 0;

  if (options.dryRun) {
    const plan = await deps.engine.plan(request);
    const note: WindowNote | undefined = outside ? { kind: 'outside' } : windowNoteAt(windows, at);
    await post(ctx, planMessage({ kind: 'dry-run', plan, requestedBy: ctx.user, ...(note ? { window: { note, now: at } } : {}) }));
    log.info('dry run posted', { toRelease: plan.toRelease });
    return;
  }
  if (!outside && start.kind === 'never') {
    throw new UserError(
      `no maintenance window of ${ref.cluster}/${ref.nodegroup} opens ahead, so an upgrade could never start`,
      'change its windows in the configuration, or add --now to run outside them (it still needs an approval)',
    );
  }
  const notBefore = outside ? undefined : notBeforeFor(start, at);

  let run: Run;
  try {
    run = await deps.engine.requestUpgrade(
      request,
      { user: ctx.user, at, channel: ctx.channel.id },
      { notify: { channel: ctx.channel.id }, ...(notBefore !== undefined ? { notBefore } : {}), ...(outside ? { outsideWindows: true } : {}) },
    );
  } catch (err) {
    if (err instanceof PendingRequestError) throw new WordedRefusal(pendingRequestMessage(err.pending, await permalinkOf(ctx, err.pending.notify)));
    if (!(err instanceof PlanRefusedError)) throw err;
    await post(ctx, planMessage({ kind: 'refused', plan: err.plan, requestedBy: ctx.user }));
    await deps.audit?.({ at, user: ctx.user, action: 'refused-plan', channel: ctx.channel.id, detail: err.message });
    log.info('plan refused', { reason: err.message });
    return;
  }

  if (outside) {
    // The engine's request entry names the versions, not the flags: say who chose to bypass the windows.
    await deps.audit?.({ at, user: ctx.user, action: 'request-now', runId: run.id, channel: ctx.channel.id, detail: `--now: ${ref.cluster}/${ref.nodegroup} runs outside its maintenance windows` });
  }

  let ts: string;
  try {
    ts = await post(ctx, planMessage({ kind: 'run', run, now: deps.clock.now(), windows }));
  } catch (err) {
    // Nobody can see the request, so nobody could approve it: withdraw it rather than let it wait.
    await deps.engine
      .cancel(run.id, { user: 'mngbot', at: deps.clock.now(), channel: ctx.channel.id })
      .catch((e) => log.warn('could not withdraw an unseen request', { runId: run.id, error: errorMessage(e) }));
    throw err;
  }
  deps.reporter.setCoords(run.id, { channel: ctx.channel.id, planTs: ts, threadTs: ts });
  log.info('upgrade requested', { runId: run.id, toRelease: run.plan.toRelease, notBefore, outsideWindows: outside });
  const when =
    start.kind === 'closed' && !outside
      ? ` Once approved it waits for the next maintenance window: ${describeOpening(start.next.opensAt, at, start.timezone)}.`
      : outside
        ? ' Once approved it runs at once, outside the maintenance windows (--now).'
        : '';
  await ephemeral(ctx.respond, infoMessage(`Plan for run ${code(run.id)} posted. It needs an approver: ${deps.approvers.describe()}.${when}`), log);
}
