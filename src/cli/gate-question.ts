// The health gate's question at the terminal: what failed on the new nodes, then continue, roll back
// or abort. --decide answers it when it is one of those; a blocked drain's answer (force, skip) is no
// answer here, so the run is aborted, as with no terminal to ask.
import { gateStopText, notBlamedText, unhealthyPodText } from '../engine/gate-text.js';
import { GATE_CHOICES, type DecisionChoice, type GateReport } from '../engine/run.js';
import type { CliIo } from './io.js';

/** What the gate found, as lines for a terminal. */
export function gateReportLines(r: GateReport): string[] {
  const notBlamed = notBlamedText(r);
  return [
    `${gateStopText(r)}.`,
    ...r.nodes.map((n) => `  ${n}: NotReady`),
    ...r.pods.map((p) => `  ${unhealthyPodText(p)}`),
    ...((r.morePods ?? 0) + (r.moreNodes ?? 0) > 0 ? [`  …and ${(r.morePods ?? 0) + (r.moreNodes ?? 0)} more`] : []),
    ...(notBlamed ? [`${notBlamed}.`] : []),
  ];
}

export async function gateQuestion(r: GateReport, args: { decide?: DecisionChoice }, io: CliIo): Promise<DecisionChoice | undefined> {
  const what = gateReportLines(r).join('\n');
  if (args.decide && GATE_CHOICES.includes(args.decide)) {
    io.err(`mngbot: ${what}\n--decide ${args.decide}`);
    return args.decide;
  }
  if (args.decide || !io.interactive) {
    io.err(
      `mngbot: ${what}\n` +
        (args.decide ? `--decide ${args.decide} answers blocked drains, not the health gate` : 'Nobody can be asked (stdin is not a terminal)') +
        ', so the run is aborted and what it changed is put back. Use --decide continue|rollback|abort to answer the health gate without asking.',
    );
    return 'abort';
  }
  for (;;) {
    const answer = await io.ask(
      `\n${what}\n  continue: accept these, drain the next node and keep watching\n  rollback: stop here; roll the replaced nodes back with a rollback run\n  abort:    stop and put back what the run changed (replaced nodes stay)\ncontinue, rollback or abort? [c/r/a] `,
    );
    if (answer === undefined) return undefined;
    const a = answer.trim().toLowerCase();
    if (a === 'c' || a === 'continue') return 'continue';
    if (a === 'r' || a === 'rollback' || a === 'roll back') return 'rollback';
    if (a === 'a' || a === 'abort') return 'abort';
    io.err(`"${answer.trim()}" is none of continue, rollback, abort`);
  }
}
