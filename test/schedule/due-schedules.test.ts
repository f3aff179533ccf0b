import { describe, expect, it } from 'vitest';
import { takeDueSchedules } from '../../src/schedule/due-schedules.js';
import { newScheduleId, type Schedule } from '../../src/schedule/schedules.js';

const Z = (iso: string) => Date.parse(iso);

const base: Schedule = {
  id: 's-aaaaa',
  ref: { cluster: 'prod', nodegroup: 'ng-1' },
  version: '1.30',
  at: '0 2 * * SAT',
  timezone: 'Europe/Berlin',
  createdBy: { user: 'U1', at: 0, channel: 'C1' },
};

describe('takeDueSchedules', () => {
  it('returns the due ones, earliest first, each with what to store back', () => {
    const weekly = { ...base, id: 's-week', nextAt: Z('2025-01-11T01:00:00Z') };
    const once = { ...base, id: 's-once', at: '2025-01-11T00:30Z', nextAt: Z('2025-01-11T00:30:00Z') };
    const later = { ...base, id: 's-late', nextAt: Z('2025-01-18T01:00:00Z') };
    const fired = { ...base, id: 's-done', at: '2025-01-01T00:00Z' };
    const now = Z('2025-01-11T01:00:20Z');
    const due = takeDueSchedules([later, weekly, fired, once], now);
    expect(due.map((d) => d.schedule.id)).toEqual(['s-once', 's-week']);
    const [o, w] = due;
    expect(o).toMatchObject({ dueAt: Z('2025-01-11T00:30:00Z'), lateMs: 30 * 60_000 + 20_000, done: true });
    expect(o.nextAt).toBeUndefined();
    expect('nextAt' in o.next).toBe(false);
    expect(o.next.id).toBe('s-once');
    expect(w).toMatchObject({ dueAt: Z('2025-01-11T01:00:00Z'), lateMs: 20_000, done: false, nextAt: Z('2025-01-18T01:00:00Z') });
    expect(w.next).toEqual({ ...weekly, nextAt: Z('2025-01-18T01:00:00Z') });
    // The input is left alone.
    expect(weekly.nextAt).toBe(Z('2025-01-11T01:00:00Z'));
  });

  it('nothing due: nothing returned; exactly at nextAt: due', () => {
    const s = { ...base, nextAt: Z('2025-01-11T01:00:00Z') };
    expect(takeDueSchedules([s], Z('2025-01-11T00:59:59Z'))).toEqual([]);
    expect(takeDueSchedules([s], Z('2025-01-11T01:00:00Z'))).toHaveLength(1);
    expect(takeDueSchedules([], 0)).toEqual([]);
  });

  it('a recurring schedule that missed several times (the bot was down) fires once and moves past now', () => {
    const s = { ...base, nextAt: Z('2025-01-11T01:00:00Z') };
    const [d] = takeDueSchedules([s], Z('2025-02-03T12:00:00Z'));
    expect(d.lateMs).toBe(Z('2025-02-03T12:00:00Z') - Z('2025-01-11T01:00:00Z'));
    expect(new Date(d.nextAt!).toISOString()).toBe('2025-02-08T01:00:00.000Z');
  });

  it('a schedule whose time can no longer be worked out is retired with the reason', () => {
    const broken = { ...base, timezone: 'Nowhere/City', nextAt: 0 };
    const [d] = takeDueSchedules([broken], 1000);
    expect(d.done).toBe(true);
    expect(d.error).toMatch(/unknown time zone "Nowhere\/City"/);
    expect('nextAt' in d.next).toBe(false);
  });
});

describe('newScheduleId', () => {
  it('is short and typeable: s- and five letters or digits without look-alikes', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const id = newScheduleId();
      expect(id).toMatch(/^s-[a-hjkmnp-z2-9]{5}$/);
      seen.add(id);
    }
    expect(seen.size).toBeGreaterThan(1990);
    expect(newScheduleId(() => 0)).toBe('s-aaaaa');
    expect(newScheduleId(() => 0.999999)).toBe('s-99999');
  });
});
