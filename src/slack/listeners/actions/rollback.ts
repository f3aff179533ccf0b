// Roll back (action run_rollback, value: the run id), from a finished run's summary or the health
// gate's pause message, and /mng rollback RUN-ID: approvers only (the use case checks and audits). The
// rollback's plan is posted in the channel like any upgrade's, to be approved; a run still under way
// is cancelled first, and the person who asked is told while that happens.
import type { RollbackOutcome } from '../../../app/rollback.js';
import type { UpgradeOutcome } from '../../../app/request-upgrade.js';
import { infoMessage } from '../../blocks/errors.js';
import { code } from '../../blocks/format.js';
import type { ChatApi } from '../../progress.js';
import { showUpgrade, wordPending } from '../commands/upgrade.js';
import type { ActionArgs, HandlerDeps, Respond } from '../deps.js';
import { ephemeral, replyError } from '../reply.js';
import { channelOf } from './approve.js';

export async function rollbackAction(deps: HandlerDeps, args: ActionArgs): Promise<void> {
  await args.ack();
  const runId = args.action.value ?? '';
  const user = args.body.user.id;
  const log = deps.log.child({ runId, user, action: 'rollback' });
  try {
    const channel = channelOf(args).channel ?? (await deps.app.engine.get(runId))?.notify?.channel;
    if (!channel) throw new Error(`no channel to post the rollback of ${runId} in`);
    await rollBack(deps, { runId, user, channel: { id: channel }, respond: args.respond, client: args.client });
  } catch (err) {
    await replyError(log, args.respond, err);
  }
}

export interface RollbackContext {
  runId: string;
  user: string;
  channel: { id: string; name?: string };
  respond: Respond;
  client: ChatApi;
}

/** Asks the application for the rollback and posts its plan (or why it cannot be approved) in the channel. */
export async function rollBack(deps: HandlerDeps, ctx: RollbackContext): Promise<void> {
  const { app } = deps;
  const outcome = await app
    .rollback(ctx.runId, app.actor(ctx.user, ctx.channel.id), {
      channel: ctx.channel,
      notify: { channel: ctx.channel.id },
      onStopping: (run) =>
        ephemeral(
          ctx.respond,
          infoMessage(`Run ${code(run.id)} is still under way: cancelling it first. It stops at a safe point and puts back what it changed; the rollback's plan follows here once it has stopped.`),
          deps.log,
        ),
    })
    .catch((err: unknown) => wordPending(ctx.client, err, app.clock.pace));
  const said = await showUpgrade(deps, ctx.client, ctx.channel.id, ctx.user, asUpgradeOutcome(outcome, app.clock.now()));
  if (said) await ephemeral(ctx.respond, infoMessage(said), deps.log);
}

/** A rollback is posted as any upgrade is; it runs at once once approved (no window to wait for). */
function asUpgradeOutcome(o: RollbackOutcome, at: number): UpgradeOutcome {
  if (o.kind === 'refused') return { kind: 'refused', plan: o.plan, reason: o.reason, ...(o.hint ? { hint: o.hint } : {}) };
  return { kind: 'requested', run: o.run, windows: [], start: { kind: 'none' }, outside: false, at };
}
