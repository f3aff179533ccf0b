// The MINIMAL plan as a person reads it in Slack: no surge, the trade said, and the refusals named.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { buildEngine } from '../../src/app/compose.js';
import { PlanRefusedError } from '../../src/engine/commands.js';
import type { Plan, Run } from '../../src/engine/run.js';
import { VirtualClock } from '../../src/sim/clock.js';
import { parseScenario } from '../../src/sim/scenario.js';
import { createWorld } from '../../src/sim/world.js';
import { planMessage } from '../../src/slack/blocks/plan.js';
import { MemoryRunStore } from '../../src/store/memory-run-store.js';
import { blockText } from './block-text.js';

const DIR = '__snapshots__/messages';

async function minimalPlan(change: (s: Record<string, any>) => void = () => {}): Promise<{ plan: Plan; run?: Run; now: number; refused: boolean }> {
  const s = JSON.parse(await readFile('scenarios/demo.json', 'utf8'));
  change(s);
  const clock = new VirtualClock();
  const world = createWorld(parseScenario(s), { clock });
  const engine = buildEngine({
    nodeGroups: world.nodeGroups,
    clusterFor: () => world.cluster,
    store: new MemoryRunStore(),
    clock,
    policy: { isApprover: () => true, allowSelfApproval: false },
    newId: () => 'r-snap0002',
  });
  try {
    const run = await engine.requestUpgrade({ ref: world.ref, version: '1.30', updateStrategy: 'minimal' }, { user: 'UREQUESTER', at: clock.now() });
    return { plan: run.plan, run, now: clock.now(), refused: false };
  } catch (err) {
    if (err instanceof PlanRefusedError) return { plan: err.plan, now: clock.now(), refused: true };
    throw err;
  } finally {
    await engine.stop();
  }
}

describe('the plan message, update strategy MINIMAL', () => {
  it('no surge, and the capacity dip said', async () => {
    const { run, now, refused } = await minimalPlan();
    expect(refused).toBe(false);
    const text = blockText(planMessage({ kind: 'run', run: run!, now }));
    expect(text).toContain('0 new nodes');
    expect(text).toMatch(/update strategy MINIMAL: no new node is launched ahead/);
    await expect(text).toMatchFileSnapshot(`${DIR}/plan-minimal.txt`);
  });

  it('refused where a drain could not happen: a PDB that never allows an eviction, pods with no room', async () => {
    const { plan, refused } = await minimalPlan((s) => {
      s.nodegroup.podsPerNode = 4;
      s.workloads.push({ name: 'gpu-job', namespace: 'ml', kind: 'Deployment', replicas: 2, pdb: { minAvailable: '100%' } });
    });
    expect(refused).toBe(true);
    expect(plan.findings.filter((f) => f.severity === 'block').map((f) => f.code)).toEqual(['minimal-pdb-blocks', 'minimal-no-room']);
    await expect(blockText(planMessage({ kind: 'refused', plan, requestedBy: 'UREQUESTER' }))).toMatchFileSnapshot(`${DIR}/plan-minimal-refused.txt`);
  });
});
