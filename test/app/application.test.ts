// The use cases as every front end calls them, on an in-process simulated world with no chat front
// end at all: windows and --now, refusals that are audited, and schedules that fire by themselves.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { Approvers } from '../../src/app/approvers.js';
import { createSimDeps } from '../../src/app/compose.js';
import { PendingRequestError } from '../../src/engine/commands.js';
import { UserError } from '../../src/engine/errors.js';
import { parseScenario } from '../../src/sim/scenario.js';

const APPROVER = 'UAPPROVER';
const START = Date.UTC(2026, 0, 1); // the simulated clock's start, a Thursday
const TWO_AM = Date.UTC(2026, 0, 1, 2);

async function deps(o: { windows?: { cron: string; duration: string; timezone: string }[]; barePod?: boolean } = {}) {
  const raw = JSON.parse(await readFile(o.barePod ? 'scenarios/pdb-blocked.json' : 'scenarios/demo.json', 'utf8'));
  // A pod no controller would bring back: a blocking finding unless forced.
  if (o.barePod) raw.workloads.push({ name: 'debug-shell', namespace: 'ops', kind: 'Pod' });
  const scenario = parseScenario(raw, 'test');
  let ids = 0;
  return createSimDeps(scenario, {
    approvals: new Approvers({ users: [APPROVER], groups: [], allowSelfApproval: false }),
    windows: o.windows ?? [],
    newScheduleId: () => `s-${String(++ids).padStart(5, 'a')}`,
  });
}

describe('requestUpgrade', () => {
  it('inside no window: the run waits for the next one to open, and the outcome says when', async () => {
    const { app } = await deps({ windows: [{ cron: '0 2 * * *', duration: '1h', timezone: 'UTC' }] });
    const outcome = await app.requestUpgrade({ choices: { version: '1.30' }, by: app.actor('UREQ') });
    expect(outcome.kind).toBe('requested');
    if (outcome.kind !== 'requested') return;
    expect(outcome.start).toMatchObject({ kind: 'closed', next: { opensAt: TWO_AM } });
    expect(outcome.notBefore).toBe(TWO_AM);
    expect(outcome.run.status).toBe('awaiting-approval');
  });

  it('--now runs outside the windows, and the audit log says who chose to', async () => {
    const { app, store } = await deps({ windows: [{ cron: '0 2 * * *', duration: '1h', timezone: 'UTC' }] });
    const outcome = await app.requestUpgrade({ choices: { version: '1.30', now: true }, by: app.actor('UREQ', 'C1') });
    expect(outcome).toMatchObject({ kind: 'requested', outside: true });
    expect(await store.auditLog(10)).toContainEqual(expect.objectContaining({ action: 'request-now', user: 'UREQ', channel: 'C1' }));
  });

  it('a plan with blocking findings comes back as data, audited; a second request names the first', async () => {
    const { app, store } = await deps({ barePod: true });
    const refused = await app.requestUpgrade({ choices: { version: '1.30' }, by: app.actor('UREQ') });
    expect(refused).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/cannot be approved/) });
    expect(await store.auditLog(10)).toContainEqual(expect.objectContaining({ action: 'refused-plan', user: 'UREQ' }));
    const first = await app.requestUpgrade({ choices: { version: '1.30', force: true }, by: app.actor('UREQ') });
    expect(first.kind).toBe('requested');
    await expect(app.requestUpgrade({ choices: { version: '1.30', force: true }, by: app.actor('UOTHER') })).rejects.toBeInstanceOf(PendingRequestError);
  });

  it('a dry run plans and asks nothing', async () => {
    const { app, store } = await deps();
    const outcome = await app.requestUpgrade({ choices: { version: '1.30', dryRun: true }, by: app.actor('UREQ') });
    expect(outcome.kind).toBe('dry-run');
    expect(await store.list()).toEqual([]);
  });
});

describe('cancel and the audit log', () => {
  it('only the requester and approvers may cancel; a refusal is audited once a minute per person', async () => {
    const { app, store } = await deps();
    const outcome = await app.requestUpgrade({ choices: { version: '1.30' }, by: app.actor('UREQ') });
    if (outcome.kind !== 'requested') throw new Error(outcome.kind);
    await expect(app.cancel(outcome.run.id, app.actor('UOTHER'))).rejects.toThrow(/only approvers and the person who asked/);
    await expect(app.cancel(outcome.run.id, app.actor('UOTHER'))).rejects.toBeInstanceOf(UserError);
    expect((await store.auditLog(20)).filter((e) => e.action === 'refused-cancel')).toHaveLength(1);
    expect((await app.cancel(outcome.run.id, app.actor('UREQ'))).status).toBe('cancelled');
  });

  it('reading the audit log is for approvers', async () => {
    const { app } = await deps();
    await expect(app.auditLog(app.actor('UREQ'), 10)).rejects.toThrow(/only approvers may read the audit log/);
    expect(Array.isArray(await app.auditLog(app.actor(APPROVER), 10))).toBe(true);
  });
});

describe('schedules without a chat front end', () => {
  it('fire at their time: the run awaits approval, and nothing else is needed to see it', async () => {
    const { app, clock, store } = await deps();
    const schedule = await app.createSchedule({ version: '1.30', at: '2026-01-01T03:00', timezone: 'UTC', by: app.actor(APPROVER, 'C1') });
    expect(schedule.nextAt).toBe(Date.UTC(2026, 0, 1, 3));
    expect(await app.fireDueSchedules(clock.now())).toEqual([]);

    const seen: string[] = [];
    app.onScheduleFired((f) => void seen.push('outcome' in f ? f.outcome.kind : 'error'));
    const firings = await app.fireDueSchedules(Date.UTC(2026, 0, 1, 3, 0, 30));
    expect(firings).toHaveLength(1);
    expect(seen).toEqual(['requested']);
    const runs = await store.list();
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'awaiting-approval', requestedBy: { user: APPROVER }, notify: { channel: 'C1' } });
    // A one-off is done once it fired.
    expect(await app.listSchedules()).toEqual([]);
    expect((await store.auditLog(10)).map((e) => e.action)).toEqual(expect.arrayContaining(['schedule', 'request']));
  });

  it('only approvers make them (audited), and only they or the author cancel them', async () => {
    const { app, store } = await deps();
    await expect(app.createSchedule({ version: '1.30', at: '0 2 * * SAT', timezone: 'UTC', by: app.actor('UREQ') })).rejects.toThrow(/only approvers may schedule/);
    expect((await store.auditLog(10)).map((e) => e.action)).toContain('refused-schedule');
    const s = await app.createSchedule({ version: '1.30', at: '0 2 * * SAT', timezone: 'UTC', by: app.actor(APPROVER) });
    await expect(app.cancelSchedule(s.id, app.actor('UREQ'))).rejects.toThrow(/only approvers and the person who scheduled it/);
    expect((await app.cancelSchedule(s.id, app.actor(APPROVER))).id).toBe(s.id);
    expect(await app.listSchedules()).toEqual([]);
  });
});

it('the clock starts where the cases above assume', async () => {
  const { clock } = await deps();
  expect(clock.now()).toBe(START);
});
