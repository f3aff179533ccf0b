// A bot's store in its own process, for the lock tests: node --import tsx test/store/store-process.ts DIR [STALE_MS]
// Opens the store on DIR, creates or advances run "r1" three saves, prints one JSON line
// ({ ready, pid, rev, logs } or { error: { name, message } }), then holds the store open until killed.
import { LowdbRunStore } from '../../src/store/lowdb-run-store.js';
import { makeRun } from './fixtures.js';

const [dir, staleArg] = process.argv.slice(2);
const logs: string[] = [];
try {
  const store = await LowdbRunStore.open({ dataDir: dir, log: (m) => logs.push(m), ...(staleArg ? { lockStaleMs: Number(staleArg) } : {}) });
  const run = (await store.get('r1')) ?? makeRun('r1');
  if (run.rev === 0) await store.create(run);
  for (let i = 0; i < 3; i++) {
    run.counters.apiErrors++;
    await store.save(run);
  }
  process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid, rev: run.rev, logs })}\n`);
  setInterval(() => {}, 60_000);
} catch (err) {
  const e = err as Error;
  process.stdout.write(`${JSON.stringify({ error: { name: e.name, message: e.message } })}\n`);
  process.exit(2);
}
