import { describe, expect, it } from 'vitest';
import type { GroupRef } from '../../src/engine/ports.js';
import { WindowScheduler } from '../../src/schedule/scheduler.js';
import type { WindowSpan } from '../../src/schedule/windows.js';

const Z = (iso: string) => Date.parse(iso);
const MIN = 60_000;

function recorder() {
  const calls: string[] = [];
  const fmt = (ref: GroupRef, s: WindowSpan) =>
    `${ref.cluster}/${ref.nodegroup} ${new Date(s.opensAt).toISOString().slice(11, 16)}-${new Date(s.closesAt).toISOString().slice(11, 16)}`;
  return {
    calls,
    handlers: {
      onOpen: (ref: GroupRef, s: WindowSpan) => void calls.push(`open ${fmt(ref, s)}`),
      onClose: (ref: GroupRef, s: WindowSpan) => void calls.push(`close ${fmt(ref, s)}`),
    },
  };
}

describe('WindowScheduler', () => {
  const targets = [
    { ref: { cluster: 'prod', nodegroup: 'ng-1' }, windows: [{ cron: '0 2 * * SAT', duration: '90m', timezone: 'UTC' }] },
    { ref: { cluster: 'prod', nodegroup: 'ng-2' }, windows: [{ cron: '0 3 * * SAT', duration: '30m', timezone: 'UTC' }] },
    { ref: { cluster: 'dev', nodegroup: 'ng-1' }, windows: [] },
  ];

  it('calls back once at each opening and closing, minute by minute (manual ticks)', () => {
    const r = recorder();
    let now = Z('2025-01-11T01:00:00Z');
    const s = new WindowScheduler(targets, r.handlers, { trigger: 'manual', now: () => now });
    s.start();
    for (; now <= Z('2025-01-11T05:00:00Z'); now += MIN) s.tick(now);
    expect(r.calls).toEqual([
      'open prod/ng-1 02:00-03:30',
      'open prod/ng-2 03:00-03:30',
      'close prod/ng-1 02:00-03:30',
      'close prod/ng-2 03:00-03:30',
    ]);
  });

  it('reports a window already open at start, and sees a close it slept through', () => {
    const r = recorder();
    const s = new WindowScheduler(targets.slice(0, 1), r.handlers, { trigger: 'manual', now: () => Z('2025-01-11T02:45:00Z') });
    s.start();
    expect(r.calls).toEqual(['open prod/ng-1 02:00-03:30']);
    s.tick(Z('2025-01-18T02:10:00Z')); // a week later, the next window: close the old, open the new
    expect(r.calls.slice(1)).toEqual(['close prod/ng-1 02:00-03:30', 'open prod/ng-1 02:00-03:30']);
    expect(s.status(Z('2025-01-18T02:10:00Z'))[0].next?.opensAt).toBe(Z('2025-01-25T02:00:00Z'));
  });

  it('hands handler failures to onError and carries on; calls onTick every tick', async () => {
    const errors: unknown[] = [];
    const ticks: number[] = [];
    const s = new WindowScheduler(targets.slice(0, 2), {
      onOpen: async (ref) => {
        if (ref.nodegroup === 'ng-1') throw new Error('boom');
      },
      onClose: () => {
        throw new Error('sync boom');
      },
      onTick: (now) => void ticks.push(now),
      onError: (err) => void errors.push(err),
    }, { trigger: 'manual' });
    s.tick(Z('2025-01-11T03:10:00Z'));
    s.tick(Z('2025-01-11T04:00:00Z'));
    await new Promise((r) => setTimeout(r, 0));
    expect(errors.map((e) => (e as Error).message).sort()).toEqual(['boom', 'sync boom', 'sync boom']);
    expect(ticks).toHaveLength(2);
  });

  it('refuses bad windows up front, naming the group and field', () => {
    expect(
      () => new WindowScheduler([{ ref: { cluster: 'c', nodegroup: 'n' }, windows: [{ cron: '0 2 * * SAT', duration: '4h', timezone: 'Nowhere' }] }], recorder().handlers),
    ).toThrow('windows of c/n[0].timezone: unknown time zone "Nowhere"');
  });

  it('with node-cron: starts a minute task and stops it', async () => {
    const r = recorder();
    const s = new WindowScheduler(targets, r.handlers, { now: () => Z('2025-01-11T02:30:00Z') });
    s.start();
    expect(r.calls).toEqual(['open prod/ng-1 02:00-03:30']);
    await s.stop();
  });
});
