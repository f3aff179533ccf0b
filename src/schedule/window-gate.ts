// The engine's view of a node group's maintenance windows (the WindowGate port), from the pure logic.
import type { WindowGate } from '../engine/ports.js';
import { currentWindow, describeOpening, nextOpening, type Window } from './windows.js';

/** undefined for no windows: the group may be upgraded at any time. */
export function windowGate(windows: readonly Window[]): WindowGate | undefined {
  if (windows.length === 0) return undefined;
  // Messages use the first window's zone: the one the team wrote its windows in.
  const zone = windows[0].timezone;
  return {
    at(now) {
      const open = currentWindow(windows, now);
      if (open) return { open: true, closesAt: open.closesAt };
      const next = nextOpening(windows, now);
      return next ? { open: false, opensAt: next.opensAt } : { open: false };
    },
    describe: (ms, now) => describeOpening(ms, now, zone),
  };
}
