// Pause means: the nodes in flight finish, none starts. Checked on the simulator's own events, on its
// virtual clock, with the progress message a person reads at each turn (and its buttons) pinned.
import { describe, expect, it } from 'vitest';
import { buildEngine } from '../../src/app/compose.js';
import type { ProgressEvent } from '../../src/engine/events.js';
import type { Run } from '../../src/engine/run.js';
import { runUntil, VirtualClock } from '../../src/sim/clock.js';
import { loadScenario } from '../../src/sim/scenario.js';
import { createWorld } from '../../src/sim/world.js';
import { progressMessage } from '../../src/slack/blocks/progress.js';
import { MemoryRunStore } from '../../src/store/memory-run-store.js';
import { blockText } from '../slack/block-text.js';

const IN_FLIGHT = new Set(['evicting', 'evicted', 'cordoned', 'terminating']);
const DIR = '../slack/__snapshots__/messages';

describe('pause and resume', () => {
  it('a paused run lets its nodes in flight finish and starts no new drain until resumed', async () => {
    const clock = new VirtualClock();
    const world = createWorld(await loadScenario('scenarios/demo.json'), { clock });
    const engine = buildEngine({
      nodeGroups: world.nodeGroups,
      clusterFor: () => world.cluster,
      store: new MemoryRunStore(),
      clock,
      policy: { isApprover: () => true, allowSelfApproval: true },
      newId: () => 'r-pause001',
    });
    const events: ProgressEvent[] = [];
    engine.onEvent((e) => events.push(e));
    const by = (user: string) => ({ user, at: clock.now() });
    const until = (what: (e: ProgressEvent) => boolean) => runUntil(clock, () => events.some(what), { maxSimMs: 6 * 3600_000 });
    const shown = async (run: Run) => blockText(progressMessage((await engine.get(run.id))!, clock.now(), { controls: true }));

    const requested = await engine.requestUpgrade({ ref: world.ref, version: '1.30', maxUnavailable: 2 }, by('UREQUESTER'));
    await engine.approve(requested.id, by('UAPPROVER1'));
    // Two drains under way: pause.
    await runUntil(clock, () => events.filter((e) => e.kind === 'node' && e.state === 'evicting').length >= 2, { maxSimMs: 3600_000 });
    const running = await shown(requested);
    await engine.pause(requested.id, by('UAPPROVER1'));
    await until((e) => e.kind === 'status' && e.status === 'paused');
    const pausedAt = events.length;
    const inFlight = (await engine.get(requested.id))!.nodes.filter((n) => IN_FLIGHT.has(n.state)).map((n) => n.name);
    expect(inFlight.length).toBeGreaterThan(0);

    // Two hours later: what was in flight is gone, nothing else started, and the run still waits.
    await runUntil(clock, () => false, { maxSimMs: 2 * 3600_000 });
    const since = events.slice(pausedAt);
    const started = since.filter((e) => e.kind === 'node' && e.state === 'evicting').map((e) => (e as { node: string }).node);
    expect(started, 'drains started while paused').toEqual([]);
    const paused = (await engine.get(requested.id))!;
    expect(paused.status).toBe('paused');
    for (const name of inFlight) expect(paused.nodes.find((n) => n.name === name)!.state, `${name} finished`).toBe('terminated');
    expect(paused.nodes.some((n) => n.state === 'tainted')).toBe(true);
    const whilePaused = await shown(requested);

    await engine.resume(requested.id, by('UAPPROVER2'));
    await until((e) => e.kind === 'status' && e.status === 'succeeded');
    const done = (await engine.get(requested.id))!;
    expect(done.nodes.every((n) => n.state === 'terminated')).toBe(true);
    expect(world.ledger().pdbViolations).toBe(0);
    expect(world.ledger().podsLost).toBe(0);
    const ended = await shown(requested);
    await engine.stop();

    // Pause while it runs, Resume while paused, no buttons once it has ended.
    expect(running).toMatch(/\[Pause\] \[Cancel\]/);
    expect(whilePaused).toMatch(/\[Resume\] \[Cancel\]/);
    expect(ended).not.toMatch(/\[Pause\]|\[Resume\]|\[Cancel\]/);
    await expect([running, whilePaused, ended].join('\n---\n')).toMatchFileSnapshot(`${DIR}/progress-controls.txt`);
  });
});
