// Force, Skip node, Abort on a blocked drain, Continue and Abort at the health gate: approvers only (the engine checks and records it). The
// reply's buttons give way to who chose what.
import { UserError } from '../../../engine/errors.js';
import { HEALTH_GATE, type DecisionChoice } from '../../../engine/run.js';
import { gateMessage } from '../../blocks/gate.js';
import { ACTION_DECIDE_PREFIX, blockedMessage, decodeDecision } from '../../blocks/thread.js';
import type { ActionArgs, HandlerDeps } from '../deps.js';
import { replyError } from '../reply.js';
import { channelOf } from './approve.js';

const CHOICES: readonly DecisionChoice[] = ['force', 'skip', 'abort', 'continue'];

export async function decideAction(deps: HandlerDeps, args: ActionArgs): Promise<void> {
  await args.ack();
  const user = args.body.user.id;
  const choice = args.action.action_id.slice(ACTION_DECIDE_PREFIX.length) as DecisionChoice;
  const value = decodeDecision(args.action.value);
  const log = deps.log.child({ runId: value?.runId, node: value?.node, user, action: choice });
  try {
    if (!value || !CHOICES.includes(choice)) throw new UserError('this button does not name a run and a node');
    const run = await deps.app.decide(value.runId, value.node, choice, deps.app.actor(user, channelOf(args).channel));
    log.info('decided');
    const channel = channelOf(args).channel;
    const ts = args.body.message?.ts ?? args.body.container?.message_ts;
    if (channel && ts) {
      const question = value.node === HEALTH_GATE ? run.decision?.gate : undefined;
      const msg = question
        ? gateMessage({ runId: value.runId, report: question, fromRelease: run.plan.fromRelease, decided: { choice, by: user } })
        : blockedMessage({
            runId: value.runId,
            node: value.node,
            blockers: run.decision?.node === value.node ? run.decision.blockers : [],
            drainTimeoutMs: run.plan.drainTimeoutMs,
            decided: { choice, by: user },
          });
      await args.client.chat.update({ channel, ts, text: msg.text, blocks: msg.blocks }).catch((err: unknown) => log.warn('could not update the question', { error: String(err) }));
    }
  } catch (err) {
    await replyError(log, args.respond, err);
  }
}
