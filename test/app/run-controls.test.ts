// Pause, resume and cancel as every front end calls them: a run named by its id or its node group,
// approvers only for pause and resume, and every answer in the audit log.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { Approvers } from '../../src/app/approvers.js';
import { createSimDeps } from '../../src/app/compose.js';
import { runUntil, VirtualClock } from '../../src/sim/clock.js';
import { parseScenario } from '../../src/sim/scenario.js';

async function running() {
  const scenario = parseScenario(JSON.parse(await readFile('scenarios/demo.json', 'utf8')), 'demo');
  const deps = createSimDeps(scenario, { approvals: new Approvers({ users: ['UAPPROVER'], groups: [], allowSelfApproval: false }), windows: [] });
  const { app } = deps;
  const outcome = await app.requestUpgrade({ choices: { version: '1.30' }, by: app.actor('UREQ') });
  if (outcome.kind !== 'requested') throw new Error(outcome.kind);
  await app.approve(outcome.run.id, app.actor('UAPPROVER'));
  return { ...deps, runId: outcome.run.id, ref: outcome.run.ref };
}

describe('run controls', () => {
  it('finds the run by its id, by its node group, or by cluster/node group; says when there is none', async () => {
    const { app, engine, runId, ref } = await running();
    expect(await app.runOf({ runId })).toBe(runId);
    expect(await app.runOf({ runId: ref.nodegroup })).toBe(runId);
    expect(await app.runOf({ cluster: ref.cluster, nodegroup: ref.nodegroup })).toBe(runId);
    await expect(app.runOf({ runId: 'r-nothere1' })).rejects.toThrow('there is no run and no node group named r-nothere1');
    await expect(app.runOf({ cluster: 'elsewhere', nodegroup: ref.nodegroup })).rejects.toThrow(/cluster elsewhere is not configured/);
    await app.cancel(runId, app.actor('UAPPROVER'));
    await engine.runner.settled(runId);
    await expect(app.runOf({ runId: ref.nodegroup })).rejects.toThrow(`no upgrade of ${ref.cluster}/${ref.nodegroup} is under way`);
    await engine.stop();
  });

  it('pause and resume: approvers only, nothing changes for anyone else, and each answer is audited', async () => {
    const { app, engine, store, clock, runId } = await running();
    await expect(app.pause(runId, app.actor('UREQ', 'C1'))).rejects.toThrow('only approvers may pause a run');
    expect((await engine.get(runId))!.requests.pause).toBeUndefined();
    await app.pause(runId, app.actor('UAPPROVER', 'C1'));
    await runUntil(clock as VirtualClock, () => false, { maxSimMs: 60_000 });
    expect((await engine.get(runId))!.status).toBe('paused');
    // The engine's refusal (not paused twice) is audited too.
    await expect(app.pause(runId, app.actor('UAPPROVER'))).rejects.toThrow(/is paused, not running/);
    await app.resume(runId, app.actor('UAPPROVER'));
    expect((await engine.get(runId))!.status).toBe('running');
    const audit = (await store.auditLog(20)).map((a) => [a.action, a.user, a.detail ?? '']);
    expect(audit).toEqual(
      expect.arrayContaining([
        ['refused-pause', 'UREQ', 'not an approver'],
        ['pause', 'UAPPROVER', ''],
        ['refused-pause', 'UAPPROVER', expect.stringMatching(/is paused, not running/)],
        ['resume', 'UAPPROVER', ''],
      ]),
    );
    await engine.stop();
  });
});
