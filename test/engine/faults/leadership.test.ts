// Two replicas on one store, in process on the virtual clock: leadership moves between them at seeded
// random instants of an upgrade, the deposed one standing down as bot.ts makes it (its world calls
// fenced, its loops ended) and the new one resuming from the store. Whatever the instants, the run
// succeeds, no instance is asked to terminate twice and the ledger is clean. The follower's approval
// reaches the leader as the Kubernetes store's watch hands it (runner.remoteChange).
import { describe, expect, it } from 'vitest';
import { createSimDeps, type SimDeps } from '../../../src/app/compose.js';
import { isTerminal } from '../../../src/engine/run.js';
import { runUntil, VirtualClock } from '../../../src/sim/clock.js';
import { ledgerProblems } from '../../../src/sim/ledger.js';
import { Rng } from '../../../src/sim/rng.js';
import { loadScenario } from '../../../src/sim/scenario.js';
import { createWorld } from '../../../src/sim/world.js';
import { MemoryRunStore } from '../../../src/store/memory-run-store.js';
import { cases } from '../../quick.js';

const SEED = Number(process.env.MNG_TEST_SEED ?? Math.floor(Math.random() * 1_000_000));

async function handedOver(seed: number): Promise<string[]> {
  const scenario = await loadScenario('scenarios/fault-matrix.json');
  const clock = new VirtualClock();
  const world = createWorld(scenario, { clock });
  const store = new MemoryRunStore();
  let leading: 0 | 1 = 0;
  const replicas: SimDeps[] = [0, 1].map((i) => createSimDeps(scenario, { world, clock, store, leadership: { held: () => leading === i }, newId: () => `r-${seed.toString(16).padStart(8, '0').slice(-8)}` }));
  const [a, b] = replicas;
  let done = false;
  for (const r of replicas) r.engine.onEvent((e) => e.kind === 'status' && isTerminal(e.status) && (done = true));

  // Asked and approved on the follower; the leader hears of it as from the store's watch.
  const asked = await b.app.requestUpgrade({ choices: { version: '1.31' }, by: b.app.actor('U1') });
  if (asked.kind !== 'requested') throw new Error(asked.kind);
  await b.app.approve(asked.run.id, b.app.actor('U2'));
  a.engine.runner.remoteChange(asked.run.id, []);

  const rng = new Rng(seed);
  for (let handovers = 0; !done && handovers < 6; handovers++) {
    const at = clock.now() + 30_000 + rng.float() * 600_000;
    await runUntil(clock, () => done || clock.now() >= at, { maxSimMs: 7 * 24 * 3_600_000 });
    if (done) break;
    const from = replicas[leading];
    leading = leading === 0 ? 1 : 0;
    await from.engine.runner.standDown();
    await replicas[leading].engine.start();
  }
  await runUntil(clock, () => done, { maxSimMs: 7 * 24 * 3_600_000 });
  await Promise.all(replicas.map((r) => r.engine.stop()));
  const run = (await store.get(asked.run.id))!;
  const problems = ledgerProblems(world.ledger());
  const twice = Object.entries(world.terminationRequests()).filter(([, n]) => n > 1);
  if (twice.length) problems.push(`asked to terminate more than once: ${twice.map(([id, n]) => `${id} ×${n}`).join(', ')}`);
  if (run.status !== 'succeeded') problems.push(`run ${run.status}: ${run.outcome?.summary}`);
  return problems;
}

describe('leadership moving between two replicas on one store', () => {
  it('never acts twice, whatever the instants the leader is deposed at', async () => {
    const problems: string[] = [];
    for (let i = 0; i < cases(6, 2); i++) {
      const seed = SEED + i;
      for (const p of await handedOver(seed)) problems.push(`seed ${seed} (MNG_TEST_SEED=${SEED}): ${p}`);
    }
    expect(problems).toEqual([]);
  });
});
