// The ScheduleStore both stores implement (what /mng schedule and the scheduler rely on).
import { describe, expect, it } from 'vitest';
import type { Schedule, ScheduleStore } from '../../src/schedule/schedules.js';
import { MemoryRunStore } from '../../src/store/memory-run-store.js';
import { storesPerTest } from './fixtures.js';

const stores = storesPerTest({ log: () => {} });

const schedule = (id: string, nextAt?: number, nodegroup = 'ng-1'): Schedule => ({
  id,
  ref: { cluster: 'prod', nodegroup },
  version: '1.30',
  options: { maxUnavailable: 2 },
  at: '0 2 * * SAT',
  timezone: 'Europe/Berlin',
  createdBy: { user: 'U1', at: 1, channel: 'C1' },
  ...(nextAt !== undefined ? { nextAt } : {}),
});

describe.each([
  ['MemoryRunStore', async (): Promise<ScheduleStore> => new MemoryRunStore()],
  [
    'LowdbRunStore',
    async (): Promise<ScheduleStore> => {
      const s = await stores.open();
      return s;
    },
  ],
])('%s (ScheduleStore)', (_name, make) => {
  it('put creates or replaces; list sorts by next time and filters by group; get and delete', async () => {
    const store = await make();
    await store.putSchedule(schedule('s-1', 300));
    await store.putSchedule(schedule('s-2'));
    await store.putSchedule(schedule('s-3', 100, 'ng-2'));
    await store.putSchedule(schedule('s-1', 200));
    expect((await store.listSchedules()).map((s) => [s.id, s.nextAt])).toEqual([['s-3', 100], ['s-1', 200], ['s-2', undefined]]);
    expect((await store.listSchedules({ ref: { cluster: 'prod', nodegroup: 'ng-2' } })).map((s) => s.id)).toEqual(['s-3']);
    expect(await store.getSchedule('s-1')).toEqual(schedule('s-1', 200));
    expect(await store.getSchedule('nope')).toBeUndefined();
    expect(await store.deleteSchedule('s-1')).toBe(true);
    expect(await store.deleteSchedule('s-1')).toBe(false);
    expect((await store.listSchedules()).map((s) => s.id)).toEqual(['s-3', 's-2']);
  });

  it('hands out copies', async () => {
    const store = await make();
    const s = schedule('s-1', 100);
    await store.putSchedule(s);
    s.nextAt = 999;
    const got = (await store.getSchedule('s-1'))!;
    expect(got.nextAt).toBe(100);
    got.options!.maxUnavailable = 50;
    expect((await store.listSchedules())[0].options).toEqual({ maxUnavailable: 2 });
  });
});

describe('MemoryRunStore audit log', () => {
  it('is append-only: callers get copies', async () => {
    const store = new MemoryRunStore();
    await store.audit({ at: 1, user: 'U1', action: 'request', channel: 'C1' });
    const [e] = await store.auditLog();
    e.action = 'nothing happened';
    expect((await store.auditLog())[0].action).toBe('request');
  });
});
