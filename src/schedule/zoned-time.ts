// Wall-clock time in an IANA time zone, with nothing but Intl.DateTimeFormat.
import { UserError } from '../engine/errors.js';

export interface WallTime {
  year: number;
  /** 1–12 */
  month: number;
  /** 1–31 */
  day: number;
  /** 0–23 */
  hour: number;
  minute: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Throws a UserError naming the field when the zone is not an IANA zone this runtime knows. */
export function assertTimeZone(timeZone: unknown, field = 'timezone'): asserts timeZone is string {
  if (typeof timeZone !== 'string' || timeZone.trim() === '') {
    throw new UserError(`${field}: expected an IANA time zone such as Europe/Berlin`);
  }
  try {
    formatter(timeZone);
  } catch {
    throw new UserError(`${field}: unknown time zone "${timeZone}"`, 'use an IANA name such as Europe/Berlin, America/New_York or UTC');
  }
}

function parts(ms: number, timeZone: string): WallTime & { second: number } {
  const out = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const p of formatter(timeZone).formatToParts(ms)) {
    if (p.type in out) out[p.type as keyof typeof out] = Number(p.value);
  }
  return out;
}

/** The wall clock in the zone at the instant (seconds dropped). */
export function wallClock(ms: number, timeZone: string): WallTime & { weekday: number } {
  const p = parts(ms, timeZone);
  return {
    year: p.year,
    month: p.month,
    day: p.day,
    hour: p.hour,
    minute: p.minute,
    weekday: new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay(),
  };
}

/** The zone's offset from UTC at the instant, ms (Berlin in winter: +3 600 000). */
export function offsetMs(ms: number, timeZone: string): number {
  const whole = Math.floor(ms / 1000) * 1000;
  const p = parts(whole, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - whole;
}

function sameWall(ms: number, w: WallTime, timeZone: string): boolean {
  const p = parts(ms, timeZone);
  return p.year === w.year && p.month === w.month && p.day === w.day && p.hour === w.hour && p.minute === w.minute;
}

/**
 * The instant a wall-clock minute happens in the zone.
 * - Repeated (clocks go back): the first occurrence.
 * - Skipped (clocks go forward): the first minute that exists after the gap, i.e. the instant of the
 *   change (Berlin's 02:30 on the last Sunday of March is 03:00 CEST).
 * Assumes at most one offset change within a day of the time, as every zone has (Samoa's skipped day
 * of 2011 comes out as its first valid minute after).
 */
export function zonedTimeToMs(w: WallTime, timeZone: string): number {
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);
  const before = offsetMs(asUtc - DAY_MS, timeZone);
  const after = offsetMs(asUtc + DAY_MS, timeZone);
  const candidates = [asUtc - before, asUtc - after].filter((t) => sameWall(t, w, timeZone)).sort((a, b) => a - b);
  if (candidates.length > 0) return candidates[0];
  // In the gap: the change happened between asUtc - after (still the old offset) and asUtc - before.
  let lo = Math.min(asUtc - before, asUtc - after);
  let hi = Math.max(asUtc - before, asUtc - after);
  const loOffset = offsetMs(lo, timeZone);
  while (hi - lo > MINUTE_MS) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE_MS) * MINUTE_MS;
    if (offsetMs(mid, timeZone) === loOffset) lo = mid;
    else hi = mid;
  }
  return hi;
}

const abbreviationLocales = ['en-US', 'en-GB', 'en-IN', 'en-AU'];
const abbreviationFormatters = new Map<string, Intl.DateTimeFormat>();

/** "CET", "EDT", "IST", "UTC"; "GMT+3" where no locale has a name for the zone. */
export function zoneAbbreviation(ms: number, timeZone: string): string {
  let fallback: string | undefined;
  for (const locale of abbreviationLocales) {
    const key = `${locale}|${timeZone}`;
    let f = abbreviationFormatters.get(key);
    if (!f) abbreviationFormatters.set(key, (f = new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: 'short' })));
    const name = f.formatToParts(ms).find((p) => p.type === 'timeZoneName')?.value ?? '';
    fallback ??= name;
    if (!/^(GMT|UTC)[+-−]/.test(name)) return name;
  }
  return fallback ?? timeZone;
}
