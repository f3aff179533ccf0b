// The durable store's cost: raw saves of a 450-node run, and the 450-node upgrade on a data file.
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { loadScenario } from '../src/sim/scenario.js';
import { simulate } from '../src/sim/simulate.js';
import { LowdbRunStore } from '../src/store/lowdb-run-store.js';
import { DEFAULT_EVENT_LIMIT } from '../src/store/memory-run-store.js';
import { event, makeRun, tempDir } from '../test/store/fixtures.js';

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

export async function benchLowdbStore(): Promise<Record<string, number | string>> {
  const { dir, cleanup } = await tempDir();
  try {
    const store = await LowdbRunStore.open({ dataDir: dir, log: () => {} });
    const run = makeRun('big', { nodes: 450 });
    await store.create(run);
    // A realistic neighbourhood: a full event log for this run and an audit trail.
    await store.save(run, Array.from({ length: DEFAULT_EVENT_LIMIT }, (_, i) => event('big', i)));
    for (let i = 0; i < 200; i++) await store.audit({ at: i, user: 'U1', action: 'approve' });
    const t0 = performance.now();
    for (let i = 0; i < 1000; i++) {
      run.nodes[i % 450].evicted = i;
      await store.save(run, [event('big', i)]);
    }
    const saveMs = (performance.now() - t0) / 1000;
    const fileKiB = (await stat(join(dir, 'mngbot.json'))).size / 1024;
    await store.close();
    await rm(join(dir, 'mngbot.json'));

    const durable = await LowdbRunStore.open({ dataDir: dir, log: () => {} });
    const started = performance.now();
    const result = await simulate({ scenario: await loadScenario('scenarios/large-450.json'), store: durable });
    const wallSeconds = (performance.now() - started) / 1000;
    await durable.close();
    return {
      runRecordKiB: round(JSON.stringify(run).length / 1024, 0),
      dataFileKiB: round(fileKiB, 0),
      msPerSaveWithOneEvent: round(saveMs, 2),
      large450OnDataFileStatus: result.report.status,
      large450OnDataFileWallSeconds: round(wallSeconds, 2),
    };
  } finally {
    await cleanup();
  }
}
