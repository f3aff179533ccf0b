// Maintenance windows in words: the note on a plan ("next window opens Sat 02:00 CET, in 3 days"),
// and /mng windows, each node group's windows and next openings. Pure.
import type { Run } from '../../engine/run.js';
import { openingZone } from '../../schedule/window-gate.js';
import { currentWindow, describeOpening, nextOpening, type Window } from '../../schedule/windows.js';
import type { WindowsClusterError, WindowsRow } from '../../app/overview.js';
import { code, esc } from './format.js';
import { context, header, section, type Block, type Message } from './kit.js';
import { assertWithinLimits, clip, LIMITS, MAX_LIST_SECTIONS as MAX_SECTIONS, packLines } from './limits.js';

export type WindowNote =
  /** Closed: once approved, the run waits for this opening. */
  | { kind: 'waits'; opensAt: number; timezone: string }
  /** Open now: the run starts as soon as it is approved. */
  | { kind: 'open'; closesAt: number; timezone: string }
  /** Asked with --now: runs outside the windows. */
  | { kind: 'outside' }
  /** No window opens ahead. */
  | { kind: 'never' };

/** What a run's windows mean for it at `now`; undefined when the group has none (and --now was not used). */
export function runWindowNote(run: Pick<Run, 'notBefore' | 'outsideWindows'>, windows: readonly Window[] | undefined, now: number): WindowNote | undefined {
  if (run.outsideWindows) return { kind: 'outside' };
  if (!windows || windows.length === 0) return undefined;
  if (run.notBefore !== undefined && run.notBefore > now) return { kind: 'waits', opensAt: run.notBefore, timezone: openingZone(windows, run.notBefore) };
  return windowNoteAt(windows, now);
}

/** The note for a group's windows at `now` (a plan not yet asked for: a dry run). */
export function windowNoteAt(windows: readonly Window[], now: number): WindowNote | undefined {
  if (windows.length === 0) return undefined;
  const open = currentWindow(windows, now);
  if (open) return { kind: 'open', closesAt: open.closesAt, timezone: openingZone(windows, open.opensAt) };
  const next = nextOpening(windows, now);
  return next ? { kind: 'waits', opensAt: next.opensAt, timezone: openingZone(windows, next.opensAt) } : { kind: 'never' };
}

/**
 * "next window opens Sat 02:00 CET, in 3 days" and the like; `approved`: said of a run already
 * approved; `pace`: the clock's, on a paced simulated world (describeOpening).
 */
export function windowNoteText(note: WindowNote, now: number, approved = false, pace?: number): string {
  switch (note.kind) {
    case 'waits':
      return `:calendar: ${approved ? 'Waits' : 'Once approved, it waits'} for the maintenance window: next window opens ${describeOpening(note.opensAt, now, note.timezone, pace)}.`;
    case 'open':
      return `:large_green_circle: A maintenance window is open (closes ${describeOpening(note.closesAt, now, note.timezone, pace)}): ${approved ? 'it runs now' : 'it starts as soon as it is approved'}.`;
    case 'outside':
      return `:warning: *--now*: runs outside the maintenance windows${approved ? '' : ', at once after approval'}.`;
    case 'never':
      return ':warning: No maintenance window of this node group opens ahead: it cannot start until the windows change (or ask again with --now).';
  }
}

const windowText = (w: Window) => `${code(w.cron)} for ${esc(w.duration)} (${esc(w.timezone)})`;

export type { WindowsClusterError, WindowsRow } from '../../app/overview.js';

function rowLines(r: WindowsRow, now: number, pace?: number): string {
  const name = code(`${r.ref.cluster}/${r.ref.nodegroup}`);
  if (r.windows.length === 0) return `• ${name} · no maintenance windows: upgrades start once approved`;
  const lines = [`• ${name} · ${r.windows.slice(0, 5).map(windowText).join(', ')}${r.windows.length > 5 ? `, and ${r.windows.length - 5} more` : ''}`];
  if (r.open) lines.push(`      :large_green_circle: *open now*, closes ${describeOpening(r.open.closesAt, now, r.open.timezone, pace)}`);
  if (r.next.length) lines.push(`      next: ${r.next.map((s) => describeOpening(s.opensAt, now, s.timezone, pace)).join(' · ')}`);
  else if (!r.open) lines.push('      :warning: no opening ahead');
  return lines.join('\n');
}

/** `pace`: the clock's, on a paced simulated world (describeOpening). */
export function windowsMessage(rows: WindowsRow[], now: number, errors: WindowsClusterError[] = [], pace?: number): Message {
  const blocks: Block[] = [header('Maintenance windows')];
  if (rows.length === 0 && errors.length === 0) blocks.push(section('No node groups are configured.'));
  const { chunks, left } = packLines(
    rows.map((r) => rowLines(r, now, pace)),
    LIMITS.sectionText - 40,
    MAX_SECTIONS,
  );
  for (const c of chunks) blocks.push(section(c));
  if (left) blocks.push(context(`…and ${left} more node groups.`));
  for (const e of errors.slice(0, 5)) blocks.push(section(clip(`:warning: ${code(e.cluster)}: ${esc(e.error)}`, LIMITS.sectionText)));
  blocks.push(context('A node group with windows is upgraded only inside them; `/mng upgrade … --now` runs outside them, after an approval like any other.'));
  const withWindows = rows.filter((r) => r.windows.length > 0).length;
  return assertWithinLimits({ text: `Maintenance windows: ${withWindows} of ${rows.length} node groups have windows`, blocks });
}
