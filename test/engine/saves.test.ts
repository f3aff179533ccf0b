// What a run writes: a save for what changed, not for every look. On a data file each save is a
// durable write (an fsync), so a drain that looks at pods still shutting down at every watch event
// and saves each time costs the run its speed on disk.
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/app/simulate.js';
import type { ProgressEvent } from '../../src/engine/events.js';
import type { RunStore } from '../../src/engine/ports.js';
import type { Run } from '../../src/engine/run.js';
import { loadScenario } from '../../src/sim/scenario.js';
import { MemoryRunStore } from '../../src/store/memory-run-store.js';

/** The store, with every save it is asked for kept aside: the events it carried. */
function recording(store: RunStore, saves: ProgressEvent[][]): RunStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop !== 'save' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
      return (run: Run, events: ProgressEvent[] = [], ...rest: unknown[]) => {
        saves.push(events);
        return (value as (...a: unknown[]) => Promise<void>).call(target, run, events, ...rest);
      };
    },
  });
}

describe('saves', () => {
  it('a drain saves when it evicts, waits or backs off, not at each look at pods shutting down', async () => {
    const saves: ProgressEvent[][] = [];
    const scenario = await loadScenario('scenarios/tight-pdbs.json');
    const result = await simulate({ scenario, store: recording(new MemoryRunStore(), saves), maxUnavailable: 5 });
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
