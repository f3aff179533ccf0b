import { describe, expect, it } from 'vitest';
import { advanceSchedule, dueSchedules, nextRun, parseOneOff, validateSchedule, type Schedule } from '../../src/schedule/schedules.js';

const Z = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

const base: Schedule = {
  id: 's1',
  ref: { cluster: 'prod', nodegroup: 'ng-1' },
  at: '0 2 1 * *',
  timezone: 'Europe/Berlin',
  createdBy: { user: 'U1', at: 0, channel: 'C1' },
};

describe('nextRun', () => {
  it('recurring: the next cron time in the zone, strictly after', () => {
    expect(iso(nextRun(base, Z('2025-01-15T00:00:00Z')))).toBe('2025-02-01T01:00:00.000Z');
    expect(iso(nextRun(base, Z('2025-02-01T01:00:00Z')))).toBe('2025-03-01T01:00:00.000Z');
    expect(iso(nextRun({ ...base, at: '0 2 1 * *' }, Z('2025-06-15T00:00:00Z')))).toBe('2025-07-01T00:00:00.000Z'); // CEST
    expect(iso(nextRun({ at: '0 2 * * SUN', timezone: 'Europe/Berlin' }, Z('2025-03-29T00:00:00Z')))).toBe('2025-03-30T01:00:00.000Z');
  });

  it('one-off: local time in the zone, or an explicit offset; nothing once past', () => {
    const once = { ...base, at: '2025-04-12T02:00' };
    expect(iso(nextRun(once, Z('2025-04-01T00:00:00Z')))).toBe('2025-04-12T00:00:00.000Z');
    expect(nextRun(once, Z('2025-04-12T00:00:00Z'))).toBeUndefined();
    expect(iso(nextRun({ ...base, at: '2025-04-12T02:00Z' }, 0))).toBe('2025-04-12T02:00:00.000Z');
    expect(iso(nextRun({ ...base, at: '2025-04-12T02:00:30+05:30' }, 0))).toBe('2025-04-11T20:30:30.000Z');
    expect(iso(nextRun({ ...base, at: '2025-01-10 22:00', timezone: 'America/New_York' }, 0))).toBe('2025-01-11T03:00:00.000Z');
    // In the spring-forward gap: the first minute after it.
    expect(iso(parseOneOff('2025-03-30T02:30', 'Europe/Berlin'))).toBe('2025-03-30T01:00:00.000Z');
  });
});

describe('validateSchedule', () => {
  it('accepts good schedules and names the bad field', () => {
    expect(() => validateSchedule(base)).not.toThrow();
    expect(() => validateSchedule({ ...base, at: '2025-04-12T02:00' })).not.toThrow();
    expect(() => validateSchedule({ ...base, at: '0 2 * *' })).toThrow(/^at: cron "0 2 \* \*": expected 5 fields/);
    expect(() => validateSchedule({ ...base, at: '2025-02-30T02:00' })).toThrow('at: "2025-02-30T02:00" is not a time');
    expect(() => validateSchedule({ ...base, at: '2025-04-12' })).toThrow(/at: "2025-04-12" is not a time/);
    expect(() => validateSchedule({ ...base, timezone: 'Mars/Olympus' })).toThrow('timezone: unknown time zone "Mars/Olympus"');
    expect(() => validateSchedule({ ...base, id: '' })).toThrow(/^id:/);
    expect(() => validateSchedule({ ...base, version: '' })).toThrow(/^version:/);
  });

  it('names the path and what was expected inside options and ref', () => {
    expect(() => validateSchedule({ ...base, options: { maxUnavailable: 0 } })).toThrow(/^options\.maxUnavailable: expected a whole number above 0$/);
    expect(() => validateSchedule({ ...base, options: { surge: 1.5 } })).toThrow(/^options\.surge: expected a whole number above 0$/);
    expect(() => validateSchedule({ ...base, options: { strategy: 'blue-green' } })).toThrow(/^options\.strategy: expected rolling or eks$/);
    expect(() => validateSchedule({ ...base, options: { force: 'yes' } })).toThrow(/^options\.force: expected true or false$/);
    expect(() => validateSchedule({ ...base, ref: { cluster: 'c' } })).toThrow(/^ref\.nodegroup: expected a string$/);
    expect(() => validateSchedule(null)).toThrow(/^schedule: expected an object$/);
  });
});

describe('dueSchedules and advanceSchedule', () => {
  it('fires due schedules earliest first, moves recurring ones on and retires one-offs', () => {
    const rec = { ...base, id: 'rec', nextAt: Z('2025-02-01T01:00:00Z') };
    const once = { ...base, id: 'once', at: '2025-01-31T12:00Z', nextAt: Z('2025-01-31T12:00:00Z') };
    const later = { ...base, id: 'later', nextAt: Z('2025-03-01T01:00:00Z') };
    const done = { ...base, id: 'done' };
    const now = Z('2025-02-01T01:00:30Z');
    expect(dueSchedules([later, rec, done, once], now).map((s) => s.id)).toEqual(['once', 'rec']);
    expect(iso(advanceSchedule(rec, now).nextAt)).toBe('2025-03-01T01:00:00.000Z');
    const retired = advanceSchedule(once, now);
    expect('nextAt' in retired).toBe(false);
    expect(retired.id).toBe('once');
  });
});
