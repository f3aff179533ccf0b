// /mng status RUN-ID: one run in detail (without a run, /mng status shows the fleet: fleet.ts).
import type { Run } from '../../engine/run.js';
import { esc, mrkdwn, who } from './format.js';
import { context, section, type Block, type Message } from './kit.js';
import { assertWithinLimits, clip, LIMITS } from './limits.js';
import { progressMessage } from './progress.js';

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
