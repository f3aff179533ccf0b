// Maintenance windows: pure functions of (windows, time). A window opens whenever its cron fires on
// its zone's wall clock and stays open for its duration of real elapsed time, so a 4h window that
// opens on a daylight-saving night closes 4 hours later whatever the wall clock says. Windows that
// overlap or touch (one closes as another opens) count as one open period. Intervals are half-open:
// open at opensAt, closed again at closesAt.
import { parseDurationMs } from '../engine/duration.js';
import { UserError } from '../engine/errors.js';
import { nextCronTime, parseCron, type CronSpec } from './cron.js';
import { assertTimeZone, wallClock, zoneAbbreviation } from './zoned-time.js';

export interface Window {
  /** Five fields: minute hour day-of-month month day-of-week, e.g. "0 2 * * SAT". */
  cron: string;
  /** "4h", "90m", "1h30m", "2d". */
  duration: string;
  /** IANA zone the cron reads its wall clock in. */
  timezone: string;
}

export interface WindowSpan {
  opensAt: number;
  closesAt: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** A window may last at most this long; longer ones are probably typos ("40h" for "4h"). */
export const MAX_WINDOW_MS = 7 * DAY_MS;
/**
 * Merging overlapping windows stops this far from the time asked about, so that a window that never
 * closes ("* * * * *" for 1h) answers quickly, with boundaries about a week away.
 */
const MAX_MERGE_MS = 8 * DAY_MS;

/**
 * A window's length: the one duration syntax (engine/duration), in whole minutes since windows open on
 * the minute, and at most MAX_WINDOW_MS.
 */
export function windowDurationMs(text: string, field = 'duration'): number {
  const ms = parseDurationMs(text, field, 'write it like 4h, 90m, 20m or 1h30m');
  if (ms % MINUTE_MS !== 0) throw new UserError(`${field}: "${text}" is not whole minutes: windows open and close on the minute`, 'write it like 4h, 90m, 20m or 1h30m');
  if (ms > MAX_WINDOW_MS) throw new UserError(`${field}: "${text}" is longer than 7 days`);
  return ms;
}

interface CompiledWindow {
  spec: CronSpec;
  durationMs: number;
  timezone: string;
}

const compiled = new Map<string, CompiledWindow>();

function compile(w: Window, field = 'window'): CompiledWindow {
  const key = `${w?.cron}\u0000${w?.duration}\u0000${w?.timezone}`;
  const hit = compiled.get(key);
  if (hit) return hit;
  if (typeof w !== 'object' || w === null) throw new UserError(`${field}: expected { cron, duration, timezone }`);
  let spec: CronSpec;
  try {
    spec = parseCron(w.cron);
  } catch (err) {
    throw new UserError(`${field}.cron: ${(err as Error).message}`, (err as UserError).hint);
  }
  const durationMs = windowDurationMs(w.duration, `${field}.duration`);
  assertTimeZone(w.timezone, `${field}.timezone`);
  const c = { spec, durationMs, timezone: w.timezone };
  if (compiled.size > 1000) compiled.clear();
  compiled.set(key, c);
  return c;
}

/** Throws a UserError naming the bad field, e.g. `windows[1].timezone: unknown time zone "Europe/Berln"`. */
export function validateWindows(windows: readonly Window[], field = 'windows'): void {
  if (!Array.isArray(windows)) throw new UserError(`${field}: expected a list of { cron, duration, timezone }`);
  windows.forEach((w, i) => compile(w, `${field}[${i}]`));
}

function next(w: CompiledWindow, afterMs: number): number | undefined {
  return nextCronTime(w.spec, w.timezone, afterMs);
}

/** The latest opening in (fromMs, toMs], found by halving (there is no backwards cron search). */
function latestOpening(w: CompiledWindow, fromMs: number, toMs: number): number | undefined {
  const first = next(w, fromMs);
  if (first === undefined || first > toMs) return undefined;
  let lo = first; // an opening
  let hi = toMs; // no opening in (hi, toMs]
  while (hi - lo > MINUTE_MS) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE_MS) * MINUTE_MS;
    const n = next(w, mid);
    if (n !== undefined && n <= toMs) lo = n;
    else hi = mid;
  }
  return lo;
}

/** Widens the span with every opening that overlaps or touches it, within MAX_MERGE_MS of atMs. */
function merge(span: WindowSpan, ws: CompiledWindow[], atMs: number): WindowSpan {
  let { opensAt, closesAt } = span;
  for (let changed = true; changed; ) {
    changed = false;
    for (const w of ws) {
      // An opening in [opensAt - d, opensAt) reaches opensAt.
      if (opensAt > atMs - MAX_MERGE_MS) {
        const b = next(w, opensAt - w.durationMs - 1);
        if (b !== undefined && b < opensAt) {
          opensAt = b;
          closesAt = Math.max(closesAt, b + w.durationMs);
          changed = true;
        }
      }
      // An opening in (closesAt - d, closesAt] outlasts closesAt: jump to the latest such opening.
      if (closesAt < atMs + MAX_MERGE_MS) {
        const latest = latestOpening(w, closesAt - w.durationMs, closesAt);
        if (latest !== undefined) {
          opensAt = Math.min(opensAt, latest);
          closesAt = latest + w.durationMs;
          changed = true;
        }
      }
    }
  }
  return { opensAt, closesAt };
}

/** The open period containing atMs, or undefined when every window is closed then. */
export function currentWindow(windows: readonly Window[], atMs: number): WindowSpan | undefined {
  const ws = windows.map((w, i) => compile(w, `windows[${i}]`));
  let span: WindowSpan | undefined;
  for (const w of ws) {
    // The first opening in (atMs - d, atMs] is open at atMs.
    const o = next(w, atMs - w.durationMs);
    if (o === undefined || o > atMs) continue;
    span = span
      ? { opensAt: Math.min(span.opensAt, o), closesAt: Math.max(span.closesAt, o + w.durationMs) }
      : { opensAt: o, closesAt: o + w.durationMs };
  }
  return span && merge(span, ws, atMs);
}

export function isOpen(windows: readonly Window[], atMs: number): boolean {
  return currentWindow(windows, atMs) !== undefined;
}

/**
 * The next time the windows go from closed to open strictly after atMs (when a window is open at
 * atMs: the first opening after it closes), with the time that period closes.
 */
export function nextOpening(windows: readonly Window[], atMs: number): WindowSpan | undefined {
  const ws = windows.map((w, i) => compile(w, `windows[${i}]`));
  const from = currentWindow(windows, atMs)?.closesAt ?? atMs;
  let span: WindowSpan | undefined;
  for (const w of ws) {
    const o = next(w, from);
    if (o === undefined) continue;
    if (!span || o < span.opensAt) span = { opensAt: o, closesAt: o + w.durationMs };
    else if (o === span.opensAt) span.closesAt = Math.max(span.closesAt, o + w.durationMs);
  }
  return span && merge(span, ws, span.opensAt);
}

const WEEKDAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

function relative(diffMs: number): string {
  const minutes = Math.round(Math.abs(diffMs) / MINUTE_MS);
  if (minutes === 0) return 'now';
  let words: string;
  if (minutes < 60) words = plural(minutes, 'minute');
  else if (minutes < 24 * 60) {
    const h = Math.floor(minutes / 60);
    const m = minutes % 60;
    words = m === 0 ? plural(h, 'hour') : `${plural(h, 'hour')} ${plural(m, 'minute')}`;
  } else words = plural(Math.round(minutes / (24 * 60)), 'day');
  return diffMs > 0 ? `in ${words}` : `${words} ago`;
}

/**
 * "Sat 02:00 CET, in 3 days"; the date is added when the opening is a week or more away or past
 * ("Sat 12 Apr 02:00 CEST, in 10 days"). `pace`: the clock's (Clock.pace) on a paced simulated world,
 * whose times run ahead of the reader's: the time is marked as the simulation's, and how far away it
 * is said in the reader's time ("sim Sat 02:00 UTC, in 7 hours at the simulation's pace").
 */
export function describeOpening(opensAtMs: number, nowMs: number, timezone: string, pace?: number): string {
  assertTimeZone(timezone);
  const w = wallClock(opensAtMs, timezone);
  const pad = (n: number) => String(n).padStart(2, '0');
  const diff = opensAtMs - nowMs;
  const date = diff >= 6.5 * DAY_MS || diff < -DAY_MS ? ` ${w.day} ${MONTH_NAMES[w.month - 1]}` : '';
  const at = `${WEEKDAY_NAMES[w.weekday]}${date} ${pad(w.hour)}:${pad(w.minute)} ${zoneAbbreviation(opensAtMs, timezone)}`;
  return pace ? `sim ${at}, ${relative(diff / pace)} at the simulation's pace` : `${at}, ${relative(diff)}`;
}
