// Times people read of a paced simulated world (the demo, npm start with a scenario): its clock starts
// at their now, and a deadline they act on (the approval's expiry) is said in their time, not the
// world's, which runs MNG_SIM_SPEED times faster.
import { describe, expect, it } from 'vitest';
import { createDeps } from '../../src/app/compose.js';
import { loadConfig } from '../../src/config.js';
import { PendingRequestError } from '../../src/engine/commands.js';
import { auditMessage } from '../../src/slack/blocks/audit.js';
import { pendingRequestMessage } from '../../src/slack/blocks/errors.js';
import { historyMessage } from '../../src/slack/blocks/history.js';
import { planMessage } from '../../src/slack/blocks/plan.js';
import { scheduleCreatedMessage, scheduleListMessage } from '../../src/slack/blocks/schedules.js';
import { windowNoteText } from '../../src/slack/blocks/windows.js';

describe('a paced simulated world, as the demo composes it', () => {
  it('starts at the real now, shows its history and audit times as simulated time, and says "expires in 30m" for the 30 minutes people have, not the world’s 3h', async () => {
    const config = await loadConfig({ env: { MNG_SCENARIO: 'scenarios/demo.json', MNG_SIM_SPEED: '6' } });
    const before = Date.now();
    const deps = await createDeps(config, { dataDir: null });
    try {
      const clock = deps.app.clock;
      // Not 2026-01-01: the world's times begin at the reader's.
      expect(clock.now()).toBeGreaterThanOrEqual(before);
      expect(clock.now() - before).toBeLessThan(24 * 3_600_000);
      const run = await deps.engine.requestUpgrade({ ref: { cluster: 'demo', nodegroup: 'workers' }, version: '1.30' }, { user: 'U0REQUESTER', at: clock.now() });
      // The world's clock gives the request 3 h of its time: 30 real minutes.
      expect(run.expiresAt! - run.createdAt).toBe(3 * 3_600_000);
      const message = planMessage({ kind: 'run', run, now: run.createdAt, ...(clock.pace ? { pace: clock.pace } : {}) });
      const said = JSON.stringify(message.blocks).match(/approvers only · expires in [^"]*/)?.[0];
      await expect(said).toMatchFileSnapshot('__snapshots__/messages/approval-expiry-paced.txt');

      // History and audit times are the world's: shown as simulated time, never as the reader's own.
      const pace = clock.pace;
      const history = JSON.stringify(historyMessage(await deps.app.history({}), {}, { pace }).blocks);
      const audit = JSON.stringify(auditMessage(await deps.store.auditLog!(10), 10, { pace }).blocks);
      const stamp = / · sim \d{4}-\d\d-\d\d \d\d:\d\d UTC · /;
      expect(history).toMatch(stamp);
      expect(history).not.toContain('<!date^');
      expect(audit).toMatch(/sim \d{4}-\d\d-\d\d \d\d:\d\d UTC · /);
      expect(audit).not.toContain('<!date^');

      // A second request while this one waits: when it was asked and when it expires are world times too.
      const second = await deps.engine.requestUpgrade({ ref: { cluster: 'demo', nodegroup: 'workers' }, version: '1.30' }, { user: 'U0OTHER', at: clock.now() }).catch((e: unknown) => e);
      expect(second).toBeInstanceOf(PendingRequestError);
      const pending = JSON.stringify(pendingRequestMessage((second as PendingRequestError).pending, undefined, pace).blocks);
      expect(pending).toMatch(/asked by <@U0REQUESTER> sim \d{4}-\d\d-\d\d \d\d:\d\d UTC.* It expires sim \d{4}-\d\d-\d\d \d\d:\d\d UTC\./);
      expect(pending).not.toContain('<!date^');
    } finally {
      await deps.close();
    }
  });

  it('shows a schedule and a window opening at the simulated time they fire, and how far away in the reader’s time', async () => {
    const config = await loadConfig({ env: { MNG_SCENARIO: 'scenarios/demo.json', MNG_SIM_SPEED: '6', MNG_APPROVERS: 'U0APPROVER' } });
    const deps = await createDeps(config, { dataDir: null });
    try {
      const clock = deps.app.clock;
      const pace = clock.pace;
      expect(pace).toBe(6);
      // Six hours ahead on the world's clock, a whole minute: one real hour at the demo's pace.
      const at = new Date(Math.ceil((clock.now() + 6 * 3_600_000) / 60_000) * 60_000).toISOString().slice(0, 16);
      const schedule = await deps.app.createSchedule({ cluster: 'demo', nodegroup: 'workers', version: '1.30', options: {}, at, timezone: 'UTC', by: deps.app.actor('U0APPROVER', 'C0PLATFORM'), channel: { id: 'C0PLATFORM' } });
      const hhmm = at.slice(11, 16);
      const made = JSON.stringify(scheduleCreatedMessage(schedule, clock.now(), undefined, pace));
      expect(made).toMatch(new RegExp(`next sim \\w{3} ${hhmm} UTC, in 1 hour at the simulation's pace`));
      expect(JSON.stringify(scheduleListMessage([schedule], clock.now(), pace))).toContain(`next sim `);
      const note = windowNoteText({ kind: 'waits', opensAt: schedule.nextAt!, timezone: 'UTC' }, clock.now(), false, pace);
      expect(note).toMatch(new RegExp(`next window opens sim \\w{3} ${hhmm} UTC, in 1 hour at the simulation's pace\\.`));
    } finally {
      await deps.close();
    }
  });
});
