// RunStore in memory: tests, the simulator CLI and the benchmark. The one store (lowdb-run-store.ts)
// over lowdb's Memory adapter, with an in-memory history, no lock, and no archiving: memory has no
// file to keep small, so ended runs stay whole.
import { Low, Memory } from 'lowdb';
import { History } from './history.js';
import { LowdbRunStore } from './lowdb-run-store.js';
import { DEFAULT_EVENT_LIMIT } from './retention.js';
import type { LiveDoc } from './live-file.js';
import { emptyDb } from './schema.js';

export { DEFAULT_EVENT_LIMIT } from './retention.js';

export class MemoryRunStore extends LowdbRunStore {
  constructor(eventLimit = DEFAULT_EVENT_LIMIT) {
    super({ file: 'memory', db: new Low<LiveDoc>(new Memory(), emptyDb()), history: History.inMemory(Date.now), eventLimit, now: Date.now, log: () => {} });
  }
}
