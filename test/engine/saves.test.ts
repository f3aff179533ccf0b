// What a run writes: a save for what changed, not for every look. On a data file each save is a
// durable write (an fsync), so a drain that looks at pods still shutting down at every watch event
// and saves each time costs the run its speed on disk.
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/app/simulate.js';
import type { ProgressEvent } from '../../src/engine/events.js';
import { loadScenario } from '../../src/sim/scenario.js';
import { MemoryRunStore } from '../../src/store/memory-run-store.js';
import { watchedSaves } from './watched-saves.js';

describe('saves', () => {
  it('a drain saves when it evicts, waits or backs off, not at each look at pods shutting down', async () => {
    const saves: ProgressEvent[][] = [];
    const scenario = await loadScenario('scenarios/tight-pdbs.json');
    const result = await simulate({ scenario, store: watchedSaves(new MemoryRunStore(), (_run, events) => saves.push(events)), maxUnavailable: 5 });
    expect(result.report.status).toBe('succeeded');
    const nodes = scenario.nodegroup.nodes;
    const silent = saves.filter((events) => events.length === 0).length;
    const said = `${saves.length} saves for ${nodes} nodes, ${silent} of them with no event`;
    // A save with no event records a wait or a back-off, about one a node on this world of tight
    // PDBs; one at each look at pods still shutting down made ~4 a node (7.9 saves a node in all).
    expect(silent / nodes, said).toBeLessThan(1.5);
    expect(saves.length / nodes, said).toBeLessThan(6);
  });
});
