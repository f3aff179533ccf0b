import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../../src/engine/events.js';
import { windowGate } from '../../src/schedule/window-gate.js';
import { currentWindow, nextOpening, type Window } from '../../src/schedule/windows.js';
import { VirtualClock } from '../../src/sim/clock.js';
import { loadScenario } from '../../src/sim/scenario.js';
import { simulate, type SimResult } from '../../src/app/simulate.js';

const HOURLY: Window[] = [{ cron: '30 * * * *', duration: '10m', timezone: 'UTC' }];

function statusEvents(events: ProgressEvent[], status: string) {
  return events.filter((e) => e.kind === 'status' && e.status === status);
}

/** Every drain started inside an open window, and the run ended clean. */
function assertWindowed(result: SimResult, windows: Window[]): { windowsUsed: number } {
  const { report, run, events } = result;
  expect(report.status, run.outcome?.summary).toBe('succeeded');
  expect(report.podsLost + report.pdbViolations + report.terminatedTwice + report.leftTainted + report.leftCordoned).toBe(0);
  expect(report.asg.after).toEqual(report.asg.before);
  const starts = events.filter((e) => e.kind === 'node' && e.state === 'evicting');
  expect(starts.length).toBe(report.nodes.old);
  const outside = starts.filter((e) => !currentWindow(windows, e.at));
  expect(outside.map((e) => `${e.at}`), 'drains started outside a window').toEqual([]);
  const running = statusEvents(events, 'running')[0];
  expect(currentWindow(windows, running.at), 'the run started inside a window').toBeDefined();
  return { windowsUsed: new Set(starts.map((e) => currentWindow(windows, e.at)!.opensAt)).size };
}

describe('maintenance windows on the virtual clock', () => {
  it('waits for the window, pauses when it closes, resumes when the next opens, across three windows', async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 1, 0, 0));
    // No health-gate bake: this timeline (every resume at an opening) assumes the replace phase does not end just after a window closes.
    const result = await simulate({ scenario: await loadScenario('scenarios/demo.json'), clock, windows: windowGate(HOURLY), bakeMs: 0 });
    const { windowsUsed } = assertWindowed(result, HOURLY);
    expect(windowsUsed).toBeGreaterThanOrEqual(3);
    // Approved at 00:00, the run holds until 00:30.
    expect(statusEvents(result.events, 'scheduled')[0].detail).toMatch(/next window opens Thu 00:30 UTC, in 30 minutes/);
    expect(statusEvents(result.events, 'running')[0].at).toBe(Date.UTC(2026, 0, 1, 0, 30));
    const paused = statusEvents(result.events, 'paused');
    expect(paused.length).toBeGreaterThanOrEqual(2);
    expect(paused[0].detail).toMatch(/maintenance window closed: nodes in flight finish/);
    for (const p of paused) expect(p.at % 3_600_000).toBe(40 * 60_000);
    const resumed = statusEvents(result.events, 'running').slice(1);
    expect(resumed.length).toBe(paused.length);
    for (const r of resumed) expect(r.at % 3_600_000).toBe(30 * 60_000);
  });

  it('a bot killed while the run waits out a closed window resumes it at the next opening', async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 1, 0, 0));
    const result = await simulate({
      scenario: await loadScenario('scenarios/demo.json'),
      clock,
      windows: windowGate(HOURLY),
      kill: { everySave: true },
    });
    expect(result.report.restarts).toBeGreaterThan(10);
    assertWindowed(result, HOURLY);
    const resumedWhileClosed = result.events.filter((e) => e.kind === 'resumed' && !currentWindow(HOURLY, e.at));
    expect(resumedWhileClosed.length, 'some restarts happened while the window was closed').toBeGreaterThan(0);
  });

  it('a run asked with --now ignores the windows', async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 1, 0, 0));
    const scenario = await loadScenario('scenarios/demo.json');
    const windowed = await simulate({ scenario, clock, windows: windowGate(HOURLY), outsideWindows: true });
    expect(windowed.report.status).toBe('succeeded');
    expect(statusEvents(windowed.events, 'paused')).toEqual([]);
    expect(statusEvents(windowed.events, 'running')[0].at).toBe(Date.UTC(2026, 0, 1, 0, 0));
  });

  it('a Berlin window on the night clocks go forward opens when the pure logic says, and the run keeps to it', async () => {
    // 29 March 2026: 02:00 CET jumps to 03:00 CEST.
    const windows: Window[] = [{ cron: '0 1 * * SUN', duration: '2h', timezone: 'Europe/Berlin' }];
    const start = Date.UTC(2026, 2, 28, 12, 0);
    const clock = new VirtualClock(start);
    const result = await simulate({ scenario: await loadScenario('scenarios/demo.json'), clock, windows: windowGate(windows) });
    assertWindowed(result, windows);
    const opening = nextOpening(windows, start)!;
    // 01:00 CET is 00:00 UTC; the window lasts two real hours, to 04:00 CEST.
    expect(opening.opensAt).toBe(Date.UTC(2026, 2, 29, 0, 0));
    expect(opening.closesAt).toBe(Date.UTC(2026, 2, 29, 2, 0));
    expect(statusEvents(result.events, 'running')[0].at).toBe(opening.opensAt);
    expect(statusEvents(result.events, 'scheduled')[0].detail).toMatch(/Sun 01:00 CET/);
  });
});
