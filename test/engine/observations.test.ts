// A new node seen to join or be Ready is an observation: a bot that restarts sees it again. It is shown
// at once (its event, and the run as read) and goes with the run's next save, not with a durable write
// of its own (an fsync a node on a data file); a bot that stops saves what it observed since.
import { describe, expect, it } from 'vitest';
import { buildEngine } from '../../src/app/compose.js';
import type { ProgressEvent } from '../../src/engine/events.js';
import type { RunStore } from '../../src/engine/ports.js';
import { runUntil, VirtualClock } from '../../src/sim/clock.js';
import { loadScenario } from '../../src/sim/scenario.js';
import { createWorld } from '../../src/sim/world.js';
import { MemoryRunStore } from '../../src/store/memory-run-store.js';
import { watchedSaves } from './watched-saves.js';

const key = (e: ProgressEvent) => `${e.kind}/${'node' in e ? e.node : ''}/${'state' in e ? e.state : ''}/${e.at}`;

interface Save {
  events: ProgressEvent[];
  /** Nothing but what the cluster showed of new nodes: no other field of the run, no old node's record, no other event. */
  observationOnly: boolean;
}

/** The store, with what each save carried kept aside. */
function recording(store: RunStore, saves: Save[]): RunStore {
  let lastHead = '';
  return watchedSaves(store, (run, events, changed) => {
    const { rev: _rev, nodes: _nodes, newNodes, ...rest } = run;
    const head = JSON.stringify(rest);
    const records = [...(changed ?? [])];
    const observationOnly = head === lastHead && events.every((e) => e.kind === 'new-node') && records.every((r) => newNodes.includes(r as never));
    lastHead = head;
    saves.push({ events, observationOnly });
  });
}

async function setUp() {
  const clock = new VirtualClock();
  const world = createWorld(await loadScenario('scenarios/demo.json'), { clock });
  const saves: Save[] = [];
  const store = new MemoryRunStore();
  const engine = buildEngine({
    nodeGroups: world.nodeGroups,
    clusterFor: () => world.cluster,
    store: recording(store, saves),
    clock,
    policy: { isApprover: () => true, allowSelfApproval: true },
    newId: () => 'r-observe01',
  });
  const shown: { event: ProgressEvent; at: number }[] = [];
  engine.onEvent((event) => shown.push({ event, at: clock.now() }));
  const by = (user: string) => ({ user, at: clock.now() });
  const run = await engine.requestUpgrade({ ref: world.ref, version: '1.30', maxUnavailable: 2 }, by('UREQUESTER'));
  await engine.approve(run.id, by('UAPPROVER1'));
  return { clock, engine, store, saves, shown, runId: run.id };
}

describe('observations', () => {
  it('a new node seen is shown when it is seen, and saved with the next save rather than by one of its own', async () => {
    const { clock, engine, store, saves, shown, runId } = await setUp();
    await runUntil(clock, () => shown.some(({ event: e }) => e.kind === 'status' && e.status === 'succeeded'), { maxSimMs: 24 * 3600_000 });
    const newNodes = shown.filter(({ event }) => event.kind === 'new-node');
    expect(newNodes.filter(({ event }) => event.kind === 'new-node' && event.state === 'ready').length, 'new nodes seen Ready').toBeGreaterThan(2);
    for (const { event, at } of newNodes) expect(at, `${key(event)} shown when seen`).toBe(event.at);
    const observed = saves.filter((save) => save.observationOnly);
    expect(observed.map((save) => save.events.map(key)), 'saves of nothing but new nodes seen').toEqual([]);
    const stored = new Set((await store.events(runId)).events.map(key));
    for (const { event } of newNodes) expect(stored.has(key(event)), `${key(event)} in the run's stored events`).toBe(true);
    await engine.stop();
  });

  it('a bot that stops saves what it observed since its last save', async () => {
    const { clock, engine, store, saves, shown, runId } = await setUp();
    const saved = () => new Set(saves.flatMap((save) => save.events).map(key));
    const unsaved = () => {
      const s = saved();
      return shown.filter(({ event }) => event.kind === 'new-node' && !s.has(key(event)));
    };
    const outcome = await runUntil(clock, () => unsaved().length > 0, { maxSimMs: 6 * 3600_000 });
    expect(outcome).toBe('done');
    const pending = unsaved().map(({ event }) => event);
    const lastState = new Map(pending.map((e) => ['node' in e ? e.node : '', 'state' in e ? e.state : '']));
    // What a person reads (the progress message renders the run) shows it already.
    const read = (await engine.get(runId))!;
    for (const [node, state] of lastState) expect(read.newNodes.find((n) => (n.name ?? n.instanceId) === node)?.state, `${node} as read`).toBe(state);
    await engine.stop();
    const stored = new Set((await store.events(runId)).events.map(key));
    for (const e of pending) expect(stored.has(key(e)), `${key(e)} saved when the bot stopped`).toBe(true);
    const run = (await store.get(runId))!;
    for (const [node, state] of lastState) expect(run.newNodes.find((n) => (n.name ?? n.instanceId) === node)?.state, node).toBe(state);
  });
});
