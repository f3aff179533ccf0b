// Five-field cron (minute hour day-of-month month day-of-week) evaluated on a zone's wall clock.
// Ours rather than node-cron's so that isOpen, nextOpening and the scheduler agree to the minute,
// daylight-saving days included; node-cron only wakes the scheduler up.
import { UserError } from '../engine/errors.js';
import { zonedTimeToMs, wallClock } from './zoned-time.js';

export interface CronSpec {
  source: string;
  /** Sorted ascending. */
  minutes: number[];
  hours: number[];
  /** Index 1–31. */
  daysOfMonth: boolean[];
  /** Index 1–12. */
  months: boolean[];
  /** Index 0–6, Sunday 0. */
  daysOfWeek: boolean[];
  /** The field starts with "*": cron's rule is that when both day fields are restricted, either may match. */
  dayOfMonthStar: boolean;
  dayOfWeekStar: boolean;
}

interface FieldDef {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** Index of names[0]. */
  namesFrom?: number;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] as const;
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

const FIELDS: readonly FieldDef[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, namesFrom: 1 },
  // 7 is Sunday too, as in every cron.
  { name: 'day-of-week', min: 0, max: 7, names: WEEKDAYS, namesFrom: 0 },
];

const DAYS_IN_MONTH = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Default search horizon: eight years, so that "0 3 29 2 *" finds its next leap day even across 2100. */
export const CRON_HORIZON_DAYS = 366 * 8;

function fail(expr: string, field: string, message: string): never {
  throw new UserError(
    `cron "${expr}": ${field} ${message}`,
    'five fields: minute hour day-of-month month day-of-week, e.g. "0 2 * * SAT" (02:00 every Saturday)',
  );
}

function parseValue(expr: string, def: FieldDef, text: string): number {
  if (def.names) {
    const i = def.names.indexOf(text.toUpperCase() as never);
    if (i >= 0) return i + (def.namesFrom ?? 0);
  }
  if (!/^\d+$/.test(text)) {
    fail(expr, def.name, `"${text}" is not a number${def.names ? ` or a name (${def.names.join(', ')})` : ''}`);
  }
  const n = Number(text);
  if (n < def.min || n > def.max) fail(expr, def.name, `"${text}" is out of range ${def.min}-${def.max}`);
  return n;
}

function parseField(expr: string, def: FieldDef, text: string): Set<number> {
  const out = new Set<number>();
  for (const item of text.split(',')) {
    if (item === '') fail(expr, def.name, `"${text}" has an empty list item`);
    const [range, stepText, extra] = item.split('/');
    if (extra !== undefined) fail(expr, def.name, `"${item}" has more than one "/"`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) === 0) fail(expr, def.name, `step "${stepText}" must be a whole number above 0`);
      step = Number(stepText);
    }
    let from: number;
    let to: number;
    if (range === '*') {
      from = def.min;
      to = def.max;
    } else if (range.includes('-')) {
      const [a, b, more] = range.split('-');
      if (more !== undefined || a === '' || b === '') fail(expr, def.name, `"${range}" is not a range like 1-5`);
      from = parseValue(expr, def, a);
      to = parseValue(expr, def, b);
      if (from > to) fail(expr, def.name, `range "${range}" runs backwards`);
    } else {
      from = parseValue(expr, def, range);
      // "5/15": from 5 to the end in steps of 15.
      to = stepText === undefined ? from : def.max;
    }
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

function flags(values: Set<number>, size: number): boolean[] {
  const out = new Array<boolean>(size).fill(false);
  for (const v of values) out[v] = true;
  return out;
}

/** Parses a five-field cron; a UserError names the field at fault. */
export function parseCron(expr: string): CronSpec {
  if (typeof expr !== 'string') throw new UserError('cron: expected a string like "0 2 * * SAT"');
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5 || fields[0] === '') {
    throw new UserError(
      `cron "${expr}": expected 5 fields (minute hour day-of-month month day-of-week), got ${fields[0] === '' ? 0 : fields.length}`,
      'e.g. "0 2 * * SAT" for 02:00 every Saturday',
    );
  }
  const [minute, hour, dom, month, dow] = fields.map((f, i) => parseField(expr, FIELDS[i], f));
  if (dow.delete(7)) dow.add(0);
  const spec: CronSpec = {
    source: expr.trim(),
    minutes: [...minute].sort((a, b) => a - b),
    hours: [...hour].sort((a, b) => a - b),
    daysOfMonth: flags(dom, 32),
    months: flags(month, 13),
    daysOfWeek: flags(dow, 7),
    dayOfMonthStar: fields[2].startsWith('*'),
    dayOfWeekStar: fields[4].startsWith('*'),
  };
  // Only the day of month restricts the day: make sure some month has that day ("0 0 31 2 *" never runs).
  if (spec.dayOfWeekStar && !spec.dayOfMonthStar) {
    const possible = spec.months.some((on, m) => on && spec.daysOfMonth.some((d, day) => d && day <= DAYS_IN_MONTH[m]));
    if (!possible) fail(expr, 'day-of-month', 'never occurs in the months given');
  }
  return spec;
}

export function dayMatches(spec: CronSpec, month: number, day: number, weekday: number): boolean {
  if (!spec.months[month]) return false;
  const dom = spec.daysOfMonth[day];
  const dow = spec.daysOfWeek[weekday];
  if (spec.dayOfMonthStar && spec.dayOfWeekStar) return true;
  if (spec.dayOfMonthStar) return dow;
  if (spec.dayOfWeekStar) return dom;
  return dom || dow;
}

/**
 * The first instant strictly after afterMs at which the cron fires in the zone, or undefined when it
 * does not fire within horizonDays. Works day by day on the wall clock (no Intl call for a day that
 * cannot match), then hour by hour and minute by minute through the field's values only.
 *
 * Daylight saving: a wall-clock time that is skipped fires at the first minute after the gap; a time
 * that happens twice fires once, at its first occurrence. So "30 2 * * SUN" in Europe/Berlin fires at
 * 03:00 CEST on the spring-forward Sunday and at 02:30 CEST (not again at 02:30 CET) in October.
 */
export function nextCronTime(spec: CronSpec, timeZone: string, afterMs: number, horizonDays = CRON_HORIZON_DAYS): number | undefined {
  const start = wallClock(afterMs, timeZone);
  // A wall time before start's maps to an instant at or before afterMs (the mapping is monotonic and
  // start's own wall time maps to afterMs or to an earlier first occurrence), so the first day may
  // begin at start's hour and minute.
  for (let i = 0; i <= horizonDays; i++) {
    const date = new Date(Date.UTC(start.year, start.month - 1, start.day + i));
    const year = date.getUTCFullYear();
    const month = date.getUTCMonth() + 1;
    const day = date.getUTCDate();
    if (!dayMatches(spec, month, day, date.getUTCDay())) continue;
    for (const hour of spec.hours) {
      if (i === 0 && hour < start.hour) continue;
      for (const minute of spec.minutes) {
        if (i === 0 && hour === start.hour && minute < start.minute) continue;
        const t = zonedTimeToMs({ year, month, day, hour, minute }, timeZone);
        if (t > afterMs) return t;
      }
    }
  }
  return undefined;
}
