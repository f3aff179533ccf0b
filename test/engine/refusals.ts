// Every refusal a person meets from the engine, made by asking the real engine over the simulator
// (demo.json and eks-workshop.json) on a virtual clock: the inputs of the refusal snapshots.
import { buildEngine } from '../../src/app/compose.js';
import { Refusal, UserError } from '../../src/engine/errors.js';
import type { ProgressEvent } from '../../src/engine/events.js';
import { runUntil, VirtualClock } from '../../src/sim/clock.js';
import { loadScenario } from '../../src/sim/scenario.js';
import { createWorld } from '../../src/sim/world.js';
import { MemoryRunStore } from '../../src/store/memory-run-store.js';

async function refused(ask: () => Promise<unknown>): Promise<UserError> {
  try {
    await ask();
  } catch (err) {
    if (err instanceof UserError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

async function world(scenario: string, opts: { approvalExpiryMs?: number } = {}) {
  const clock = new VirtualClock();
  const w = createWorld(await loadScenario(scenario), { clock });
  let ids = 0;
  const engine = buildEngine({
    nodeGroups: w.nodeGroups,
    clusterFor: () => w.cluster,
    store: new MemoryRunStore(),
    clock,
    policy: { isApprover: (user) => user.startsWith('UAPPROVER'), allowSelfApproval: false },
    newId: () => `r-snap000${++ids}`,
    ...(opts.approvalExpiryMs !== undefined ? { defaults: { approvalExpiryMs: opts.approvalExpiryMs } } : {}),
  });
  const by = (user: string) => ({ user, at: clock.now() });
  return { clock, ref: w.ref, engine, by };
}

/** What was asked, and the engine's refusal; every refusal code a person can meet, in a fixed order. */
export async function engineRefusals(): Promise<{ asked: string; refusal: Refusal }[]> {
  const out: [string, UserError][] = [];

  const demo = await world('scenarios/demo.json');
  const { engine, ref, by } = demo;
  const request = { ref, version: '1.30' };
  out.push(['eks strategy on a self-managed group', await refused(() => engine.plan({ ...request, strategy: 'eks' }))]);
  out.push(['an unknown strategy', await refused(() => engine.plan({ ...request, strategy: 'blue-green' as never }))]);
  out.push(['a surge of 0', await refused(() => engine.plan({ ...request, surge: 0 }))]);
  out.push(['maxUnavailable 0', await refused(() => engine.plan({ ...request, maxUnavailable: 0 }))]);
  out.push(['a negative drain timeout', await refused(() => engine.plan({ ...request, drainTimeoutMs: -1 }))]);
  const run = await engine.requestUpgrade(request, by('UAPPROVER2'));
  out.push(['a second request while the first waits', await refused(() => engine.requestUpgrade(request, by('UREQUESTER')))]);
  out.push(['an approval by someone who is not an approver', await refused(() => engine.approve(run.id, by('UOUTSIDER')))]);
  out.push(['an approval by the person who asked', await refused(() => engine.approve(run.id, by('UAPPROVER2')))]);
  out.push(['a pause of a run not started', await refused(() => engine.pause(run.id, by('UAPPROVER1')))]);
  out.push(['a cancel of a run that does not exist', await refused(() => engine.cancel('r-nope', by('UAPPROVER1')))]);
  await engine.approve(run.id, by('UAPPROVER1'));
  out.push(['a rejection of an approved run', await refused(() => engine.reject(run.id, by('UAPPROVER1')))]);
  out.push(['a request while a run is active', await refused(() => engine.requestUpgrade(request, by('UREQUESTER')))]);
  out.push(['a resume of a run not paused', await refused(() => engine.resume(run.id, by('UAPPROVER1')))]);
  out.push(['a decision by someone who is not an approver', await refused(() => engine.decide(run.id, 'ip-10-0-1-1', 'force', by('UOUTSIDER')))]);
  out.push(['a decision when none is asked for', await refused(() => engine.decide(run.id, 'ip-10-0-1-1', 'force', by('UAPPROVER1')))]);
  await engine.stop();

  const expiring = await world('scenarios/demo.json', { approvalExpiryMs: 0 });
  const stale = await expiring.engine.requestUpgrade({ ref: expiring.ref, version: '1.30' }, expiring.by('UREQUESTER'));
  out.push(['an approval after the request expired', await refused(() => expiring.engine.approve(stale.id, expiring.by('UAPPROVER1')))]);
  await expiring.engine.stop();

  // EKS drives the update: once it has started, neither a cancel nor a pause can stop it.
  const eks = await world('scenarios/eks-workshop.json');
  const events: ProgressEvent[] = [];
  eks.engine.onEvent((e) => events.push(e));
  const eksRun = await eks.engine.requestUpgrade({ ref: eks.ref, version: '1.23' }, eks.by('UREQUESTER'));
  await eks.engine.approve(eksRun.id, eks.by('UAPPROVER1'));
  await runUntil(eks.clock, () => events.some((e) => e.kind === 'phase' && e.phase === 'replace'), { maxSimMs: 3600_000 });
  out.push(['a cancel while EKS updates the group', await refused(() => eks.engine.cancel(eksRun.id, eks.by('UAPPROVER1')))]);
  await eks.engine.stop();

  return out.map(([asked, err]) => {
    if (!(err instanceof Refusal)) throw new Error(`${asked}: not an engine Refusal: ${err.message}`);
    return { asked, refusal: err };
  });
}
