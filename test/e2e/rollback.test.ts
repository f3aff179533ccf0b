// Roll back from Slack: the button under a finished run's summary (approvers only, audited) posts the
// rollback's plan for approval; approved, it puts every node back on the release from before.
import { afterEach, describe, expect, it } from 'vitest';
import { ledgerProblems } from '../../src/sim/ledger.js';
import { CHANNEL, ephemeralText, requestPlan, startHarness, textOf, waitForRun, type Harness } from './harness.js';

let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('the Roll back button', () => {
  it('approvers only; the plan names the run it rolls back, and once approved every node goes back', async () => {
    h = await startHarness();
    const { run, plan } = await requestPlan(h);
    await h.click('mng_approve', run.id, 'UAPPROVER1', plan);
    await waitForRun(h, (r) => r.id === run.id && r.status === 'succeeded', 30_000, 'the upgrade');
    await h.slack.reporter.idle();
    const summary = h.fake.thread(CHANNEL, plan.ts).at(-1)!;
    const buttons = summary.blocks!.filter((b) => (b as { type: string }).type === 'actions') as { elements: { action_id: string; value: string; confirm?: unknown }[] }[];
    expect(buttons.flatMap((b) => b.elements.map((e) => [e.action_id, e.value, !!e.confirm]))).toEqual([['run_rollback', run.id, true]]);

    const outsider = await h.click('run_rollback', run.id, 'UOUTSIDER', summary);
    await h.fake.waitFor(() => h!.fake.responses(outsider.responseUrl).length > 0, 5000, 'the refusal');
    expect(ephemeralText(h, outsider.responseUrl)).toMatch(/only approvers may roll back upgrades/);
    expect(await h.store.auditLog()).toContainEqual(expect.objectContaining({ action: 'refused-rollback', user: 'UOUTSIDER', runId: run.id }));

    const click = await h.click('run_rollback', run.id, 'UAPPROVER1', summary);
    expect(click.status).toBe(200);
    const rollback = await waitForRun(h, (r) => r.plan.rollback?.runId === run.id, 10_000, 'the rollback request');
    const rollbackPlan = await h.fake.waitFor(() => h!.planMessage(rollback.id), 10_000, 'the rollback plan');
    expect(textOf(rollbackPlan)).toContain(`Rollback of run \`${run.id}\``);
    expect(textOf(rollbackPlan)).toContain(`Roll back demo/workers: ${run.plan.toRelease} → ${run.plan.fromRelease}`);
    await h.fake.waitFor(() => h!.fake.responses(click.responseUrl).length > 0, 5000, 'the ephemeral ack');
    expect(ephemeralText(h, click.responseUrl)).toMatch(/needs an approver/);

    await h.click('mng_approve', rollback.id, 'UAPPROVER2', rollbackPlan);
    const done = await waitForRun(h, (r) => r.id === rollback.id && r.status === 'succeeded', 30_000, 'the rollback');
    expect(done.approvedBy?.user).toBe('UAPPROVER2');
    await h.slack.reporter.idle();
    const rollbackSummary = h.fake.thread(CHANNEL, rollbackPlan.ts).at(-1)!;
    expect(textOf(rollbackSummary)).toMatch(/Rollback succeeded/);
    // Undoing a rollback is an upgrade, asked for as one: no button under its summary.
    expect(rollbackSummary.blocks!.some((b) => (b as { type: string }).type === 'actions')).toBe(false);
    const live = h.world.instances().filter((i) => i.lifecycleState === 'InService');
    expect(live.filter((i) => i.imageId !== run.plan.fromImageId)).toEqual([]);
    expect(ledgerProblems(h.world.ledger())).toEqual([]);
    expect(await h.store.auditLog()).toContainEqual(expect.objectContaining({ action: 'rollback', user: 'UAPPROVER1', runId: rollback.id }));

    // /mng rollback says the same as the button: the upgrade again would undo the rollback too.
    const again = await h.command(`rollback ${run.id}`, 'UAPPROVER1');
    await h.fake.waitFor(() => h!.fake.responses(again.responseUrl).length > 0, 5000, 'the refusal');
    expect(ephemeralText(h, again.responseUrl)).toContain(`run ${rollback.id} (succeeded) changed workers after run ${run.id}`);
  });
});
