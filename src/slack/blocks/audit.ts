// /mng audit [N]: the last entries of the append-only audit log, newest first (approvers only).
import type { AuditEntry } from '../../engine/ports.js';
import { code, esc, shownDate, who } from './format.js';
import { context, header, section, type Block, type Message } from './kit.js';
import { assertWithinLimits, clip, LIMITS, MAX_LIST_SECTIONS as MAX_SECTIONS, packLines } from './limits.js';

const CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;

/** `pace`: the clock's (Clock.pace), when it is a paced simulated world's. */
export function auditLine(e: AuditEntry, pace?: number): string {
  const where = e.channel ? ` in ${CHANNEL_ID.test(e.channel) ? `<#${e.channel}>` : esc(e.channel)}` : '';
  const refused = e.action.startsWith('refused-');
  return (
    `${shownDate(e.at, pace)} · ${who(e.user)} · ${refused ? ':no_entry_sign: ' : ''}*${esc(e.action)}*` +
    `${e.runId ? ` ${code(e.runId)}` : ''}${where}${e.detail ? ` · ${esc(clip(e.detail, 300))}` : ''}`
  );
}

/** entries: oldest first, as the store returns them; shown newest first. */
export function auditMessage(entries: AuditEntry[], asked: number, opts: { pace?: number } = {}): Message {
  const blocks: Block[] = [header(`Audit log: the last ${entries.length === asked ? asked : entries.length} entries`)];
  if (entries.length === 0) {
    blocks.push(section('The audit log is empty.'));
    return assertWithinLimits({ text: 'The audit log is empty', blocks });
  }
  const { chunks, left } = packLines(
    [...entries].reverse().map((e) => auditLine(e, opts.pace)),
    LIMITS.sectionText - 40,
    MAX_SECTIONS,
  );
  for (const c of chunks) blocks.push(section(c));
  if (left) blocks.push(context(`…and ${left} older entries that do not fit: ask for fewer, e.g. \`/mng audit 20\`.`));
  blocks.push(context('Append-only: requests, approvals, rejections, forced drains, cancellations and refusals, with who, when and where.'));
  return assertWithinLimits({ text: `Audit log: ${entries.length} entries`, blocks });
}
