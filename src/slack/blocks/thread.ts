// Thread replies for what needs a person or deserves a record: a blocked drain (with Force, Skip
// node and Abort), a decision taken, a failed node, a restart, and the run's end.
import type { Sizes } from '../../engine/ports.js';
import { HEALTH_GATE, type Blocker, type DecisionChoice, type Run } from '../../engine/run.js';
import { code, esc, formatDuration, mentions, mrkdwn, plural, STATUS_EMOJI, statusWord, who } from './format.js';
import { actions, button, context, section, type Block, type Message } from './kit.js';
import { assertWithinLimits, clip, LIMITS, packLines } from './limits.js';
import { rollbackActions } from './rollback.js';
import { summaryWords } from './words.js';
import { gateOutcomeText } from '../../engine/gate-text.js';

export const ACTION_DECIDE_PREFIX = 'mng_decide_';
/** Roll back has its own action (the rollback use case's, blocks/gate.ts), not one of these. */
export const DECIDE_ACTIONS: Record<Exclude<DecisionChoice, 'rollback'>, string> = {
  force: `${ACTION_DECIDE_PREFIX}force`,
  skip: `${ACTION_DECIDE_PREFIX}skip`,
  abort: `${ACTION_DECIDE_PREFIX}abort`,
  continue: `${ACTION_DECIDE_PREFIX}continue`,
};

/** What a decision button carries: the run and the node the question is about. */
export interface DecisionValue {
  runId: string;
  node: string;
}

export function encodeDecision(v: DecisionValue): string {
  return JSON.stringify({ r: v.runId, n: v.node });
}

export function decodeDecision(value: unknown): DecisionValue | undefined {
  if (typeof value !== 'string' || value.length > LIMITS.buttonValue) return undefined;
  try {
    const o = JSON.parse(value) as { r?: unknown; n?: unknown };
    if (typeof o.r === 'string' && typeof o.n === 'string' && o.r && o.n) return { runId: o.r, node: o.n };
  } catch {
    // not ours
  }
  return undefined;
}

const SECTION_MAX = LIMITS.sectionText - 40;

function blockerLines(blockers: Blocker[]): { text: string; more: number } {
  const lines = blockers.map((b) => `• ${code(b.pod)}${b.pdb ? ` (PDB ${code(b.pdb)})` : ''}: ${esc(clip(b.reason, 300))}`);
  const { chunks, left } = packLines(lines, SECTION_MAX, 1);
  return { text: chunks[0] ?? '_no pods named_', more: left };
}

export interface BlockedView {
  runId: string;
  node: string;
  blockers: Blocker[];
  drainTimeoutMs: number;
  /** Set once someone decided: the buttons give way to who chose what. */
  decided?: { choice: DecisionChoice; by: string };
}

export function blockedMessage(v: BlockedView): Message {
  const pdbs = [...new Set(v.blockers.map((b) => b.pdb).filter((p): p is string => !!p))];
  const { text: podText, more } = blockerLines(v.blockers);
  const blocks: Block[] = [
    section(
      clip(
        `:warning: *Drain of ${code(v.node)} blocked* for over ${formatDuration(v.drainTimeoutMs)} by ${plural(v.blockers.length, 'pod')}` +
          (pdbs.length ? ` and ${plural(pdbs.length, 'PodDisruptionBudget')} (${pdbs.slice(0, 10).map(code).join(', ')}${pdbs.length > 10 ? ', …' : ''})` : '') +
          '.',
        SECTION_MAX,
      ),
    ),
    section(podText),
  ];
  if (more > 0) blocks.push(context(`…and ${plural(more, 'more pod')}.`));
  if (v.decided) {
    blocks.push(section(`${who(v.decided.by)} chose *${DECISION_WORDS[v.decided.choice]}*.`));
  } else {
    const value = encodeDecision({ runId: v.runId, node: v.node });
    blocks.push(
      actions(
        `blocked:${v.node}`.slice(0, LIMITS.blockId),
        button(DECIDE_ACTIONS.force, 'Force', value, {
          style: 'danger',
          confirm: {
            title: 'Delete these pods by force?',
            text: clip(`The pods left on ${esc(v.node)} are deleted regardless of their PodDisruptionBudgets; their apps may lose availability.`, LIMITS.confirmText),
            confirm: 'Force',
          },
        }),
        button(DECIDE_ACTIONS.skip, 'Skip node', value),
        button(DECIDE_ACTIONS.abort, 'Abort', value, {
          style: 'danger',
          confirm: { title: 'Abort the upgrade?', text: 'mngbot stops and puts back what it changed; nodes already replaced stay replaced.', confirm: 'Abort' },
        }),
      ),
    );
    blocks.push(context('Force: delete the remaining pods regardless of PDBs · Skip node: leave it on the old image · Abort: stop and restore · approvers only'));
  }
  return assertWithinLimits({ text: `Drain of ${v.node} is blocked: a decision is needed`, blocks });
}

export const DECISION_WORDS: Record<DecisionChoice | 'cancel' | 'pause' | 'resume', string> = {
  force: 'force',
  skip: 'skip the node',
  abort: 'abort',
  continue: 'continue',
  rollback: 'roll back',
  cancel: 'cancel',
  pause: 'pause',
  resume: 'resume',
};

export function decisionMessage(e: { choice: DecisionChoice | 'cancel' | 'pause' | 'resume'; by: string; node?: string; detail: string }): Message {
  const text = `${who(e.by)} chose *${DECISION_WORDS[e.choice]}*${e.node === HEALTH_GATE ? ' at the health gate' : e.node ? ` for ${code(e.node)}` : ''}.`;
  return assertWithinLimits({ text: mentions(e.detail || `${e.by} chose ${e.choice}`), blocks: [context(text)] });
}

export function nodeFailedMessage(e: { node: string; detail: string }, note?: string): Message {
  const text = `:x: *${code(e.node)} failed*: ${mrkdwn(clip(e.detail, 1500))}${note ? `\n_${mrkdwn(clip(note, 500))}_` : ''}`;
  return assertWithinLimits({ text: `${e.node} failed: ${clip(e.detail, 200)}`, blocks: [section(clip(text, SECTION_MAX))] });
}

export function noticeMessage(icon: string, text: string): Message {
  return assertWithinLimits({ text: mentions(clip(text, 500)), blocks: [section(clip(`${icon} ${mrkdwn(text)}`, SECTION_MAX))] });
}

/** The sizes the run left the group at, said against the record it took before its first change. */
function groupSize(run: Run): string {
  const was = run.original?.sizes;
  if (!was) return 'unchanged';
  const s = (x: Sizes) => `${x.min}/${x.max}/${x.desired}`;
  const left = run.outcome?.sizes;
  // A run ended before outcomes carried sizes: only the record is known.
  if (!left) return `${s(was)} before the run`;
  if (s(left) !== s(was)) return `${s(left)}, not ${s(was)} as recorded`;
  return `${s(left)}, ${run.status === 'succeeded' || run.status === 'nothing-replaced' ? 'restored' : 'as recorded'}`;
}

/** The run's last reply: how it ended, what it did, what it left as it was. */
export function summaryMessage(run: Run): Message {
  const old = run.nodes.filter((n) => n.role === 'old');
  const replaced = old.filter((n) => n.state === 'terminated').length;
  const took = run.startedAt && run.finishedAt ? formatDuration(run.finishedAt - run.startedAt) : undefined;
  const blocks: Block[] = [
    section(clip(`${STATUS_EMOJI[run.status]} *${run.plan.rollback ? 'Rollback' : 'Upgrade'} ${statusWord(run.status)}*: ${mrkdwn(run.outcome ? summaryWords(run.outcome) : statusWord(run.status))}`, SECTION_MAX)),
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Duration*\n${took ?? '–'}` },
        { type: 'mrkdwn', text: `*Nodes replaced*\n${replaced}/${old.length}` },
        { type: 'mrkdwn', text: `*Pods evicted*\n${run.counters.podsEvicted}${run.counters.forcedDeletions ? ` (+${run.counters.forcedDeletions} by force)` : ''}` },
        { type: 'mrkdwn', text: `*Group size* (min/max/desired)\n${groupSize(run)}` },
      ],
    },
  ];
  const gate = run.outcome?.gate;
  if (gate) blocks.push(context(clip(`:vertical_traffic_light: Health gate: ${mrkdwn(gateOutcomeText(gate, formatDuration))}`, LIMITS.contextText)));
  const changes = run.outcome?.changes ?? [];
  if (changes.length) {
    const { chunks, left } = packLines(
      changes.map((c) => `• ${mrkdwn(c)}`),
      SECTION_MAX,
      2,
    );
    blocks.push(section(`*${run.status === 'succeeded' ? 'Worth knowing' : 'Where it left the group'}:*`));
    for (const ch of chunks) blocks.push(section(ch));
    if (left) blocks.push(context(`…and ${left} more.`));
  }
  blocks.push(...rollbackActions(run));
  return assertWithinLimits({ text: `${run.plan.rollback ? 'Rollback' : 'Upgrade'} of ${run.ref.cluster}/${run.ref.nodegroup} ${statusWord(run.status)}`, blocks });
}
