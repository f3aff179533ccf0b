// /mng history [nodegroup]: past upgrades, newest first — who asked, who decided, how it ended.
import { isActive, type Run } from '../../engine/run.js';
import { code, esc, formatDuration, mrkdwn, shownDate, STATUS_EMOJI, statusWord, who } from './format.js';
import { context, header, section, type Block, type Message } from './kit.js';
import { assertWithinLimits, clip, LIMITS, MAX_LIST_SECTIONS as MAX_SECTIONS, packLines } from './limits.js';
import { summaryWords } from './words.js';

/** Runs shown at most; older ones are counted. */
export const HISTORY_MAX = 50;

/** `pace`: the clock's (Clock.pace), when it is a paced simulated world's. */
export function historyLine(run: Run, pace?: number): string {
  const decided = run.decidedBy ? ` · ${run.decidedBy.decision} by ${who(run.decidedBy.user)}` : '';
  const took = run.startedAt && run.finishedAt ? ` · took ${formatDuration(run.finishedAt - run.startedAt)}` : '';
  const flags = [run.plan.rollback ? `rollback of ${code(run.plan.rollback.runId)}` : '', run.plan.force ? 'forced' : '', run.outsideWindows ? `outside the windows${run.plan.rollback ? '' : ' (--now)'}` : ''].filter(Boolean);
  const summary = run.outcome?.summary ? `\n      _${mrkdwn(clip(summaryWords(run.outcome), 200))}_` : '';
  return (
    `${STATUS_EMOJI[run.status]} ${code(run.id)} ${esc(run.ref.cluster)}/${esc(run.ref.nodegroup)} ` +
    `${esc(run.plan.fromVersion)} → ${esc(run.plan.toVersion)} (${esc(run.plan.toRelease)}) · *${statusWord(run.status)}*` +
    ` · ${shownDate(run.createdAt, pace)} · asked by ${who(run.requestedBy.user)}${decided}${took}${flags.length ? ` · ${flags.join(', ')}` : ''}${summary}`
  );
}

export function historyMessage(runs: Run[], filter: { cluster?: string; nodegroup?: string } = {}, opts: { pace?: number } = {}): Message {
  const what = filter.nodegroup ? `${filter.cluster ? `${filter.cluster}/` : ''}${filter.nodegroup}` : undefined;
  const blocks: Block[] = [header(clip(what ? `History of ${what}` : 'Upgrade history', LIMITS.headerText))];
  if (runs.length === 0) {
    blocks.push(section(what ? `No upgrades of ${code(what)} yet.` : 'No upgrades yet.'));
    return assertWithinLimits({ text: what ? `No upgrades of ${what} yet` : 'No upgrades yet', blocks });
  }
  const shown = runs.slice(0, HISTORY_MAX);
  const { chunks, left } = packLines(
    shown.map((r) => historyLine(r, opts.pace)),
    LIMITS.sectionText - 40,
    MAX_SECTIONS,
  );
  for (const c of chunks) blocks.push(section(c));
  const more = left + (runs.length - shown.length);
  if (more > 0) blocks.push(context(`…and ${more} older.`));
  const active = runs.filter((r) => isActive(r.status) || r.status === 'awaiting-approval').length;
  blocks.push(context(`Details of one: \`/mng status RUN-ID\`${active ? ` · ${active} still running or waiting` : ''}`));
  return assertWithinLimits({ text: `${runs.length} upgrade${runs.length === 1 ? '' : 's'}${what ? ` of ${what}` : ''}`, blocks });
}
