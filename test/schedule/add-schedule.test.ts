import { describe, expect, it } from 'vitest';
import { addSchedule, ScheduleRefusedError, type ScheduleDraft } from '../../src/schedule/add-schedule.js';
import { SCHEDULE_LIMITS, timesAnHour } from '../../src/schedule/schedule-limits.js';
import { MemoryRunStore } from '../../src/store/memory-run-store.js';

const NOW = Date.UTC(2026, 0, 1);
const draft = (o: Partial<ScheduleDraft> = {}): ScheduleDraft => ({
  ref: { cluster: 'prod', nodegroup: 'ng-1' },
  version: '1.30',
  at: '0 2 * * SAT',
  timezone: 'UTC',
  createdBy: { user: 'UAPPROVER', at: NOW, channel: 'C1' },
  ...o,
});

let seq = 0;
const deps = (store = new MemoryRunStore()) => ({ store, isApprover: (u: string) => u === 'UAPPROVER', newId: () => `s-${String(++seq).padStart(5, 'a')}` });

const refusalOf = async (p: Promise<unknown>) => {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ScheduleRefusedError);
  return (err as ScheduleRefusedError).refusal;
};

describe('addSchedule', () => {
  it('stores an approver’s schedule with its id and first time', async () => {
    const d = deps();
    const s = await addSchedule(d, draft(), NOW);
    expect(s).toMatchObject({ ref: { cluster: 'prod', nodegroup: 'ng-1' }, at: '0 2 * * SAT', nextAt: Date.UTC(2026, 0, 3, 2) });
    expect(await d.store.listSchedules()).toEqual([s]);
  });

  it('refuses anyone else, before looking at anything', async () => {
    const d = deps();
    expect(await refusalOf(addSchedule(d, draft({ at: 'not a cron', createdBy: { user: 'UOTHER', at: NOW } }), NOW))).toEqual({ code: 'not-approver', user: 'UOTHER' });
    expect(await d.store.listSchedules()).toEqual([]);
  });

  it('refuses a cron that fires more than once an hour', async () => {
    expect(timesAnHour('0 * * * *')).toBe(1);
    expect(timesAnHour('2026-03-01T02:00')).toBe(1);
    expect(timesAnHour('*/15 * * * *')).toBe(4);
    expect(timesAnHour('0-4 2 * * *')).toBe(5);
    expect(await refusalOf(addSchedule(deps(), draft({ at: '*/10 2 * * SAT' }), NOW))).toEqual({ code: 'too-often', at: '*/10 2 * * SAT', timesAnHour: 6 });
  });

  it('keeps to the limits even when many are asked for at once', async () => {
    const d = deps();
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => addSchedule(d, draft(), NOW)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(SCHEDULE_LIMITS.perNodeGroup);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => (r.reason as ScheduleRefusedError).refusal.code);
    expect(refused).toEqual(Array(12 - SCHEDULE_LIMITS.perNodeGroup).fill('group-full'));

    const others = await Promise.allSettled(Array.from({ length: 60 }, (_, i) => addSchedule(d, draft({ ref: { cluster: 'prod', nodegroup: `ng-${i + 2}` } }), NOW)));
    expect(others.filter((r) => r.status === 'fulfilled')).toHaveLength(SCHEDULE_LIMITS.total - SCHEDULE_LIMITS.perNodeGroup);
    expect(await d.store.listSchedules()).toHaveLength(SCHEDULE_LIMITS.total);
    expect(await refusalOf(addSchedule(d, draft({ ref: { cluster: 'prod', nodegroup: 'ng-new' } }), NOW))).toEqual({ code: 'all-full', limit: SCHEDULE_LIMITS.total });
  });
});
