// What people read in Slack, pinned: each message as Block Kit JSON and as plain text beside it
// (test/slack/__snapshots__/messages/). Built by the real engine over the simulator, on its virtual clock.
import { buildEngine } from '../../src/app/compose.js';
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { PendingRequestError, PlanRefusedError } from '../../src/engine/commands.js';
import type { Run } from '../../src/engine/run.js';
import { VirtualClock } from '../../src/sim/clock.js';
import { loadScenario, parseScenario, type Scenario } from '../../src/sim/scenario.js';
import { simulate } from '../../src/app/simulate.js';
import { createWorld } from '../../src/sim/world.js';
import { pendingRequestMessage, refusalMessage } from '../../src/slack/blocks/errors.js';
import type { Message } from '../../src/slack/blocks/kit.js';
import { planMessage } from '../../src/slack/blocks/plan.js';
import { refusalWords } from '../../src/slack/blocks/words.js';
import { progressMessage } from '../../src/slack/blocks/progress.js';
import { blockedMessage, decisionMessage, summaryMessage } from '../../src/slack/blocks/thread.js';
import { gateMessage } from '../../src/slack/blocks/gate.js';
import type { ProgressEvent } from '../../src/engine/events.js';
import { MemoryRunStore } from '../../src/store/memory-run-store.js';
import { engineRefusals } from '../engine/refusals.js';
import { blockText } from './block-text.js';
import { runUntil } from '../../src/sim/clock.js';
import { imagesFor } from '../../src/sim/images.js';
import { amiWatchMessage, fleetStatusMessage } from '../../src/slack/blocks/fleet.js';
import { simFleet } from '../app/sim-fleet.js';
import { createSimDeps } from '../../src/app/compose.js';
import { Refusal } from '../../src/engine/errors.js';

const DIR = '__snapshots__/messages';

async function pin(name: string, m: Message): Promise<void> {
  await expect(`${JSON.stringify(m, null, 2)}\n`).toMatchFileSnapshot(`${DIR}/${name}.json`);
  await expect(blockText(m)).toMatchFileSnapshot(`${DIR}/${name}.txt`);
}

/** The plan as the engine makes it for a request, awaiting approval; or the refusal of one. */
async function request(scenario: Scenario, version: string): Promise<{ run?: Run; refused?: PlanRefusedError; now: number }> {
  const clock = new VirtualClock();
  const world = createWorld(scenario, { clock });
  const engine = buildEngine({
    nodeGroups: world.nodeGroups,
    clusterFor: () => world.cluster,
    store: new MemoryRunStore(),
    clock,
    policy: { isApprover: () => true, allowSelfApproval: false },
    newId: () => 'r-snap0001',
  });
  try {
    return { run: await engine.requestUpgrade({ ref: world.ref, version }, { user: 'UREQUESTER', at: clock.now() }), now: clock.now() };
  } catch (err) {
    if (err instanceof PlanRefusedError) return { refused: err, now: clock.now() };
    throw err;
  } finally {
    await engine.stop();
  }
}

/** pdb-blocked.json with a pod no controller owns: kubectl drain refuses it, so the plan blocks. */
async function withBarePod(): Promise<Scenario> {
  const s = JSON.parse(await readFile('scenarios/pdb-blocked.json', 'utf8'));
  s.workloads.push({ name: 'debug-shell', namespace: 'ops', kind: 'Pod' });
  return parseScenario(s);
}

describe('the plan message', () => {
  it('a normal plan (demo.json), awaiting approval', async () => {
    const { run, now } = await request(await loadScenario('scenarios/demo.json'), '1.30');
    await pin('plan-normal', planMessage({ kind: 'run', run: run!, now }));
  });

  it('a plan with warnings (pdb-blocked.json): a PDB that allows no disruption', async () => {
    const { run, now } = await request(await loadScenario('scenarios/pdb-blocked.json'), '1.30');
    expect(run!.plan.findings.map((f) => f.severity)).toContain('warn');
    await pin('plan-warnings', planMessage({ kind: 'run', run: run!, now }));
  });

  it('a plan with a blocking finding: shown, with nothing to approve', async () => {
    const { refused } = await request(await withBarePod(), '1.30');
    await pin('plan-blocked', planMessage({ kind: 'refused', plan: refused!.plan, requestedBy: 'UREQUESTER' }));
  });
});

describe('the refusal replies', () => {
  it('every refusal of the engine, as the ephemeral reply says it', { timeout: 60_000 }, async () => {
    const replies: { asked: string; code: string; reply: Message }[] = [];
    for (const { asked, refusal } of await engineRefusals()) {
      // As the upgrade listener does: a waiting request is pointed at where it waits.
      const reply = refusal instanceof PendingRequestError ? pendingRequestMessage(refusal.pending) : refusalMessage(refusal);
      replies.push({ asked, code: refusal.outcome.code, reply });
    }
    await expect(`${JSON.stringify(replies, null, 2)}\n`).toMatchFileSnapshot(`${DIR}/refusals.json`);
    await expect(replies.map((r) => `## ${r.asked} (${r.code})\n\n${blockText(r.reply)}`).join('\n')).toMatchFileSnapshot(`${DIR}/refusals.txt`);
  });
});

describe('the refusals, said once', () => {
  it('no refusal says its hint twice: the hint is not already in the message', { timeout: 60_000 }, async () => {
    const twice = (await engineRefusals()).flatMap(({ asked, refusal }) => {
      const { message, hint } = refusalWords(refusal);
      return hint && message.includes(hint) ? [`${asked}: ${hint}`] : [];
    });
    expect(twice).toEqual([]);
  });
});

describe('the end of a run and the blocked drain', () => {
  let succeeded: Run;
  let aborted: Run;
  let failed: Run;
  let blocked: Run;

  beforeAll(async () => {
    const pdbBlocked = () => loadScenario('scenarios/pdb-blocked.json');
    const managed = await pdbBlocked();
    managed.nodegroup.managed = true;
    [succeeded, aborted, failed, blocked] = (
      await Promise.all([
        simulate({ scenario: await loadScenario('scenarios/demo.json') }),
        simulate({ scenario: await pdbBlocked(), decide: 'abort' }),
        simulate({ scenario: managed }),
        simulate({ scenario: await pdbBlocked() }),
      ])
    ).map((r) => r.run);
    expect([succeeded.status, aborted.status, failed.status, blocked.status]).toEqual(['succeeded', 'aborted', 'failed', 'needs-decision']);
  }, 120_000);

  it('the run summary of a run that succeeded, and its plan message', async () => {
    await pin('summary-succeeded', summaryMessage(succeeded));
    await pin('plan-succeeded', planMessage({ kind: 'run', run: succeeded, now: succeeded.finishedAt! }));
  });

  it('the run summary of an aborted run, and of a failed one', async () => {
    await pin('summary-aborted', summaryMessage(aborted));
    await pin('summary-failed', summaryMessage(failed));
  });

  it('the run summary and plan message of a run where every node was skipped: nothing replaced, not succeeded', { timeout: 60_000 }, async () => {
    const { run } = await simulate({ scenario: await loadScenario('scenarios/pdb-blocked.json'), decide: 'skip' });
    expect(run.status).toBe('nothing-replaced');
    await pin('summary-nothing-replaced', summaryMessage(run));
    await pin('plan-nothing-replaced', planMessage({ kind: 'run', run, now: run.finishedAt! }));
  });

  it('the blocked-drain reply in the thread', async () => {
    const d = blocked.decision!;
    await pin('blocked-drain', blockedMessage({ runId: blocked.id, node: d.node, blockers: d.blockers, drainTimeoutMs: blocked.plan.drainTimeoutMs }));
  });
});

describe('Force, then Skip node, then Abort on pdb-blocked.json, and a cancel', () => {
  let run: Run;
  let events: ProgressEvent[];
  let cancelled: Run;

  beforeAll(async () => {
    const decided = await simulate({ scenario: await loadScenario('scenarios/pdb-blocked.json'), decide: ['force', 'skip', 'abort'], decidedBy: 'U0APPROVER' });
    ({ run, events } = decided);
    cancelled = (await simulate({ scenario: await loadScenario('scenarios/demo.json'), cancelAfterMs: 6 * 60_000, decidedBy: 'U0APPROVER' })).run;
    expect([run.status, cancelled.status]).toEqual(['aborted', 'cancelled']);
  }, 120_000);

  it('each blocked drain, as its reply reads once decided: the pods stay named', async () => {
    const blocked = events.filter((e): e is Extract<ProgressEvent, { kind: 'blocked' }> => e.kind === 'blocked');
    const choices = events.filter((e): e is Extract<ProgressEvent, { kind: 'decision' }> => e.kind === 'decision');
    expect(blocked.map((b) => b.blockers.length)).toEqual([1, 1, 1]);
    const replies = blocked.map((b, i) =>
      blockText(blockedMessage({ runId: run.id, node: b.node, blockers: b.blockers, drainTimeoutMs: run.plan.drainTimeoutMs, decided: { choice: choices[i]!.choice as 'force', by: choices[i]!.by } })),
    );
    await expect(replies.join('\n---\n')).toMatchFileSnapshot(`${DIR}/blocked-drains-decided.txt`);
    await expect(choices.map((c) => blockText(decisionMessage(c))).join('\n')).toMatchFileSnapshot(`${DIR}/decisions.txt`);
  });

  it('the summary and the progress message at the end', async () => {
    await pin('summary-force-skip-abort', summaryMessage(run));
    await expect(blockText(progressMessage(run, run.finishedAt!))).toMatchFileSnapshot(`${DIR}/progress-force-skip-abort.txt`);
    await pin('summary-cancelled', summaryMessage(cancelled));
  });

  it('the event log of the run', async () => {
    await expect(events.map((e) => `${e.kind}${'node' in e && e.node ? ` ${e.node}` : ''}: ${e.detail}`).join('\n') + '\n').toMatchFileSnapshot(`${DIR}/events-force-skip-abort.txt`);
  });
});

describe('the health gate on bad-image.json', () => {
  it('its question in the thread, the same once decided, the choice, and the summary after a rollback was asked for', { timeout: 60_000 }, async () => {
    const scenario = await loadScenario('scenarios/bad-image.json');
    const { run, events } = await simulate({ scenario, decide: 'rollback', decidedBy: 'U0APPROVER' });
    const stop = events.find((e): e is Extract<ProgressEvent, { kind: 'gate' }> => e.kind === 'gate' && e.stage === 'stopped')!;
    const choice = events.find((e): e is Extract<ProgressEvent, { kind: 'decision' }> => e.kind === 'decision')!;
    const view = { runId: run.id, report: stop.report!, fromRelease: run.plan.fromRelease };
    await pin('gate-stopped', gateMessage(view));
    await pin('gate-decided', gateMessage({ ...view, decided: { choice: 'continue', by: 'U0APPROVER' } }));
    await expect(blockText(decisionMessage(choice))).toMatchFileSnapshot(`${DIR}/gate-decision.txt`);
    await pin('summary-gate-rollback', summaryMessage(run));
    await pin('plan-gate', planMessage({ kind: 'run', run, now: run.finishedAt! }));
  });

  it('the progress message while the run waits at the gate', { timeout: 60_000 }, async () => {
    const { run } = await simulate({ scenario: await loadScenario('scenarios/bad-image.json') });
    expect(run.status).toBe('needs-decision');
    await expect(blockText(progressMessage(run, run.decision!.since + 60_000))).toMatchFileSnapshot(`${DIR}/progress-gate-waiting.txt`);
  });
});

describe('a run whose launches keep failing', () => {
  it('ends its summary with one full stop, however the reason ends', { timeout: 60_000 }, async () => {
    const scenario = await loadScenario('scenarios/launch-failures.json');
    scenario.faults = [{ kind: 'launchFailure', count: 1000 }];
    const { run } = await simulate({ scenario, settings: { nodeReadyTimeoutMs: 10 * 60_000 } });
    expect(run.status).toBe('failed');
    const summary = summaryMessage(run);
    expect(blockText(summary)).not.toMatch(/[^.]\.\.(?!\.)/);
    await pin('summary-launches-failed', summary);
  });
});

describe('the AMI watch and the fleet', () => {
  it('the watch\'s message for two groups behind, and /mng status once one is upgraded and one requested', async () => {
    const v130 = imagesFor('AL2', '1.30');
    const v129 = imagesFor('AL2', '1.29');
    const fleet = await simFleet(
      [
        { cluster: 'shop', nodegroup: 'web', version: '1.30', windows: [{ cron: '0 22 * * *', duration: '6h', timezone: 'UTC' }] },
        { cluster: 'payments', nodegroup: 'core', version: '1.30', releaseVersion: v130[0].releaseVersion, windows: [{ cron: '0 2 * * SAT', duration: '4h', timezone: 'Europe/Berlin' }] },
        { cluster: 'batch', nodegroup: 'spot', version: '1.29', releaseVersion: v129[0].releaseVersion },
      ],
      { amiWatch: { cron: '0 9 * * *', timezone: 'UTC', channel: 'C0FLEET' }, clockStartMs: Date.UTC(2026, 0, 1, 9, 0) },
    );
    const finding = await fleet.app.amiWatch();
    await pin('ami-watch', amiWatchMessage(finding!.behind, finding!.report));

    // batch/spot upgraded (no windows: at once), payments/core asked for and waiting for an approval.
    const by = fleet.app.actor('UREQUESTER', 'C0FLEET');
    const spot = await fleet.app.scheduleIntoWindow({ cluster: 'batch', nodegroup: 'spot' }, by, { id: 'C0FLEET' });
    if (spot.kind !== 'requested') throw new Error(`expected a request, got ${spot.kind}`);
    await fleet.app.approve(spot.run.id, fleet.app.actor('UAPPROVER1', 'C0FLEET'));
    let ended = false;
    // The store is in memory: looking at the run between the clock's jumps is all the waiting there is.
    await runUntil(fleet.clock, () => ended, { quiesce: async () => void (ended = (await fleet.engine.get(spot.run.id))!.finishedAt !== undefined) });
    expect((await fleet.engine.get(spot.run.id))!.status).toBe('succeeded');
    await fleet.app.scheduleIntoWindow({ cluster: 'payments', nodegroup: 'core' }, by, { id: 'C0FLEET' });
    await pin('fleet-status', fleetStatusMessage(await fleet.app.fleetStatus()));
    await fleet.engine.stop();
  });
});

describe('a rollback', () => {
  it('its plan names the run it rolls back, the nodes that go back and the release; a run stopped for it is said', { timeout: 60_000 }, async () => {
    const scenario = await loadScenario('scenarios/demo.json');
    const store = new MemoryRunStore();
    const { run, world } = await simulate({ scenario, store });
    const { app, engine } = createSimDeps(scenario, { world, store, newId: () => 'r-snaprb01' });
    const outcome = await app.rollback(run.id, { user: 'UAPPROVER', at: world.clock.now() });
    await engine.stop();
    if (outcome.kind !== 'requested') throw new Error(outcome.kind);
    const now = world.clock.now();
    await pin('plan-rollback', planMessage({ kind: 'run', run: outcome.run, now }));
    // The same plan had the run still been under way: it was cancelled first.
    const stopped = structuredClone(outcome.run);
    stopped.plan.rollback!.stopped = { user: 'UAPPROVER', at: now };
    await expect(blockText(planMessage({ kind: 'run', run: stopped, now }))).toMatchFileSnapshot(`${DIR}/plan-rollback-stopped.txt`);
  });

  it('why a run cannot be rolled back, as the ephemeral reply says it', () => {
    const refusals = [
      { runId: 'r-1', reason: 'changed-nothing', status: 'rejected' },
      { runId: 'r-1', reason: 'previous-unknown', nodegroup: 'workers', missing: 'release' },
      { runId: 'r-1', reason: 'newer-run', nodegroup: 'workers', newerRunId: 'r-2', newerStatus: 'succeeded' },
      { runId: 'r-1', reason: 'nothing-to-roll-back', nodegroup: 'workers', release: '1.29.3-20240630', stopped: true },
      { runId: 'r-1', reason: 'eks-update-running', updateId: 'u-1' },
    ] as const;
    const text = refusals.map((fields) => `## ${fields.reason}\n\n${blockText(refusalMessage(new Refusal({ code: 'rollback-refused', fields })))}`).join('\n');
    return expect(text).toMatchFileSnapshot(`${DIR}/rollback-refusals.txt`);
  });
});
