import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/engine/errors.js';
import { dayMatches, nextCronTime, parseCron } from '../../src/schedule/cron.js';
import {
  currentWindow,
  describeOpening,
  isOpen,
  nextOpening,
  windowDurationMs,
  validateWindows,
  type Window,
} from '../../src/schedule/windows.js';
import { wallClock, zonedTimeToMs } from '../../src/schedule/zoned-time.js';
import { cases as quickCases } from '../quick.js';

const Z = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString().replace(':00.000Z', 'Z'));
const span = (s: { opensAt: number; closesAt: number } | undefined) => s && [iso(s.opensAt), iso(s.closesAt)];
const MIN = 60_000;

describe('windowDurationMs', () => {
  it('reads hours, minutes, days and combinations', () => {
    expect(windowDurationMs('4h')).toBe(4 * 3_600_000);
    expect(windowDurationMs('90m')).toBe(90 * MIN);
    expect(windowDurationMs('20m')).toBe(20 * MIN);
    expect(windowDurationMs('1h30m')).toBe(90 * MIN);
    expect(windowDurationMs(' 2D ')).toBe(48 * 3_600_000);
  });
  it('says what is wrong', () => {
    expect(() => windowDurationMs('4x')).toThrow('duration: "4x" is not a duration');
    expect(() => windowDurationMs('')).toThrow(UserError);
    expect(() => windowDurationMs('30m1h')).toThrow(/not a duration/);
    expect(() => windowDurationMs('0m')).toThrow('duration: "0m" must be longer than zero');
    expect(() => windowDurationMs('90s', 'windows[0].duration')).toThrow(/^windows\[0\]\.duration: "90s"/);
  });
});

describe('cron parsing', () => {
  it('expands *, lists, ranges, steps and names', () => {
    const c = parseCron('5/20 9-17/4 1,15 jan-MAR,Dec mon-fri');
    expect(c.minutes).toEqual([5, 25, 45]);
    expect(c.hours).toEqual([9, 13, 17]);
    expect(c.daysOfMonth.flatMap((on, d) => (on ? [d] : []))).toEqual([1, 15]);
    expect(c.months.flatMap((on, m) => (on ? [m] : []))).toEqual([1, 2, 3, 12]);
    expect(c.daysOfWeek.flatMap((on, d) => (on ? [d] : []))).toEqual([1, 2, 3, 4, 5]);
    expect(parseCron('*/15 * * * 7').daysOfWeek[0]).toBe(true);
    expect(parseCron('0 0 * * SUN,SAT').daysOfWeek.flatMap((on, d) => (on ? [d] : []))).toEqual([0, 6]);
  });
  it('matches either day field when both are restricted, as cron does', () => {
    const c = parseCron('0 3 1 * MON');
    expect(dayMatches(c, 1, 1, 3)).toBe(true); // the 1st, a Wednesday
    expect(dayMatches(c, 1, 6, 1)).toBe(true); // a Monday
    expect(dayMatches(c, 1, 7, 2)).toBe(false);
    const onlyDow = parseCron('0 3 * * MON');
    expect(dayMatches(onlyDow, 1, 1, 3)).toBe(false);
  });
  it('names the field at fault', () => {
    expect(() => parseCron('0 25 * * *')).toThrow('cron "0 25 * * *": hour "25" is out of range 0-23');
    expect(() => parseCron('0 2 * *')).toThrow(/expected 5 fields .* got 4/);
    expect(() => parseCron('0 0 2 * * *')).toThrow(/got 6/);
    expect(() => parseCron('0 2 * * FUN')).toThrow(/day-of-week "FUN" is not a number or a name \(SUN, MON/);
    expect(() => parseCron('*/0 2 * * *')).toThrow(/minute step "0"/);
    expect(() => parseCron('0 5-2 * * *')).toThrow(/hour range "5-2" runs backwards/);
    expect(() => parseCron('0 2 0 * *')).toThrow(/day-of-month "0" is out of range 1-31/);
    expect(() => parseCron('0 2 31 2 *')).toThrow(/day-of-month never occurs/);
    expect(() => parseCron('0 2 1,,2 * *')).toThrow(/empty list item/);
  });
});

describe('zoned time', () => {
  it('maps wall-clock minutes to instants, daylight saving included', () => {
    const berlin = 'Europe/Berlin';
    expect(iso(zonedTimeToMs({ year: 2025, month: 1, day: 15, hour: 2, minute: 0 }, berlin))).toBe('2025-01-15T01:00Z');
    expect(iso(zonedTimeToMs({ year: 2025, month: 7, day: 15, hour: 2, minute: 0 }, berlin))).toBe('2025-07-15T00:00Z');
    // Skipped: the first minute after the gap.
    expect(iso(zonedTimeToMs({ year: 2025, month: 3, day: 30, hour: 2, minute: 30 }, berlin))).toBe('2025-03-30T01:00Z');
    // Repeated: the first occurrence (CEST).
    expect(iso(zonedTimeToMs({ year: 2025, month: 10, day: 26, hour: 2, minute: 30 }, berlin))).toBe('2025-10-26T00:30Z');
    expect(iso(zonedTimeToMs({ year: 2025, month: 6, day: 1, hour: 1, minute: 30 }, 'Asia/Kolkata'))).toBe('2025-05-31T20:00Z');
    expect(wallClock(Z('2025-10-26T01:30:00Z'), berlin)).toMatchObject({ hour: 2, minute: 30, weekday: 0 });
  });
});

/**
 * The definition, minute by minute: the cron fires at instant t when t's wall time matches and is its
 * first occurrence, or when t is the first minute after a gap in which a skipped wall time matches.
 * Returns a function answering "first firing after" within [fromMs, fromMs + spanMs].
 */
function bruteForce(cron: string, tz: string, walls: { t: number; wall: number }[]): (afterMs: number) => number | undefined {
  const spec = parseCron(cron);
  const matches = (wallMs: number) => {
    const d = new Date(wallMs);
    return (
      dayMatches(spec, d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCDay()) &&
      spec.hours.includes(d.getUTCHours()) &&
      spec.minutes.includes(d.getUTCMinutes())
    );
  };
  const firings: number[] = [];
  let highest = walls[0].wall;
  for (let i = 1; i < walls.length; i++) {
    const { t, wall } = walls[i];
    let fires = wall > highest && matches(wall); // a wall time not seen before
    for (let s = walls[i - 1].wall + MIN; s < wall && !fires; s += MIN) fires = s > highest && matches(s); // skipped
    if (fires) firings.push(t);
    highest = Math.max(highest, wall);
  }
  void tz;
  return (afterMs) => firings.find((t) => t > afterMs);
}

function wallsOf(tz: string, fromMs: number, spanMs: number): { t: number; wall: number }[] {
  const out: { t: number; wall: number }[] = [];
  // Start 3 hours early, so that repeated wall times are recognised from the first minute.
  for (let t = fromMs - 3 * 3_600_000; t <= fromMs + spanMs; t += MIN) {
    const w = wallClock(t, tz);
    out.push({ t, wall: Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) });
  }
  return out;
}

describe('nextCronTime agrees with the minute-by-minute definition', () => {
  const crons = ['0 2 * * SUN', '30 2 * * *', '*/20 1-3 * * *', '59 1 * * 0', '0 3 * * *', '15 2,3 25-31 3,10 *', '0 0 1 * *', '5 4 * * MON-FRI', '* 2 * * *'];
  const cases: [string, string][] = [
    ['Europe/Berlin', '2025-03-29T20:00:00Z'],
    ['Europe/Berlin', '2025-10-25T20:00:00Z'],
    ['America/New_York', '2025-03-08T22:00:00Z'],
    ['America/New_York', '2025-11-01T22:00:00Z'],
    ['Australia/Lord_Howe', '2025-04-05T00:00:00Z'], // a 30-minute change
    ['Asia/Kolkata', '2025-06-01T00:00:00Z'],
  ];
  for (const [tz, from] of cases) {
    it(`${tz} from ${from}`, () => {
      const walls = wallsOf(tz, Z(from), 3 * 86_400_000);
      let compared = 0;
      const end = Z(from) + 3 * 86_400_000;
      for (const cron of crons) {
        const expected = bruteForce(cron, tz, walls);
        // Ask from every 7th minute (31st in the quick loop), and from just before and at each firing.
        for (let after = Z(from); after < end; after += quickCases(7, 31) * MIN) {
          for (const at of [after, (expected(after) ?? end) - 1, expected(after) ?? end]) {
            const want = expected(at);
            const got = nextCronTime(parseCron(cron), tz, at);
            if (want === undefined && (got === undefined || got > end)) continue;
            expect(iso(got), `${cron} after ${iso(at)}`).toBe(iso(want));
            compared++;
          }
        }
      }
      expect(compared).toBeGreaterThan(1000);
    });
  }
});

describe('windows', () => {
  const sat: Window[] = [{ cron: '0 2 * * SAT', duration: '4h', timezone: 'UTC' }];

  it('simple weekly window: open, closed, next opening; half-open interval', () => {
    expect(isOpen(sat, Z('2025-01-10T12:00:00Z'))).toBe(false);
    expect(span(nextOpening(sat, Z('2025-01-10T12:00:00Z')))).toEqual(['2025-01-11T02:00Z', '2025-01-11T06:00Z']);
    expect(isOpen(sat, Z('2025-01-11T01:59:59Z'))).toBe(false);
    expect(isOpen(sat, Z('2025-01-11T02:00:00Z'))).toBe(true);
    expect(span(currentWindow(sat, Z('2025-01-11T05:59:59Z')))).toEqual(['2025-01-11T02:00Z', '2025-01-11T06:00Z']);
    expect(isOpen(sat, Z('2025-01-11T06:00:00Z'))).toBe(false);
    // While open, the next opening is the one after this window.
    expect(span(nextOpening(sat, Z('2025-01-11T03:00:00Z')))).toEqual(['2025-01-18T02:00Z', '2025-01-18T06:00Z']);
    expect(currentWindow([], Z('2025-01-11T03:00:00Z'))).toBeUndefined();
    expect(nextOpening([], Z('2025-01-11T03:00:00Z'))).toBeUndefined();
  });

  it('a 4h window across midnight', () => {
    const nightly: Window[] = [{ cron: '0 22 * * *', duration: '4h', timezone: 'UTC' }];
    expect(isOpen(nightly, Z('2025-01-10T21:59:00Z'))).toBe(false);
    expect(span(currentWindow(nightly, Z('2025-01-10T23:30:00Z')))).toEqual(['2025-01-10T22:00Z', '2025-01-11T02:00Z']);
    expect(span(currentWindow(nightly, Z('2025-01-11T01:59:00Z')))).toEqual(['2025-01-10T22:00Z', '2025-01-11T02:00Z']);
    expect(isOpen(nightly, Z('2025-01-11T02:00:00Z'))).toBe(false);
  });

  it('complex crons: business-hours steps, both day fields, month names', () => {
    const office: Window[] = [{ cron: '*/30 9-16 * * MON-FRI', duration: '20m', timezone: 'UTC' }];
    // Saturday → Monday 09:00.
    expect(span(nextOpening(office, Z('2025-01-11T12:00:00Z')))).toEqual(['2025-01-13T09:00Z', '2025-01-13T09:20Z']);
    expect(isOpen(office, Z('2025-01-13T09:25:00Z'))).toBe(false);
    expect(isOpen(office, Z('2025-01-13T09:35:00Z'))).toBe(true);
    expect(span(nextOpening(office, Z('2025-01-13T16:45:00Z')))).toEqual(['2025-01-14T09:00Z', '2025-01-14T09:20Z']);
    // The 15th or any Sunday, in January and July only.
    const odd: Window[] = [{ cron: '30 1 15 JAN,jul SUN', duration: '90m', timezone: 'UTC' }];
    expect(span(nextOpening(odd, Z('2025-01-13T00:00:00Z')))).toEqual(['2025-01-15T01:30Z', '2025-01-15T03:00Z']); // a Wednesday
    expect(span(nextOpening(odd, Z('2025-01-15T04:00:00Z')))).toEqual(['2025-01-19T01:30Z', '2025-01-19T03:00Z']); // Sunday
    expect(span(nextOpening(odd, Z('2025-01-27T00:00:00Z')))).toEqual(['2025-07-06T01:30Z', '2025-07-06T03:00Z']);
    // A leap day, years away, still found quickly.
    const leap: Window[] = [{ cron: '0 0 29 FEB *', duration: '1h', timezone: 'UTC' }];
    expect(span(nextOpening(leap, Z('2025-03-01T00:00:00Z')))).toEqual(['2028-02-29T00:00Z', '2028-02-29T01:00Z']);
  });

  it('merges windows that overlap or touch', () => {
    const touching: Window[] = [
      { cron: '0 1 * * *', duration: '1h', timezone: 'UTC' },
      { cron: '0 2 * * *', duration: '90m', timezone: 'UTC' },
    ];
    expect(span(currentWindow(touching, Z('2025-01-10T01:30:00Z')))).toEqual(['2025-01-10T01:00Z', '2025-01-10T03:30Z']);
    expect(span(currentWindow(touching, Z('2025-01-10T03:00:00Z')))).toEqual(['2025-01-10T01:00Z', '2025-01-10T03:30Z']);
    expect(span(nextOpening(touching, Z('2025-01-10T00:00:00Z')))).toEqual(['2025-01-10T01:00Z', '2025-01-10T03:30Z']);
    expect(span(nextOpening(touching, Z('2025-01-10T01:30:00Z')))).toEqual(['2025-01-11T01:00Z', '2025-01-11T03:30Z']);
    const selfOverlap: Window[] = [{ cron: '0 0-5 * * *', duration: '2h', timezone: 'UTC' }];
    expect(span(currentWindow(selfOverlap, Z('2025-01-10T03:10:00Z')))).toEqual(['2025-01-10T00:00Z', '2025-01-10T07:00Z']);
    // Never closes: answered quickly, boundaries clipped about a week away.
    const always: Window[] = [{ cron: '* * * * *', duration: '1h', timezone: 'UTC' }];
    const t0 = performance.now();
    const s = currentWindow(always, Z('2025-01-10T03:10:00Z'))!;
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(s.closesAt - s.opensAt).toBeGreaterThan(14 * 86_400_000);
  });

  it('time zones: New York, Berlin, Kolkata', () => {
    const ny: Window[] = [{ cron: '0 22 * * FRI', duration: '4h', timezone: 'America/New_York' }];
    // Friday 22:00 EST is Saturday 03:00 UTC; open until Saturday 02:00 EST.
    expect(span(nextOpening(ny, Z('2025-01-10T12:00:00Z')))).toEqual(['2025-01-11T03:00Z', '2025-01-11T07:00Z']);
    expect(isOpen(ny, Z('2025-01-11T06:30:00Z'))).toBe(true);
    // In summer (EDT) an hour earlier in UTC.
    expect(span(nextOpening(ny, Z('2025-07-01T00:00:00Z')))).toEqual(['2025-07-05T02:00Z', '2025-07-05T06:00Z']);
    const berlin: Window[] = [{ cron: '0 2 * * SAT', duration: '4h', timezone: 'Europe/Berlin' }];
    expect(span(nextOpening(berlin, Z('2025-01-08T00:00:00Z')))).toEqual(['2025-01-11T01:00Z', '2025-01-11T05:00Z']);
    expect(span(nextOpening(berlin, Z('2025-07-01T00:00:00Z')))).toEqual(['2025-07-05T00:00Z', '2025-07-05T04:00Z']);
    const kolkata: Window[] = [{ cron: '30 1 * * *', duration: '1h', timezone: 'Asia/Kolkata' }];
    expect(span(nextOpening(kolkata, Z('2025-01-08T00:00:00Z')))).toEqual(['2025-01-08T20:00Z', '2025-01-08T21:00Z']);
    expect(isOpen(kolkata, Z('2025-01-08T20:59:00Z'))).toBe(true);
  });

  it('Europe/Berlin spring forward: 02:00 does not exist, the window opens at 03:00 CEST and lasts 4 real hours', () => {
    const w: Window[] = [{ cron: '0 2 * * SUN', duration: '4h', timezone: 'Europe/Berlin' }];
    expect(span(nextOpening(w, Z('2025-03-22T12:00:00Z')))).toEqual(['2025-03-23T01:00Z', '2025-03-23T05:00Z']); // 02:00 CET
    expect(span(nextOpening(w, Z('2025-03-29T12:00:00Z')))).toEqual(['2025-03-30T01:00Z', '2025-03-30T05:00Z']); // 03:00–07:00 CEST
    expect(isOpen(w, Z('2025-03-30T00:59:00Z'))).toBe(false);
    expect(span(nextOpening(w, Z('2025-03-31T00:00:00Z')))).toEqual(['2025-04-06T00:00Z', '2025-04-06T04:00Z']); // 02:00 CEST
  });

  it('Europe/Berlin fall back: 02:00 happens twice, the window opens once (CEST) and lasts 4 real hours', () => {
    const w: Window[] = [{ cron: '0 2 * * SUN', duration: '4h', timezone: 'Europe/Berlin' }];
    expect(span(nextOpening(w, Z('2025-10-25T12:00:00Z')))).toEqual(['2025-10-26T00:00Z', '2025-10-26T04:00Z']); // 02:00 CEST – 05:00 CET
    // 02:30 CET, the second 02:30: still the same window, not a new one.
    expect(span(currentWindow(w, Z('2025-10-26T01:30:00Z')))).toEqual(['2025-10-26T00:00Z', '2025-10-26T04:00Z']);
    expect(span(nextOpening(w, Z('2025-10-26T00:30:00Z')))).toEqual(['2025-11-02T01:00Z', '2025-11-02T05:00Z']); // 02:00 CET
  });

  it('America/New_York across both changes', () => {
    const w: Window[] = [{ cron: '30 2 * * *', duration: '1h', timezone: 'America/New_York' }];
    // 2025-03-09: 02:30 is skipped → 03:00 EDT.
    expect(span(nextOpening(w, Z('2025-03-09T00:00:00Z')))).toEqual(['2025-03-09T07:00Z', '2025-03-09T08:00Z']);
    const fall: Window[] = [{ cron: '30 1 * * *', duration: '1h', timezone: 'America/New_York' }];
    // 2025-11-02: 01:30 EDT, not again at 01:30 EST.
    expect(span(nextOpening(fall, Z('2025-11-02T00:00:00Z')))).toEqual(['2025-11-02T05:30Z', '2025-11-02T06:30Z']);
    expect(span(nextOpening(fall, Z('2025-11-02T06:00:00Z')))).toEqual(['2025-11-03T06:30Z', '2025-11-03T07:30Z']);
  });

  it('validation names the bad field', () => {
    const ok = { cron: '0 2 * * SAT', duration: '4h', timezone: 'Europe/Berlin' };
    expect(() => validateWindows([ok])).not.toThrow();
    expect(() => validateWindows([ok, { ...ok, cron: '0 2 * * FUN' }])).toThrow(/^windows\[1\]\.cron: cron "0 2 \* \* FUN": day-of-week/);
    expect(() => validateWindows([{ ...ok, timezone: 'Europe/Berln' }])).toThrow('windows[0].timezone: unknown time zone "Europe/Berln"');
    expect(() => validateWindows([{ ...ok, duration: '4 hours' }])).toThrow('windows[0].duration: "4 hours" is not a duration');
    expect(() => validateWindows([{ ...ok, duration: '9d' }])).toThrow('windows[0].duration: "9d" is longer than 7 days');
    expect(() => validateWindows([{ ...ok, timezone: '' }], 'clusters.prod.windows')).toThrow(/^clusters\.prod\.windows\[0\]\.timezone/);
    expect(() => isOpen([{ ...ok, cron: '61 * * * *' }], 0)).toThrow(UserError);
  });
});

describe('describeOpening', () => {
  it('says when, in the window’s zone, and how far away', () => {
    expect(describeOpening(Z('2025-01-11T01:00:00Z'), Z('2025-01-08T01:00:00Z'), 'Europe/Berlin')).toBe('Sat 02:00 CET, in 3 days');
    expect(describeOpening(Z('2025-07-05T00:00:00Z'), Z('2025-07-02T09:00:00Z'), 'Europe/Berlin')).toBe('Sat 02:00 CEST, in 3 days');
    expect(describeOpening(Z('2025-04-12T00:00:00Z'), Z('2025-04-02T00:00:00Z'), 'Europe/Berlin')).toBe('Sat 12 Apr 02:00 CEST, in 10 days');
    expect(describeOpening(Z('2025-01-11T03:00:00Z'), Z('2025-01-10T22:00:00Z'), 'America/New_York')).toBe('Fri 22:00 EST, in 5 hours');
    expect(describeOpening(Z('2025-01-11T03:00:00Z'), Z('2025-01-10T20:30:00Z'), 'America/New_York')).toBe('Fri 22:00 EST, in 6 hours 30 minutes');
    expect(describeOpening(Z('2025-01-08T20:00:00Z'), Z('2025-01-08T19:01:00Z'), 'Asia/Kolkata')).toBe('Thu 01:30 IST, in 59 minutes');
    expect(describeOpening(Z('2025-01-08T20:00:00Z'), Z('2025-01-08T20:00:20Z'), 'Asia/Kolkata')).toBe('Thu 01:30 IST, now');
    expect(describeOpening(Z('2025-01-08T20:00:00Z'), Z('2025-01-08T20:05:00Z'), 'UTC')).toBe('Wed 20:00 UTC, 5 minutes ago');
    expect(describeOpening(Z('2025-01-08T20:00:00Z'), Z('2025-01-08T20:00:00Z'), 'America/Sao_Paulo')).toBe('Wed 17:00 GMT-3, now');
    expect(() => describeOpening(0, 0, 'Nowhere/City')).toThrow(/unknown time zone/);
  });
});
