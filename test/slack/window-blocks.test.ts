// The renderers for windows, schedules, history and the audit log: pure, within Block Kit's limits.
import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/engine/ports.js';
import type { Run } from '../../src/engine/run.js';
import type { Schedule } from '../../src/schedule/schedules.js';
import type { Window } from '../../src/schedule/windows.js';
import { auditLine, auditMessage } from '../../src/slack/blocks/audit.js';
import { historyMessage } from '../../src/slack/blocks/history.js';
import type { Message } from '../../src/slack/blocks/kit.js';
import { limitProblems } from '../../src/slack/blocks/limits.js';
import { planMessage } from '../../src/slack/blocks/plan.js';
import { scheduleCancelledMessage, scheduleCreatedMessage, scheduleListMessage } from '../../src/slack/blocks/schedules.js';
import { runWindowNote, windowNoteAt, windowNoteText, windowsMessage, type WindowsRow } from '../../src/slack/blocks/windows.js';
import { makePlan, makeRun } from './fixtures.js';

const Z = (iso: string) => Date.parse(iso);
const text = (m: Message) => `${m.text}\n${JSON.stringify(m.blocks)}`;
const within = (m: Message, what: string) => {
  expect(limitProblems(m), what).toEqual([]);
  const chars = m.blocks.reduce((n, b) => n + ('text' in b && b.text ? b.text.text.length : 0), 0);
  expect(chars, what).toBeLessThan(45_000);
};

const BERLIN: Window[] = [{ cron: '0 2 * * SAT', duration: '4h', timezone: 'Europe/Berlin' }];
const WED = Z('2025-01-08T01:00:00Z');
const SAT_OPEN = Z('2025-01-11T01:00:00Z');

describe('window notes', () => {
  it('say when the next window opens, in the window’s zone', () => {
    const note = windowNoteAt(BERLIN, WED)!;
    expect(note).toEqual({ kind: 'waits', opensAt: SAT_OPEN, timezone: 'Europe/Berlin' });
    expect(windowNoteText(note, WED)).toBe(':calendar: Once approved, it waits for the maintenance window: next window opens Sat 02:00 CET, in 3 days.');
    expect(windowNoteText(note, WED, true)).toBe(':calendar: Waits for the maintenance window: next window opens Sat 02:00 CET, in 3 days.');
    expect(windowNoteText(windowNoteAt(BERLIN, SAT_OPEN + 3_600_000)!, SAT_OPEN + 3_600_000)).toMatch(/window is open \(closes Sat 06:00 CET, in 3 hours\): it starts as soon as it is approved/);
    expect(windowNoteText({ kind: 'outside' }, WED)).toMatch(/--now\*: runs outside the maintenance windows, at once after approval/);
    expect(windowNoteAt([], WED)).toBeUndefined();
  });

  it('for a run: --now wins; a future notBefore is the opening; otherwise the windows now', () => {
    expect(runWindowNote({ outsideWindows: true }, [], WED)).toEqual({ kind: 'outside' });
    expect(runWindowNote({}, [], WED)).toBeUndefined();
    expect(runWindowNote({ notBefore: SAT_OPEN }, BERLIN, WED)).toEqual({ kind: 'waits', opensAt: SAT_OPEN, timezone: 'Europe/Berlin' });
    // The window opened while the request waited for approval.
    expect(runWindowNote({ notBefore: SAT_OPEN }, BERLIN, SAT_OPEN + 60_000)).toMatchObject({ kind: 'open' });
  });
});

describe('plan message with windows', () => {
  const awaiting = (): Run => ({ ...makeRun(), createdAt: WED, expiresAt: WED + 1_800_000, notBefore: SAT_OPEN });

  it('awaiting approval: the note above the buttons', () => {
    const m = planMessage({ kind: 'run', run: awaiting(), now: WED, windows: BERLIN });
    within(m, 'awaiting');
    expect(text(m)).toContain('next window opens Sat 02:00 CET, in 3 days');
    const i = m.blocks.findIndex((b) => b.type === 'actions');
    expect(JSON.stringify(m.blocks[i - 1])).toContain('next window opens');
    // Without windows given (an older caller), nothing about windows.
    expect(text(planMessage({ kind: 'run', run: awaiting(), now: WED }))).not.toContain('window');
  });

  it('scheduled: when it starts; --now: said in the plan and after', () => {
    const scheduled = { ...awaiting(), status: 'scheduled' as const, approvedBy: { user: 'UAPPROVER1', at: WED } };
    const m = planMessage({ kind: 'run', run: scheduled, now: WED + 3_600_000, windows: BERLIN });
    within(m, 'scheduled');
    expect(text(m)).toMatch(/\*Scheduled\*\. :calendar: Waits for the maintenance window: next window opens Sat 02:00 CET, in 3 days/);
    const now = { ...makeRun(), outsideWindows: true };
    expect(text(planMessage({ kind: 'run', run: now, now: 0, windows: BERLIN }))).toMatch(/--now\*: runs outside the maintenance windows, at once after approval/);
    const running = { ...makeRun({ approved: true }), outsideWindows: true };
    expect(text(planMessage({ kind: 'run', run: running, now: 10, windows: BERLIN }))).toContain('outside the maintenance windows (--now)');
  });

  it('paused by a closed window: says when the next opens', () => {
    const paused = { ...makeRun({ approved: true }), status: 'paused' as const, phase: 'replace' as const, windowPause: { since: WED, opensAt: SAT_OPEN } };
    expect(text(planMessage({ kind: 'run', run: paused, now: WED, windows: BERLIN }))).toMatch(/maintenance window closed: nodes in flight finish, no new node starts; next window opens Sat 02:00 CET, in 3 days/);
  });

  it('dry run: the note when given', () => {
    const m = planMessage({ kind: 'dry-run', plan: makePlan(), requestedBy: 'U1', window: { note: windowNoteAt(BERLIN, WED)!, now: WED } });
    within(m, 'dry run');
    expect(text(m)).toContain('next window opens Sat 02:00 CET, in 3 days');
  });
});

describe('/mng windows', () => {
  it('one line per group; stays within limits for hundreds of groups with many windows', () => {
    const windows: Window[] = Array.from({ length: 8 }, (_, i) => ({ cron: `${i} 2 * * SAT`, duration: '30m', timezone: 'Europe/Berlin' }));
    const rows: WindowsRow[] = Array.from({ length: 400 }, (_, i) => ({
      ref: { cluster: `cluster-${i % 7}`, nodegroup: `nodegroup-with-a-long-name-${i}` },
      windows: i % 3 ? windows : [],
      next: i % 3 ? [{ opensAt: SAT_OPEN, closesAt: SAT_OPEN + 1, timezone: 'Europe/Berlin' }] : [],
      ...(i % 5 === 0 ? { open: { opensAt: WED - 1, closesAt: WED + 3_600_000, timezone: 'UTC' } } : {}),
    }));
    const m = windowsMessage(rows, WED, [{ cluster: 'broken', error: 'x'.repeat(5000) }]);
    within(m, 'windows');
    expect(text(m)).toMatch(/and \d+ more node groups/);
    expect(text(m)).toContain('and 3 more');
    const empty = windowsMessage([], WED);
    within(empty, 'empty');
    expect(text(empty)).toContain('No node groups are configured');
  });
});

describe('/mng history', () => {
  it('newest first as given, with who asked and decided; 500 runs stay within limits', () => {
    const runs: Run[] = Array.from({ length: 500 }, (_, i) => ({
      ...makeRun({ id: `r-${String(i).padStart(8, '0')}` }),
      status: 'succeeded' as const,
      createdAt: 1_700_000_000_000 - i * 1000,
      startedAt: 1_700_000_000_000 - i * 1000 + 10,
      finishedAt: 1_700_000_000_000 - i * 1000 + 600_000,
      decidedBy: { user: 'UAPPROVER1', at: 1, decision: 'approved' as const },
      outcome: { status: 'succeeded' as const, summary: 'Replaced 3 nodes <b>'.repeat(30), changes: [] },
    }));
    const m = historyMessage(runs, { nodegroup: 'ng-1' });
    within(m, 'history');
    const t = text(m);
    expect(t).toContain('History of ng-1');
    expect(t.indexOf('r-00000000')).toBeLessThan(t.indexOf('r-00000001'));
    expect(t).toContain('approved by <@UAPPROVER1>');
    expect(t).toContain('took 10m');
    expect(t).toContain('&lt;b&gt;');
    expect(t).not.toContain('<b>');
    expect(t).toMatch(/and \d+ older/);
    expect(text(historyMessage([]))).toContain('No upgrades yet');
  });
});

describe('/mng audit', () => {
  it('newest first, with the channel and refusals marked; 200 long entries stay within limits', () => {
    const entries: AuditEntry[] = Array.from({ length: 200 }, (_, i) => ({
      at: 1_700_000_000_000 + i * 60_000,
      user: i % 2 ? 'UAPPROVER1' : 'mngbot',
      action: i % 3 ? 'approve' : 'refused-approve',
      runId: `r-${i}`,
      channel: i % 4 ? 'C0PLATFORM' : '#ops',
      detail: `<!channel> ${'d'.repeat(400)}`,
    }));
    const m = auditMessage(entries, 200);
    within(m, 'audit');
    const t = text(m);
    expect(t.indexOf('`r-199`')).toBeLessThan(t.indexOf('`r-198`'));
    expect(t).toContain('<#C0PLATFORM>');
    expect(t).toContain(' in #ops');
    expect(t).not.toContain('<!channel>');
    expect(auditLine({ at: 0, user: 'U1', action: 'refused-audit', channel: 'C1X' })).toMatch(/<!date\^0\^\{date_short_pretty\} \{time\}\|1970-01-01 00:00 UTC> · <@U1> · :no_entry_sign: \*refused-audit\* in <#C1X>/);
    expect(text(auditMessage([], 20))).toContain('The audit log is empty');
  });
});

describe('schedule messages', () => {
  const s: Schedule = {
    id: 's-7kq2m',
    ref: { cluster: 'prod', nodegroup: 'ng-1' },
    version: '1.30',
    options: { maxUnavailable: 2, force: true },
    at: '0 2 * * SAT',
    timezone: 'Europe/Berlin',
    createdBy: { user: 'UREQUESTER', at: WED, channel: 'C1' },
    nextAt: SAT_OPEN,
  };

  it('created, listed, cancelled', () => {
    const made = scheduleCreatedMessage(s, WED, 'a note about windows');
    within(made, 'created');
    expect(text(made)).toMatch(/<@UREQUESTER> scheduled `s-7kq2m`: upgrade `prod\/ng-1` to \*1\.30\* \(the latest AMI release then\) every time `0 2 \* \* SAT` fires \(Europe\/Berlin\) · maxUnavailable 2, --force/);
    expect(text(made)).toContain('next Sat 02:00 CET, in 3 days');
    expect(text(made)).toContain('a note about windows');
    expect(text(made)).toContain('/mng schedule cancel s-7kq2m');
    const once = { ...s, at: '2025-01-20T09:00', version: undefined, options: undefined };
    expect(text(scheduleCreatedMessage(once, WED))).toMatch(/to its current version .* once, at `2025-01-20T09:00` \(Europe\/Berlin\)/);
    const { nextAt: _n, ...fired } = once;
    expect(text(scheduleListMessage([fired], WED))).toContain('done (its time has passed)');
    const many = scheduleListMessage(Array.from({ length: 500 }, (_, i) => ({ ...s, id: `s-${i}` })), WED);
    within(many, 'list');
    expect(text(many)).toMatch(/and \d+ more/);
    expect(text(scheduleListMessage([], WED))).toContain('No upgrades are scheduled');
    expect(text(scheduleCancelledMessage(s, 'UAPPROVER1'))).toMatch(/<@UAPPROVER1> cancelled schedule `s-7kq2m`/);
  });
});
