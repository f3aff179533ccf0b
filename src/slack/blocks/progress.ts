// The live progress message in a run's thread: phase, counts, times, and a line per node. Large
// groups are summarised: nodes in flight and failed in full, the rest counted by state.
import type { NodeRecord, NodeState, Phase, Run } from '../../engine/run.js';
import { HEALTH_GATE, isTerminal, NODE_ORDER } from '../../engine/run.js';
import { timeLeftMs } from '../../engine/estimate.js';
import { code, esc, formatDuration, mrkdwn, NODE_EMOJI, plural, roughly, STATUS_EMOJI, statusWord } from './format.js';
import { context, section, type Block, type Message } from './kit.js';
import { assertWithinLimits, clip, LIMITS, packLines } from './limits.js';
import { controlBlocks } from './run-controls.js';
import { summaryWords } from './words.js';

/** Up to this many nodes, every node has its line; above, only those in flight and failed. */
export const FULL_LIST_MAX = 40;
/** Twelve full sections is about 36,000 characters: enough for 100 nodes in flight, still readable. */
const MAX_NODE_SECTIONS = 12;
const SECTION_MAX = LIMITS.sectionText - 40;

export const PHASE_WORDS: Record<Phase, string> = {
  pending: 'waiting to start',
  prepare: 'preparing: recording the group as it is',
  surge: 'surging: adding new nodes',
  'await-new-nodes': 'waiting for the new nodes to be Ready',
  taint: 'tainting the old nodes',
  replace: 'draining and replacing the old nodes',
  'scale-back': 'scaling back to the original size',
  finish: 'restoring the group settings',
  cleanup: 'cleaning up',
  done: 'done',
};

const IN_FLIGHT: readonly NodeState[] = ['evicting', 'evicted', 'cordoned', 'terminating'];

export interface NodeCounts {
  /** Old nodes: the ones the run replaces. */
  total: number;
  replaced: number;
  inFlight: number;
  waiting: number;
  failed: number;
  /** Skipped by a person's choice. */
  skipped: number;
  /** Left on the old image because the run ended before it got to them. */
  notReplaced: number;
  /** New nodes removed again to bring the group back to its size. */
  surplus: number;
  surplusRemoved: number;
}

export function countNodes(run: Run): NodeCounts {
  const c: NodeCounts = { total: 0, replaced: 0, inFlight: 0, waiting: 0, failed: 0, skipped: 0, notReplaced: 0, surplus: 0, surplusRemoved: 0 };
  for (const n of run.nodes) {
    if (n.role === 'surplus') {
      c.surplus++;
      if (n.state === 'terminated') c.surplusRemoved++;
      continue;
    }
    c.total++;
    if (n.state === 'terminated') c.replaced++;
    else if (IN_FLIGHT.includes(n.state)) c.inFlight++;
    else if (n.state === 'failed') c.failed++;
    else if (n.state === 'skipped' && n.skippedBy) c.skipped++;
    else if (n.state === 'skipped') c.notReplaced++;
    else c.waiting++;
  }
  return c;
}

/** Estimated time left, or undefined when there is nothing sensible to say (engine/estimate.ts: it does not jump up but for a blocked drain). */
export function remainingMs(run: Run, now: number): number | undefined {
  const left = timeLeftMs(run, now);
  // Past the estimate: the line says so rather than "about 0s left".
  return left === undefined || left <= 0 ? undefined : left;
}

const ENDS: readonly NodeState[] = ['terminated', 'failed', 'skipped'];

/**
 * "tainted 2s → evicting 41s → evicted → cordoned 1m…": every step the node went through, in order,
 * with how long it took (none for a step that took no time), the current one still counting.
 */
export function stepTimes(rec: NodeRecord, now: number): string {
  return stepParts(rec, now).join(' → ');
}

function stepParts(rec: NodeRecord, now: number): string[] {
  const steps = (Object.entries(rec.at) as [NodeState, number][]).filter(([s]) => s !== 'waiting').sort((a, b) => a[1] - b[1]);
  const parts: string[] = [];
  steps.forEach(([state, at], i) => {
    if (ENDS.includes(state)) return;
    const end = steps[i + 1]?.[1];
    if (end === undefined) parts.push(`${state} ${formatDuration(now - at)}…`);
    else parts.push(end - at < 1000 ? state : `${state} ${formatDuration(end - at)}`);
  });
  return parts;
}

/** A node's state as its line says it: a person's Skip is "skipped"; a node the run never replaced is not. */
function stateWords(rec: NodeRecord): string {
  if (rec.state === 'evicting') return rec.podsToEvict !== undefined ? `evicting ${rec.evicted}/${plural(rec.podsToEvict, 'pod')}` : 'evicting';
  if (rec.state === 'evicted' && rec.podsToEvict !== undefined) return `evicted ${plural(rec.podsToEvict, 'pod')}`;
  if (rec.state === 'skipped' && !rec.skippedBy) return 'not replaced';
  return rec.state;
}

export function nodeLine(rec: NodeRecord, now: number): string {
  const words = stateWords(rec);
  const parts = stepParts(rec, now);
  const current = parts.length - 1;
  // When the chain ends with the current step and the state has nothing to add, it is said there, once.
  const inChain = words === rec.state && current >= 0 && parts[current].endsWith('…');
  if (inChain) parts[current] = `*${parts[current]}*`;
  const state = inChain ? '' : ` · *${words}*`;
  const times = parts.join(' → ');
  const extra = [
    rec.role === 'surplus' ? 'surplus new node' : '',
    rec.forced ? `${rec.forced} deleted by force` : '',
    rec.note ? mrkdwn(clip(rec.note, 200)) : '',
  ].filter(Boolean);
  return `${NODE_EMOJI[rec.state]} ${code(rec.name)} ${esc(rec.az)}${state}${times ? ` · ${times}` : ''}${extra.length ? ` · _${extra.join('; ')}_` : ''}`;
}

export interface ProgressOptions {
  /** Recent warnings worth a line (newest last). */
  warnings?: string[];
  /** Pause, Resume and Cancel for the run as it is (the live message in the thread); off by default. */
  controls?: boolean;
}

/** Marks a run's progress message, so a restarted bot that lost its ts can find it in the thread. */
export const progressBlockId = (runId: string) => `mng-progress-${runId}`;

export function progressMessage(run: Run, now: number, opts: ProgressOptions = {}): Message {
  const end = run.finishedAt ?? now;
  const c = countNodes(run);
  const blocks: Block[] = [];
  const title = `${run.ref.cluster}/${run.ref.nodegroup} ${run.plan.fromVersion} → ${run.plan.toVersion}`;
  blocks.push(
    section(
      clip(
        `${STATUS_EMOJI[run.status]} *${esc(title)}* · run ${code(run.id)} · *${statusWord(run.status)}*\n` +
          `Phase: *${esc(run.phase)}*${run.phase === 'done' ? '' : `, ${PHASE_WORDS[run.phase]}`}${run.phaseSince && !isTerminal(run.status) ? ` (for ${formatDuration(Math.max(0, end - run.phaseSince))})` : ''}`,
        SECTION_MAX,
      ),
      progressBlockId(run.id),
    ),
  );

  const left = remainingMs(run, now);
  const newReady = run.newNodes.filter((n) => n.state === 'ready').length;
  const counts =
    `Replaced *${c.replaced}*/${c.total} · in flight *${c.inFlight}* · waiting *${c.waiting}*` +
    (c.failed ? ` · failed *${c.failed}*` : '') +
    (c.skipped ? ` · skipped *${c.skipped}*` : '') +
    (c.notReplaced ? ` · not replaced *${c.notReplaced}*` : '') +
    (run.newNodes.length ? `\nNew nodes: ${newReady}/${run.newNodes.length} ready` : '') +
    (c.surplus ? ` · surplus removed ${c.surplusRemoved}/${c.surplus}` : '') +
    `\nElapsed ${run.startedAt ? formatDuration(Math.max(0, end - run.startedAt)) : '0s'}` +
    (left !== undefined ? ` · ${roughly(left)} left` : run.status === 'running' && run.startedAt ? ` · past the estimate of ${roughly(run.plan.estimatedMs).replace('about ', '')}` : '') +
    ` · ${plural(run.counters.podsEvicted, 'pod')} evicted` +
    (run.counters.forcedDeletions ? ` · ${run.counters.forcedDeletions} deleted by force` : '');
  blocks.push(section(counts));

  const full = run.nodes.length <= FULL_LIST_MAX;
  const shown = full ? run.nodes : run.nodes.filter((n) => IN_FLIGHT.includes(n.state) || n.state === 'failed');
  const ordered = full ? shown : [...shown].sort((a, b) => (a.state === 'failed' ? 1 : 0) - (b.state === 'failed' ? 1 : 0));
  const { chunks, left: notShown } = packLines(
    ordered.map((n) => nodeLine(n, now)),
    SECTION_MAX,
    MAX_NODE_SECTIONS,
  );
  for (const ch of chunks) blocks.push(section(ch));
  if (!full || notShown > 0) {
    const counted = new Map<NodeState, number>();
    const listed = new Set(ordered.slice(0, ordered.length - notShown).map((n) => n.name));
    for (const n of run.nodes) if (!listed.has(n.name)) counted.set(n.state, (counted.get(n.state) ?? 0) + 1);
    const parts = [...NODE_ORDER, 'failed' as const, 'skipped' as const]
      .filter((s) => counted.has(s))
      .map((s) => `${NODE_EMOJI[s]} ${s} ${counted.get(s)}`);
    if (parts.length) blocks.push(context(clip(`${full ? 'Not listed' : 'Other nodes'}: ${parts.join(' · ')}`, LIMITS.contextText)));
  }

  const gate = run.plan.gate && run.gate;
  if (gate && gate.canary.length > 0 && gate.passedAt === undefined && !isTerminal(run.status) && !run.decision) {
    const bakedAt = gate.readyAt !== undefined ? gate.readyAt + run.plan.gate!.bakeMs : undefined;
    blocks.push(
      context(
        clip(
          bakedAt !== undefined
            ? `:hourglass_flowing_sand: Health gate: the canary's pods run Ready on new nodes; the next drain waits ${formatDuration(Math.max(0, bakedAt - now))} more while they bake.`
            : `:vertical_traffic_light: Health gate: the next drain waits until the canary (${gate.canary.map(code).join(', ')}) has drained and its pods run Ready on new nodes.`,
          LIMITS.contextText,
        ),
      ),
    );
  }
  if (run.decision && run.status === 'needs-decision') {
    const on = run.decision.node === HEALTH_GATE ? 'at the *health gate*' : `on ${code(run.decision.node)}`;
    blocks.push(section(`:raising_hand: *Waiting for a decision* ${on} since ${formatDuration(Math.max(0, now - run.decision.since))}: see the reply below.`));
  }
  const warnings = (opts.warnings ?? []).slice(-3);
  if (warnings.length) blocks.push(context(...warnings.map((w) => clip(`:warning: ${mrkdwn(w)}`, 500))));
  if (isTerminal(run.status) && run.outcome) blocks.push(section(clip(`*Outcome:* ${mrkdwn(summaryWords(run.outcome))}`, SECTION_MAX)));
  if (opts.controls) blocks.push(...controlBlocks(run));

  const text = `${title}: ${statusWord(run.status)}, ${run.phase}; replaced ${c.replaced}/${c.total}, in flight ${c.inFlight}, waiting ${c.waiting}`;
  return assertWithinLimits({ text, blocks });
}
