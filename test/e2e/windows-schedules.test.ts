// Maintenance windows, schedules, history and the audit log through Bolt's real HTTP receiver: signed
// requests in, the fake Web API out, the engine on a simulated world whose clock starts on Thursday
// 2026-01-01 00:00 UTC.
import { afterEach, describe, expect, it } from 'vitest';
import type { Window } from '../../src/schedule/windows.js';
import { CHANNEL, startHarness, textOf, waitForRun, type Harness } from './harness.js';

let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

const T0 = Date.UTC(2026, 0, 1);
const BERLIN_SATURDAYS: Window[] = [{ cron: '0 2 * * SAT', duration: '4h', timezone: 'Europe/Berlin' }];

/** Sends the command and waits for its first reply through response_url. */
async function reply(harness: Harness, text: string, user = 'UREQUESTER') {
  const res = await harness.command(text, user);
  expect(res.status).toBe(200);
  await harness.fake.waitFor(() => harness.fake.responses(res.responseUrl).length > 0, 10_000, `a reply to "${text}"`);
  const [first] = harness.fake.responses(res.responseUrl);
  return { type: first.response_type, text: `${String(first.text)}\n${JSON.stringify(first.blocks ?? [])}` };
}

describe('maintenance windows', () => {
  it('a group with windows: the plan says when the next window opens; approved, the run waits for it, then starts inside it', async () => {
    // Daily 02:00–22:00 UTC. The clock stands at 00:00 while the request is asked and approved (on a
    // busy machine that can take longer than the two simulated hours would); then at 5000 simulated
    // seconds a real second the two hours pass in under two seconds.
    const windows: Window[] = [{ cron: '0 2 * * *', duration: '20h', timezone: 'UTC' }];
    h = await startHarness({ windows, speed: 5000, clockPaused: true });
    const res = await h.command('upgrade nodegroup 1.30');
    const run = await waitForRun(h, () => true, 10_000, 'a request');
    expect(run.notBefore).toBe(Date.UTC(2026, 0, 1, 2));
    expect(run.outsideWindows).toBeUndefined();
    const plan = await h.fake.waitFor(() => h!.planMessage(run.id), 10_000, 'the plan message');
    expect(textOf(plan)).toMatch(/Once approved, it waits for the maintenance window: next window opens Thu 02:00 UTC, in \d+ (hour|minute)/);
    await h.fake.waitFor(() => h!.fake.responses(res.responseUrl).length > 0, 5000, 'the ephemeral ack');
    expect(JSON.stringify(h.fake.responses(res.responseUrl))).toMatch(/waits for the next maintenance window: Thu 02:00 UTC, in/);

    await h.click('mng_approve', run.id, 'UAPPROVER1', plan);
    await waitForRun(h, (r) => r.id === run.id && r.status === 'scheduled', 10_000, 'the approval');
    h.clock.resume();
    const started = await waitForRun(h, (r) => r.id === run.id && r.startedAt !== undefined, 30_000, 'the start');
    expect(started.startedAt).toBeGreaterThanOrEqual(Date.UTC(2026, 0, 1, 2));
    expect(started.startedAt).toBeLessThan(Date.UTC(2026, 0, 1, 22));
    const events = (await h.store.events(run.id)).events;
    const scheduled = events.find((e) => e.kind === 'status' && e.status === 'scheduled');
    expect(scheduled, 'approved outside the window, the run was scheduled first').toBeDefined();
  });

  it('--dry-run shows the next opening in the window’s own zone; --now runs at once after an approval, and the audit log says who chose it', async () => {
    h = await startHarness({ windows: BERLIN_SATURDAYS });
    await h.command('upgrade nodegroup 1.30 --dry-run');
    const dry = await h.fake.waitFor(() => h!.planMessage(), 10_000, 'the dry-run plan');
    // Saturday 02:00 CET is Saturday 01:00 UTC, 49 hours after the clock starts.
    expect(textOf(dry)).toContain('next window opens Sat 02:00 CET, in 2 days');
    expect(await h.runs()).toEqual([]);

    const res = await h.command('upgrade nodegroup 1.30 --now');
    const run = await waitForRun(h, () => true, 10_000, 'a request');
    expect(run.outsideWindows).toBe(true);
    expect(run.notBefore).toBeUndefined();
    const plan = await h.fake.waitFor(() => h!.planMessage(run.id), 10_000, 'the plan message');
    expect(textOf(plan)).toMatch(/--now\*: runs outside the maintenance windows, at once after approval/);
    expect(plan.blocks!.some((b) => (b as { type: string }).type === 'actions')).toBe(true);
    await h.fake.waitFor(() => h!.fake.responses(res.responseUrl).length > 0, 5000, 'the ephemeral ack');
    expect(JSON.stringify(h.fake.responses(res.responseUrl))).toMatch(/outside the maintenance windows \(--now\)/);

    await h.click('mng_approve', run.id, 'UAPPROVER1', plan);
    const running = await waitForRun(h, (r) => r.id === run.id && (r.status === 'running' || r.status === 'succeeded'), 10_000, 'running');
    expect(running.startedAt! - T0).toBeLessThan(24 * 3_600_000);
    const audit = await h.store.auditLog();
    expect(audit.find((a) => a.action === 'request-now')).toMatchObject({ user: 'UREQUESTER', runId: run.id, channel: CHANNEL });
    expect(audit.find((a) => a.action === 'request')).toMatchObject({ user: 'UREQUESTER', runId: run.id, channel: CHANNEL });
    expect(audit.find((a) => a.action === 'approve')).toMatchObject({ user: 'UAPPROVER1', runId: run.id, channel: CHANNEL });
  });

  it('approved outside the window, the plan message says when it will start; cancelled before, nothing changes', async () => {
    h = await startHarness({ windows: BERLIN_SATURDAYS });
    await h.command('upgrade nodegroup 1.30');
    const run = await waitForRun(h, () => true, 10_000, 'a request');
    const plan = await h.fake.waitFor(() => h!.planMessage(run.id), 10_000, 'the plan message');
    expect(textOf(plan)).toContain('next window opens Sat 02:00 CET, in 2 days');
    const before = h.world.groupSizes();
    await h.click('mng_approve', run.id, 'UAPPROVER1', plan);
    await waitForRun(h, (r) => r.id === run.id && r.status === 'scheduled', 5000, 'scheduled');
    await h.fake.waitFor(() => /Waits for the maintenance window/.test(textOf(h!.fake.message(CHANNEL, plan.ts))), 5000, 'the scheduled plan');
    const parent = textOf(h.fake.message(CHANNEL, plan.ts));
    expect(parent).toMatch(/\*Scheduled\*\. :calendar: Waits for the maintenance window: next window opens Sat 02:00 CET, in 2 days/);
    expect(parent).toContain('approved by <@UAPPROVER1>');
    expect(h.fake.message(CHANNEL, plan.ts)!.blocks!.some((b) => (b as { type: string }).type === 'actions')).toBe(false);

    const cancel = await h.command(`cancel ${run.id}`);
    await h.fake.waitFor(() => h!.fake.responses(cancel.responseUrl).length > 0, 5000, 'cancel');
    await waitForRun(h, (r) => r.id === run.id && r.status === 'cancelled', 5000, 'cancelled');
    expect(h.world.groupSizes()).toEqual(before);
    expect((await h.store.auditLog()).find((a) => a.action === 'cancel')).toMatchObject({ user: 'UREQUESTER', channel: CHANNEL });
  });

  it('/mng windows shows the group’s windows and its next openings', async () => {
    h = await startHarness({ windows: BERLIN_SATURDAYS });
    const r = await reply(h, 'windows');
    expect(r.type).toBe('ephemeral');
    expect(r.text).toContain('demo/workers');
    expect(r.text).toContain('`0 2 * * SAT` for 4h (Europe/Berlin)');
    expect(r.text).toMatch(/next: Sat 02:00 CET, in 2 days · Sat 10 Jan 02:00 CET, in 9 days · Sat 17 Jan 02:00 CET, in 16 days/);
  });

  it('/mng windows on a group without windows says upgrades start once approved', async () => {
    h = await startHarness();
    const r = await reply(h, 'windows');
    expect(r.text).toMatch(/demo\/workers` · no maintenance windows: upgrades start once approved/);
  });
});

describe('/mng schedule', () => {
  it('schedules a recurring upgrade, lists it, refuses an outsider’s cancel and takes the owner’s; all audited with the channel', async () => {
    h = await startHarness({ windows: BERLIN_SATURDAYS });
    const made = await reply(h, 'schedule upgrade nodegroup 1.30 --at 0 2 * * SAT --timezone Europe/Berlin --max-unavailable 2', 'UAPPROVER1');
    expect(made.type).toBe('in_channel');
    const [schedule] = await h.store.listSchedules();
    expect(schedule).toMatchObject({
      ref: { cluster: 'demo', nodegroup: 'workers' },
      version: '1.30',
      at: '0 2 * * SAT',
      timezone: 'Europe/Berlin',
      options: { maxUnavailable: 2 },
      createdBy: { user: 'UAPPROVER1', channel: CHANNEL },
      nextAt: Date.UTC(2026, 0, 3, 1),
    });
    expect(schedule.id).toMatch(/^s-[a-z2-9]{5}$/);
    expect(made.text).toContain(schedule.id);
    expect(made.text).toContain('next Sat 02:00 CET, in 2 days');
    expect(made.text).toMatch(/A maintenance window of demo\/workers is open then/);
    // Nothing is asked for yet: the scheduler does that when the time comes.
    expect(await h.runs()).toEqual([]);

    const list = await reply(h, 'schedule list', 'UOUTSIDER');
    expect(list.type).toBe('ephemeral');
    expect(list.text).toContain(schedule.id);
    expect(list.text).toContain('every time `0 2 * * SAT` fires (Europe/Berlin)');

    const refused = await reply(h, `schedule cancel ${schedule.id}`, 'UOUTSIDER');
    expect(refused.type).toBe('ephemeral');
    expect(refused.text).toMatch(/only approvers and the person who scheduled it may cancel/);
    expect(await h.store.listSchedules()).toHaveLength(1);

    const cancelled = await reply(h, `schedule cancel ${schedule.id}`, 'UAPPROVER1');
    expect(cancelled.type).toBe('in_channel');
    expect(cancelled.text).toMatch(/cancelled schedule/);
    expect(await h.store.listSchedules()).toEqual([]);
    const again = await reply(h, `schedule cancel ${schedule.id}`, 'UAPPROVER1');
    expect(again.text).toMatch(/there is no schedule/);

    const audit = (await h.store.auditLog()).filter((a) => a.action.includes('schedule'));
    expect(audit.map((a) => [a.action, a.user, a.channel])).toEqual([
      ['schedule', 'UAPPROVER1', CHANNEL],
      ['refused-schedule-cancel', 'UOUTSIDER', CHANNEL],
      ['schedule-cancel', 'UAPPROVER1', CHANNEL],
    ]);
  });

  it('when its time comes, a schedule posts its plan in its channel for an approval of its own, with its options', async () => {
    h = await startHarness({ windows: BERLIN_SATURDAYS });
    await reply(h, 'schedule upgrade nodegroup 1.30 --at 0 2 * * SAT --timezone Europe/Berlin --max-unavailable 2', 'UAPPROVER1');
    const [schedule] = await h.store.listSchedules();
    h.scheduler.tick(schedule.nextAt! - 60_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(await h.runs()).toEqual([]);

    h.scheduler.tick(schedule.nextAt!);
    const run = await waitForRun(h, () => true, 10_000, 'the scheduled request');
    expect(run).toMatchObject({ status: 'awaiting-approval', requestedBy: { user: 'UAPPROVER1', channel: CHANNEL } });
    expect(run.plan.maxUnavailable).toBe(2);
    await h.fake.waitFor(() => !!h!.planMessage(run.id), 10_000, 'the plan message');
    // A recurring schedule moves on to its next time; firing again at the same tick does nothing.
    const [moved] = await h.store.listSchedules();
    expect(moved.nextAt).toBe(schedule.nextAt! + 7 * 24 * 3_600_000);
    h.scheduler.tick(schedule.nextAt!);
    await new Promise((r) => setTimeout(r, 200));
    expect(await h.runs()).toHaveLength(1);
  });

  it('a one-off time: in the group’s window or not, and never in the past', async () => {
    h = await startHarness({ windows: BERLIN_SATURDAYS });
    const once = await reply(h, 'schedule upgrade nodegroup --at "2026-01-05T09:00" --timezone Europe/Berlin', 'UAPPROVER1');
    expect(once.type).toBe('in_channel');
    expect(once.text).toContain('to its current version');
    expect(once.text).toMatch(/once, at `2026-01-05T09:00` \(Europe\/Berlin\)/);
    expect(once.text).toMatch(/outside the maintenance windows of demo\/workers: once approved, each run waits for the next one \(the first after it: Sat 10 Jan 02:00 CET, in 9 days\)/);
    const [s] = await h.store.listSchedules();
    expect(s.nextAt).toBe(Date.UTC(2026, 0, 5, 8));
    expect(s.version).toBeUndefined();

    const past = await reply(h, 'schedule upgrade nodegroup 1.30 --at 2025-04-12T02:00', 'UAPPROVER1');
    expect(past.type).toBe('ephemeral');
    expect(past.text).toMatch(/2025-04-12T02:00 \(Sat 12 Apr 02:00 UTC, \d+ days ago\) has passed/);
    expect(await h.store.listSchedules()).toHaveLength(1);
  });

  it('a bad time is a usage error that quotes the input', async () => {
    h = await startHarness();
    const bad = await reply(h, 'schedule upgrade nodegroup 1.30 --at 0 2 * * FUN');
    expect(bad.type).toBe('ephemeral');
    expect(bad.text).toContain('/mng schedule upgrade nodegroup 1.30 --at 0 2 * * FUN');
    expect(bad.text).toMatch(/day-of-week/);
    expect(bad.text).toMatch(/Usage/);
    const zone = await reply(h, 'schedule upgrade nodegroup 1.30 --at 0 2 * * SAT --timezone Europe/Berln');
    expect(zone.text).toMatch(/unknown time zone "Europe\/Berln"/);
    expect(await h.store.listSchedules()).toEqual([]);
  });
});

describe('/mng history and /mng audit', () => {
  it('history lists past runs, of one group when named; audit is for approvers only', async () => {
    h = await startHarness();
    await h.command('upgrade nodegroup 1.30');
    const run = await waitForRun(h, () => true, 10_000, 'a request');
    const plan = await h.fake.waitFor(() => h!.planMessage(run.id), 10_000, 'the plan');
    await h.click('mng_reject', run.id, 'UAPPROVER2', plan);
    await waitForRun(h, (r) => r.status === 'rejected', 5000, 'rejection');

    for (const text of ['history', 'history workers', 'history demo/workers']) {
      const r = await reply(h, text, 'UOUTSIDER');
      expect(r.type).toBe('ephemeral');
      expect(r.text, text).toContain(run.id);
      expect(r.text, text).toMatch(/rejected by <@UAPPROVER2>/);
      expect(r.text, text).toMatch(/asked by <@UREQUESTER>/);
    }
    const none = await reply(h, 'history other-group');
    expect(none.text).toMatch(/No upgrades of `other-group` yet/);

    const refused = await reply(h, 'audit', 'UOUTSIDER');
    expect(refused.type).toBe('ephemeral');
    expect(refused.text).toMatch(/only approvers may read the audit log/);
    expect(refused.text).not.toContain(run.id);

    const audit = await reply(h, 'audit 5', 'UAPPROVER1');
    expect(audit.type).toBe('ephemeral');
    expect(audit.text).toContain(`*reject* \`${run.id}\` in <#${CHANNEL}>`);
    expect(audit.text).toContain(`*request* \`${run.id}\` in <#${CHANNEL}>`);
    expect(audit.text).toMatch(/refused-audit/);
    // Newest first.
    expect(audit.text.indexOf('refused-audit')).toBeLessThan(audit.text.indexOf('*reject*'));
    expect(audit.text.indexOf('*reject*')).toBeLessThan(audit.text.indexOf('*request*'));
    const entries = await h.store.auditLog();
    expect(entries.find((e) => e.action === 'refused-audit')).toMatchObject({ user: 'UOUTSIDER', channel: CHANNEL });
  });
});

describe('who may schedule, how often, and how many', () => {
  it('a non-approver is refused and told who can; a burst of refusals is one audit entry and nothing in the channel', async () => {
    h = await startHarness();
    for (let i = 0; i < 5; i++) {
      const r = await reply(h, 'schedule upgrade nodegroup 1.30 --at 0 2 * * SAT');
      expect(r.type).toBe('ephemeral');
      expect(r.text).toMatch(/Only approvers may schedule upgrades: <@UAPPROVER1>, <@UAPPROVER2>/);
      expect(r.text).toMatch(/ask for one upgrade now with `\/mng upgrade`/);
    }
    expect(await h.store.listSchedules()).toEqual([]);
    const refusals = (await h.store.auditLog()).filter((a) => a.action.startsWith('refused-'));
    expect(refusals.map((a) => [a.action, a.user, a.channel])).toEqual([['refused-schedule', 'UREQUESTER', CHANNEL]]);
    expect(h.fake.callsOf('chat.postMessage')).toEqual([]);
  });

  it('a cron that fires more than once an hour is refused with an example of one that is not; hourly is the most', async () => {
    h = await startHarness();
    for (const [at, times] of [
      ['* * * * *', 60],
      ['*/30 * * * *', 2],
      ['0,30 2 * * SAT', 2],
      ['*/5 2 * * *', 12],
    ] as const) {
      const r = await reply(h, `schedule upgrade nodegroup 1.30 --at ${at}`, 'UAPPROVER1');
      expect(r.type, at).toBe('ephemeral');
      expect(r.text, at).toContain(`fires ${times} times an hour; a schedule may fire at most once an hour`);
      expect(r.text, at).toContain('e.g. --at \\"0 2 * * SAT\\" (02:00 every Saturday)');
    }
    expect(await h.store.listSchedules()).toEqual([]);
    const hourly = await reply(h, 'schedule upgrade nodegroup 1.30 --at 15 * * * *', 'UAPPROVER1');
    expect(hourly.type).toBe('in_channel');
    expect(await h.store.listSchedules()).toHaveLength(1);
  });

  it('at most 5 schedules of one node group and 50 in all; each refusal says which ones there are', async () => {
    h = await startHarness();
    for (let day = 0; day < 5; day++) {
      expect((await reply(h, `schedule upgrade nodegroup 1.30 --at 0 2 * * ${day}`, 'UAPPROVER1')).type).toBe('in_channel');
    }
    const mine = (await h.store.listSchedules()).map((s) => s.id);
    const sixth = await reply(h, 'schedule upgrade nodegroup 1.30 --at 0 2 * * 6', 'UAPPROVER1');
    expect(sixth.type).toBe('ephemeral');
    expect(sixth.text).toMatch(/demo\/workers already has 5 schedules \(.*\), the most one node group may have \(5\)/);
    for (const id of mine) expect(sixth.text).toContain(id);
    expect(sixth.text).toMatch(/cancel one first: \/mng schedule cancel s-/);
    expect(await h.store.listSchedules()).toHaveLength(5);

    // With room in the group again, other groups' schedules fill the 50.
    await reply(h, `schedule cancel ${mine[0]}`, 'UAPPROVER1');
    const [template] = await h.store.listSchedules();
    for (let i = 0; i < 46; i++) await h.store.putSchedule({ ...template, id: `s-other${i}`, ref: { cluster: 'demo', nodegroup: `other-${i}` } });
    const full = await reply(h, 'schedule upgrade nodegroup 1.30 --at 0 2 * * 6', 'UAPPROVER1');
    expect(full.type).toBe('ephemeral');
    expect(full.text).toMatch(/there are already 50 schedules, the most mngbot keeps/);
    expect(await h.store.listSchedules()).toHaveLength(50);
  });
});
