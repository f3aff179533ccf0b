import { describe, expect, it } from 'vitest';
import { notBeforeFor, openingZone, upcomingOpenings, windowGate, windowStart } from '../../src/schedule/window-gate.js';
import type { Window } from '../../src/schedule/windows.js';

const Z = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 16);

const BERLIN: Window = { cron: '0 2 * * SAT', duration: '4h', timezone: 'Europe/Berlin' };
const NEW_YORK: Window = { cron: '0 22 * * FRI', duration: '6h', timezone: 'America/New_York' };

describe('windowStart and notBeforeFor', () => {
  it('no windows: runs at once', () => {
    const s = windowStart([], Z('2025-01-08T00:00:00Z'));
    expect(s).toEqual({ kind: 'none' });
    expect(notBeforeFor(s, 123)).toBeUndefined();
  });

  it('closed: the next opening, in the zone of the window that opens', () => {
    const now = Z('2025-01-08T00:00:00Z'); // a Wednesday
    const s = windowStart([BERLIN, NEW_YORK], now);
    // Friday 22:00 EST (Saturday 03:00 UTC) comes after Saturday 02:00 CET (01:00 UTC).
    expect(s).toMatchObject({ kind: 'closed', timezone: 'Europe/Berlin' });
    expect(notBeforeFor(s, now)).toBe(Z('2025-01-11T01:00:00Z'));
    const ny = windowStart([NEW_YORK], now);
    expect(ny).toMatchObject({ kind: 'closed', timezone: 'America/New_York' });
    expect(notBeforeFor(ny, now)).toBe(Z('2025-01-11T03:00:00Z'));
  });

  it('open: now, with the open span', () => {
    const now = Z('2025-01-11T02:00:00Z');
    const s = windowStart([BERLIN], now);
    expect(s).toMatchObject({ kind: 'open', timezone: 'Europe/Berlin', span: { opensAt: Z('2025-01-11T01:00:00Z'), closesAt: Z('2025-01-11T05:00:00Z') } });
    expect(notBeforeFor(s, now)).toBe(now);
  });

  it('openingZone falls back to the first window', () => {
    expect(openingZone([BERLIN, NEW_YORK], Z('2025-01-11T03:00:00Z'))).toBe('America/New_York');
    expect(openingZone([BERLIN, NEW_YORK], Z('2025-01-11T03:01:00Z'))).toBe('Europe/Berlin');
    expect(openingZone([], 0)).toBe('UTC');
  });
});

describe('upcomingOpenings', () => {
  it('lists the next openings, skipping the one that is open', () => {
    const list = upcomingOpenings([BERLIN], Z('2025-01-11T02:00:00Z'), 3);
    expect(list.map((s) => iso(s.opensAt))).toEqual(['2025-01-18T01:00', '2025-01-25T01:00', '2025-02-01T01:00']);
    expect(list.every((s) => s.timezone === 'Europe/Berlin')).toBe(true);
    expect(upcomingOpenings([], 0, 3)).toEqual([]);
    // Merged windows count once.
    const merged = upcomingOpenings([{ cron: '0 1 * * *', duration: '1h', timezone: 'UTC' }, { cron: '0 2 * * *', duration: '1h', timezone: 'UTC' }], Z('2025-01-10T00:00:00Z'), 2);
    expect(merged.map((s) => [iso(s.opensAt), iso(s.closesAt)])).toEqual([
      ['2025-01-10T01:00', '2025-01-10T03:00'],
      ['2025-01-11T01:00', '2025-01-11T03:00'],
    ]);
  });
});

describe('windowGate (the engine port)', () => {
  it('answers open with the close, closed with the next opening, and describes times in the window’s zone', () => {
    const gate = windowGate([BERLIN]);
    expect(gate.at(Z('2025-01-11T02:00:00Z'))).toEqual({ open: true, closesAt: Z('2025-01-11T05:00:00Z') });
    expect(gate.at(Z('2025-01-08T00:00:00Z'))).toEqual({ open: false, opensAt: Z('2025-01-11T01:00:00Z') });
    expect(gate.describe(Z('2025-01-11T01:00:00Z'), Z('2025-01-08T01:00:00Z'))).toBe('Sat 02:00 CET, in 3 days');
  });

  it('refuses invalid windows up front; an empty list is always open, never for ever', () => {
    expect(() => windowGate([{ ...BERLIN, timezone: 'Nowhere' }])).toThrow(/windows\[0\]\.timezone: unknown time zone/);
    const open = windowGate([]).at(1000);
    expect(open.open).toBe(true);
    expect(open.open && Number.isFinite(open.closesAt)).toBe(true);
  });
});
