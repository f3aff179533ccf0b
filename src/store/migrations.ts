// Upgrades older data files to SCHEMA_VERSION, one version at a time.
//
// Version 0 (the prototype's file): { schemaVersion: 0, runs, events: { [runId]: ProgressEvent[] },
// audit? } — event logs were bare, unbounded lists and there were no schedules.
// To change the schema: bump SCHEMA_VERSION in schema.ts, add MIGRATIONS[old] here, and a test that
// opens a file of the old shape.
import { SCHEMA_VERSION, type DbFile } from './schema.js';

export type MigratableDoc = Record<string, unknown> & { schemaVersion: number };

interface Migration {
  /** What changes, for the log line. */
  describe: string;
  up(doc: MigratableDoc, opts: { eventLimit: number }): MigratableDoc;
}

export const MIGRATIONS: Record<number, Migration> = {
  0: {
    describe: 'event logs become { events, dropped } and are bounded; schedules added',
    up(doc, { eventLimit }) {
      const events: Record<string, { events: unknown[]; dropped: number }> = {};
      const old = doc.events;
      if (typeof old !== 'object' || old === null || Array.isArray(old)) {
        if (old !== undefined) throw new Error('events: expected an object keyed by run id');
      } else {
        for (const [id, list] of Object.entries(old)) {
          if (!Array.isArray(list)) throw new Error(`events[${JSON.stringify(id)}]: expected a list`);
          const dropped = Math.max(0, list.length - eventLimit);
          events[id] = { events: list.slice(dropped), dropped };
        }
      }
      return { ...doc, schemaVersion: 1, events, schedules: [], audit: doc.audit ?? [] };
    },
  },
};

/** Brings doc up to SCHEMA_VERSION; returns the versions it went through (empty when it was current). */
export function migrate(doc: MigratableDoc, opts: { eventLimit: number }): { db: DbFile; from?: number; steps: string[] } {
  const from = doc.schemaVersion;
  const steps: string[] = [];
  let cur = doc;
  while (cur.schemaVersion < SCHEMA_VERSION) {
    const m = MIGRATIONS[cur.schemaVersion];
    if (!m) throw new Error(`schemaVersion ${cur.schemaVersion} is too old: no migration from it`);
    const v = cur.schemaVersion;
    try {
      cur = m.up(cur, opts);
    } catch (err) {
      throw new Error(`migrating from schemaVersion ${v}: ${(err as Error).message}`);
    }
    steps.push(`v${v} → v${cur.schemaVersion}: ${m.describe}`);
  }
  return { db: cur as unknown as DbFile, from: steps.length ? from : undefined, steps };
}
