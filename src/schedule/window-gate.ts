// A node group's windows as the rest of mngbot asks about them: may an approved upgrade start now,
// and if not, when — and how to say it (in the zone of the window that opens).
import type { WindowGate } from '../engine/ports.js';
import { nextCronTime, parseCron } from './cron.js';
import { currentWindow, describeOpening, nextOpening, validateWindows, type Window, type WindowSpan } from './windows.js';

export type WindowStart =
  /** The group has no windows: it runs as soon as it is approved. */
  | { kind: 'none' }
  /** A window is open now. */
  | { kind: 'open'; span: WindowSpan; timezone: string }
  /** Every window is closed now; the next opens at next.opensAt. */
  | { kind: 'closed'; next: WindowSpan; timezone: string }
  /** Closed, and none opens within the cron search horizon (years). */
  | { kind: 'never' };

/** The zone to speak of a time in: that of a window whose cron fires exactly then, else the first window's. */
export function openingZone(windows: readonly Window[], atMs: number): string {
  for (const w of windows) {
    if (nextCronTime(parseCron(w.cron), w.timezone, atMs - 1) === atMs) return w.timezone;
  }
  return windows[0]?.timezone ?? 'UTC';
}

/** Where the group's windows stand at nowMs. */
export function windowStart(windows: readonly Window[], nowMs: number): WindowStart {
  if (windows.length === 0) return { kind: 'none' };
  const open = currentWindow(windows, nowMs);
  if (open) return { kind: 'open', span: open, timezone: openingZone(windows, open.opensAt) };
  const next = nextOpening(windows, nowMs);
  if (!next) return { kind: 'never' };
  return { kind: 'closed', next, timezone: openingZone(windows, next.opensAt) };
}

/** For engine.requestUpgrade's notBefore: now while a window is open, the next opening otherwise, undefined without windows. */
export function notBeforeFor(start: WindowStart, nowMs: number): number | undefined {
  switch (start.kind) {
    case 'none':
    case 'never':
      return undefined;
    case 'open':
      return nowMs;
    case 'closed':
      return start.next.opensAt;
  }
}

/** How far ahead an empty window list says "open until": finite, so that nobody sleeps forever (or, via setTimeout's overflow, not at all). */
const NO_WINDOWS_HORIZON_MS = 24 * 3_600_000;

/**
 * The engine's WindowGate over a group's windows; main.ts builds one per group from windowsFor.
 * Throws a UserError naming the field when a window is invalid. An empty list is always open.
 */
export function windowGate(windows: readonly Window[]): WindowGate {
  validateWindows([...windows]);
  return {
    at(atMs) {
      const s = windowStart(windows, atMs);
      if (s.kind === 'open') return { open: true, closesAt: s.span.closesAt };
      if (s.kind === 'closed') return { open: false, opensAt: s.next.opensAt };
      if (s.kind === 'none') return { open: true, closesAt: atMs + NO_WINDOWS_HORIZON_MS };
      return { open: false };
    },
    describe(ms, nowMs) {
      return describeOpening(ms, nowMs, openingZone(windows, ms));
    },
  };
}

/** The next `count` openings after nowMs (an open window is not among them), each with its zone. */
export function upcomingOpenings(windows: readonly Window[], nowMs: number, count: number): (WindowSpan & { timezone: string })[] {
  const out: (WindowSpan & { timezone: string })[] = [];
  let at = nowMs;
  while (out.length < count) {
    const span = nextOpening(windows, at);
    if (!span || span.opensAt <= at) break;
    out.push({ ...span, timezone: openingZone(windows, span.opensAt) });
    at = span.opensAt;
  }
  return out;
}
