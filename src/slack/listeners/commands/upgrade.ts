// /mng upgrade nodegroup …: plan, post the plan in the channel with Approve and Reject, and remember
// where it is. --dry-run posts the plan without buttons; a plan with blocking findings is posted
// without them too, saying why.
import { PlanRefusedError } from '../../../engine/commands.js';
import type { Run, UpgradeRequest } from '../../../engine/run.js';
import { errorMessage } from '../../../engine/errors.js';
import { infoMessage } from '../../blocks/errors.js';
import { code } from '../../blocks/format.js';
import type { Message } from '../../blocks/kit.js';
import { planMessage } from '../../blocks/plan.js';
import type { UpgradeOptions } from '../../grammar.js';
import type { CommandContext, HandlerDeps } from '../deps.js';
import { ephemeral } from '../reply.js';

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

  if (options.dryRun) {
    const plan = await deps.engine.plan(request);
    await post(ctx, planMessage({ kind: 'dry-run', plan, requestedBy: ctx.user }));
    log.info('dry run posted', { toRelease: plan.toRelease });
    return;
  }

  let run: Run;
  try {
    run = await deps.engine.requestUpgrade(request, { user: ctx.user, at, channel: ctx.channel.id }, { notify: { channel: ctx.channel.id } });
  } catch (err) {
    if (!(err instanceof PlanRefusedError)) throw err;
    await post(ctx, planMessage({ kind: 'refused', plan: err.plan, requestedBy: ctx.user, reason: err.message, ...(err.hint ? { hint: err.hint } : {}) }));
    await deps.audit?.({ at, user: ctx.user, action: 'refused-plan', channel: ctx.channel.id, detail: err.message });
    log.info('plan refused', { reason: err.message });
    return;
  }

  let ts: string;
  try {
    ts = await post(ctx, planMessage({ kind: 'run', run, now: deps.clock.now() }));
  } catch (err) {
    // Nobody can see the request, so nobody could approve it: withdraw it rather than let it wait.
    await deps.engine.cancel(run.id, { user: 'mngbot', at: deps.clock.now() }).catch((e) => log.warn('could not withdraw an unseen request', { runId: run.id, error: errorMessage(e) }));
    throw err;
  }
  deps.reporter.setCoords(run.id, { channel: ctx.channel.id, planTs: ts, threadTs: ts });
  log.info('upgrade requested', { runId: run.id, toRelease: run.plan.toRelease });
  await ephemeral(ctx.respond, infoMessage(`Plan for run ${code(run.id)} posted. It needs an approver: ${deps.approvers.describe()}.`), log);
}
