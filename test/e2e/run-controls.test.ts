// Pause, Resume and Cancel on the progress message, as Slack sends the clicks: approvers only, each
// answer audited, and the message always offering what the run can do now.
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeMessage } from '../slack/fake-web-api.js';
import { CHANNEL, ephemeralText, requestPlan, startHarness, textOf, waitForRun, type Harness } from './harness.js';

let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

type Actions = { type: string; elements: { action_id: string; value: string; confirm?: { title: { text: string } } }[] };
const buttonsOf = (m: FakeMessage | undefined): string[] =>
  ((m?.blocks ?? []) as Actions[]).filter((b) => b.type === 'actions').flatMap((b) => b.elements.map((e) => e.action_id));

describe('controls in the thread', () => {
  it('pause, resume and cancel from the progress message; approvers only; every click audited', { timeout: 60_000 }, async () => {
    // Slow enough that the run is still going when the clicks arrive (about 10 real seconds for the demo).
    h = await startHarness({ speed: 200 });
    const harness = h;
    const { run, plan } = await requestPlan(h);
    await h.click('mng_approve', run.id, 'UAPPROVER1', plan);
    const progress = () => harness.fake.thread(CHANNEL, plan.ts)[0];
    await h.fake.waitFor(() => buttonsOf(progress()).includes('mng_pause'), 10_000, 'Pause on the progress message');
    expect(buttonsOf(progress())).toEqual(['mng_pause', 'mng_cancel']);
    const cancel = ((progress().blocks ?? []) as Actions[]).find((b) => b.type === 'actions')!.elements[1];
    expect(cancel.confirm?.title.text).toBe('Cancel the upgrade?');

    // Someone who may not: told so, nothing changes, and the refusal is in the audit log.
    const outsider = await h.click('mng_pause', run.id, 'UOUTSIDER', progress());
    await h.fake.waitFor(() => harness.fake.responses(outsider.responseUrl).length > 0, 5000, 'the refusal');
    expect(ephemeralText(h, outsider.responseUrl)).toMatch(/only approvers may pause a run/);
    const untouched = (await h.engine.get(run.id))!;
    expect(untouched.status).toBe('running');
    expect(untouched.requests.pause).toBeUndefined();
    const outsiderCancel = await h.click('mng_cancel', run.id, 'UOUTSIDER', progress());
    await h.fake.waitFor(() => harness.fake.responses(outsiderCancel.responseUrl).length > 0, 5000, 'the refusal');
    expect(ephemeralText(h, outsiderCancel.responseUrl)).toMatch(/only approvers and the person who asked may cancel/);
    expect((await h.engine.get(run.id))!.requests.cancel).toBeUndefined();

    // An approver pauses: the run says so, and the message offers Resume.
    const pause = await h.click('mng_pause', run.id, 'UAPPROVER1', progress());
    await h.fake.waitFor(() => harness.fake.responses(pause.responseUrl).length > 0, 5000, 'the answer');
    expect(ephemeralText(h, pause.responseUrl)).toMatch(/Pausing run .*the nodes in flight finish, no new node starts/);
    await waitForRun(h, (r) => r.id === run.id && r.status === 'paused', 10_000, 'paused');
    await h.fake.waitFor(() => buttonsOf(progress()).includes('mng_resume'), 10_000, 'Resume on the progress message');
    expect(buttonsOf(progress())).toEqual(['mng_resume', 'mng_cancel']);
    expect(textOf(progress())).toContain('*Paused* by <@UAPPROVER1>');

    // /mng resume by node group, as an approver.
    const resumed = await h.command(`resume ${run.ref.cluster}/${run.ref.nodegroup}`, 'UAPPROVER2');
    await h.fake.waitFor(() => harness.fake.responses(resumed.responseUrl).length > 0, 5000, 'the answer');
    expect(ephemeralText(h, resumed.responseUrl)).toMatch(/Resumed run/);
    await waitForRun(h, (r) => r.id === run.id && r.status === 'running', 10_000, 'running again');
    await h.fake.waitFor(() => buttonsOf(progress()).includes('mng_pause'), 10_000, 'Pause again');
    // The thread says who paused and who resumed.
    const thread = () => harness.fake.thread(CHANNEL, plan.ts).map(textOf).join('\n');
    await h.fake.waitFor(() => /<@UAPPROVER2> chose \*resume\*/.test(thread()), 10_000, 'the resume in the thread');
    expect(thread()).toMatch(/paused: .*UAPPROVER1.*; nodes in flight finish, no new node starts/);

    // Cancel (the confirm dialog is Slack's: the click arrives once confirmed).
    await h.click('mng_cancel', run.id, 'UAPPROVER2', progress());
    const ended = await waitForRun(h, (r) => r.id === run.id && r.status === 'cancelled', 30_000, 'cancelled');
    await h.slack.reporter.idle();
    expect(buttonsOf(progress())).toEqual([]);
    expect(ended.outcome!.summary).toMatch(/cancelled by UAPPROVER2/i);

    const audit = (await h.store.auditLog()).map((a) => [a.action, a.user]);
    expect(audit).toEqual(
      expect.arrayContaining([
        ['refused-pause', 'UOUTSIDER'],
        ['pause', 'UAPPROVER1'],
        ['resume', 'UAPPROVER2'],
        ['cancel', 'UAPPROVER2'],
      ]),
    );
    expect(h.world.ledger().pdbViolations).toBe(0);
  });
});
