// Cancelling a paused run: the pause holds new drains back, but not the cleanup's (the surplus new
// nodes it drains to put the group back to its size). A cleanup that waited for a resume never ended.
import { describe, expect, it } from 'vitest';
import { createSimDeps } from '../../src/app/compose.js';
import { isTerminal } from '../../src/engine/run.js';
import { runUntil, VirtualClock } from '../../src/sim/clock.js';
import { ledgerProblems } from '../../src/sim/ledger.js';
import { loadScenario } from '../../src/sim/scenario.js';

describe('cancel of a paused run', () => {
  it('cleans up to the end: surplus drained and removed, the group back to its size', async () => {
    const clock = new VirtualClock();
    const { app, engine, world, store } = createSimDeps(await loadScenario('scenarios/demo.json'), { clock });
    const before = world.groupSizes();
    const asked = await app.requestUpgrade({ choices: { version: '1.30' }, by: app.actor('sim') });
    if (asked.kind !== 'requested') throw new Error(asked.kind);
    await app.approve(asked.run.id, app.actor('sim'));
    let terminated = false;
    let status = '';
    engine.onEvent((e) => {
      if (e.kind === 'node' && e.state === 'terminated') terminated = true;
      if (e.kind === 'status') status = e.status;
    });
    await runUntil(clock, () => terminated, { maxSimMs: 24 * 3_600_000 });
    await app.pause(asked.run.id, app.actor('sim'));
    await runUntil(clock, () => status === 'paused', { maxSimMs: 24 * 3_600_000 });
    await app.cancel(asked.run.id, app.actor('sim'));
    await runUntil(clock, () => isTerminal(status as never), { maxSimMs: 24 * 3_600_000 });
    await engine.stop();
    const run = (await store.get(asked.run.id))!;
    expect(run.status, run.outcome?.summary).toBe('cancelled');
    expect(world.groupSizes()).toEqual(before);
    expect(ledgerProblems(world.ledger())).toEqual([]);
  });
});
