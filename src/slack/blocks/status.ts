// /mng status: the running and recent upgrades, or one run in detail.
import type { Run } from '../../engine/run.js';
import { isActive } from '../../engine/run.js';
import { code, esc, formatDuration, mrkdwn, STATUS_EMOJI, statusWord, who } from './format.js';
import { context, header, section, type Block, type Message } from './kit.js';
import { assertWithinLimits, clip, LIMITS, packLines } from './limits.js';
import { countNodes, progressMessage } from './progress.js';

const RECENT = 10;

function runLine(run: Run, now: number): string {
  const c = countNodes(run);
  const when = run.finishedAt
    ? `ended ${formatDuration(Math.max(0, now - run.finishedAt))} ago`
    : run.startedAt
      ? `started ${formatDuration(Math.max(0, now - run.startedAt))} ago`
      : `asked ${formatDuration(Math.max(0, now - run.createdAt))} ago`;
  return (
    `${STATUS_EMOJI[run.status]} ${code(run.id)} ${esc(run.ref.cluster)}/${esc(run.ref.nodegroup)} ` +
    `${esc(run.plan.fromVersion)} → ${esc(run.plan.toVersion)} · *${statusWord(run.status)}*` +
    (run.status !== 'awaiting-approval' && run.startedAt ? ` · ${run.phase} · ${c.replaced}/${c.total} replaced` : '') +
    ` · ${when} · by ${who(run.requestedBy.user)}`
  );
}

export function statusListMessage(runs: Run[], now: number): Message {
  const active = runs.filter((r) => isActive(r.status) || r.status === 'awaiting-approval');
  const recent = runs.filter((r) => !active.includes(r)).slice(0, RECENT);
  const blocks: Block[] = [header('Upgrades')];
  const add = (title: string, list: Run[], empty: string) => {
    if (list.length === 0) {
      blocks.push(section(`*${title}*\n_${empty}_`));
      return;
    }
    const { chunks, left } = packLines([`*${title}*`, ...list.map((r) => runLine(r, now))], LIMITS.sectionText - 40, 10);
    for (const ch of chunks) blocks.push(section(ch));
    if (left) blocks.push(context(`…and ${left} more`));
  };
  add('Running and waiting', active, 'none');
  add('Recent', recent, 'none yet');
  blocks.push(context('Details of one: `/mng status RUN-ID`'));
  return assertWithinLimits({ text: `${active.length} running or waiting, ${recent.length} recent`, blocks });
}

export function statusDetailMessage(run: Run, now: number, recentEvents: string[] = []): Message {
  const progress = progressMessage(run, now);
  const who_ = [
    `Requested by ${who(run.requestedBy.user)}`,
    run.decidedBy ? `${run.decidedBy.decision} by ${who(run.decidedBy.user)}` : '',
    run.plan.force ? 'forced' : '',
    `strategy ${run.strategy}`,
    `target ${esc(run.plan.toRelease)}`,
  ].filter(Boolean);
  const blocks: Block[] = [...progress.blocks];
  const room = LIMITS.blocksPerMessage - blocks.length;
  if (room >= 1) blocks.push(context(clip(who_.join(' · '), LIMITS.contextText)));
  if (room >= 2 && recentEvents.length) {
    const text = recentEvents.slice(-15).map((e) => `• ${mrkdwn(clip(e, 180))}`).join('\n');
    blocks.push(section(clip(`*Latest events*\n${text}`, LIMITS.sectionText)));
  }
  return assertWithinLimits({ text: progress.text, blocks });
}
