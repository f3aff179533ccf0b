// The health gate's question in the thread: what failed on the new nodes (pods, their containers' last
// state and reason, nodes NotReady), with Continue, Roll back and Abort. Roll back is the rollback
// use case's own button (action run_rollback, value the run id); the others answer through decide.
import { gateStopText, notBlamedText, unhealthyPodText } from '../../engine/gate-text.js';
import { HEALTH_GATE, type DecisionChoice, type GateReport } from '../../engine/run.js';
import { code, esc, mrkdwn, plural, who } from './format.js';
import { actions, button, context, section, type Block, type Message } from './kit.js';
import { assertWithinLimits, clip, LIMITS, packLines } from './limits.js';
import { DECIDE_ACTIONS, DECISION_WORDS, encodeDecision } from './thread.js';

/** The rollback use case's button: its listener takes the run id as the value. */
export const ROLLBACK_ACTION = 'run_rollback';

export interface GateView {
  runId: string;
  report: GateReport;
  /** The release the replaced nodes would go back to. */
  fromRelease: string;
  /** Set once someone decided: the buttons give way to who chose what. */
  decided?: { choice: DecisionChoice; by: string };
}

const SECTION_MAX = LIMITS.sectionText - 40;

export function gateMessage(v: GateView): Message {
  const r = v.report;
  const lines = [
    ...r.nodes.map((n) => `• ${code(n)}: NotReady`),
    ...r.pods.map((p) => {
      const [name, ...rest] = unhealthyPodText(p).split(': ');
      return `• ${code(name.replace(/ on .*$/, ''))} on ${code(p.node)}: ${esc(rest.join(': '))}`;
    }),
  ];
  const { chunks, left } = packLines(lines, SECTION_MAX, 2);
  const blocks: Block[] = [section(clip(`:rotating_light: ${mrkdwn(gateStopText(r))}.`, SECTION_MAX)), ...chunks.map((c) => section(c))];
  const more = left + (r.morePods ?? 0) + (r.moreNodes ?? 0);
  if (more > 0) blocks.push(context(`…and ${plural(more, 'more')}.`));
  const notBlamed = notBlamedText(r);
  if (notBlamed) blocks.push(context(clip(mrkdwn(notBlamed), 2000)));
  if (v.decided) {
    blocks.push(section(`${who(v.decided.by)} chose *${DECISION_WORDS[v.decided.choice]}*.`));
  } else {
    const value = encodeDecision({ runId: v.runId, node: HEALTH_GATE });
    blocks.push(
      actions(
        'health-gate',
        button(DECIDE_ACTIONS.continue, 'Continue', value, {
          confirm: {
            title: 'Carry on with the upgrade?',
            text: 'The pods and nodes named here are accepted; mngbot drains the next node and keeps watching before every drain.',
            confirm: 'Continue',
          },
        }),
        button(ROLLBACK_ACTION, 'Roll back', v.runId, {
          style: 'danger',
          confirm: {
            title: 'Roll back?',
            text: clip(`The upgrade stops here, and the nodes already replaced go back to ${esc(v.fromRelease)} in a rollback run.`, LIMITS.confirmText),
            confirm: 'Roll back',
          },
        }),
        button(DECIDE_ACTIONS.abort, 'Abort', value, {
          style: 'danger',
          confirm: { title: 'Abort the upgrade?', text: 'mngbot stops and puts back what it changed; nodes already replaced stay replaced.', confirm: 'Abort' },
        }),
      ),
    );
    blocks.push(context('Continue: drain the next node, still watching · Roll back: stop and put the replaced nodes back on the old release · Abort: stop and restore, replaced nodes stay · approvers only'));
  }
  return assertWithinLimits({ text: gateStopText(r), blocks });
}
