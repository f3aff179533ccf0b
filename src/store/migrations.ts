// Upgrades older data files to SCHEMA_VERSION, one version at a time.
//
// Version 0 (the prototype's file): { schemaVersion: 0, runs, events: { [runId]: ProgressEvent[] },
// audit? } — event logs were bare, unbounded lists and there were no schedules.
// Version 1: everything in mngbot.json, the audit log included; nothing was ever pruned.
// Version 2: mngbot.json keeps live state; ended runs (compacted) and the audit log move to
// history files (schema.ts). A migration may move records out of the document: the store writes
// them to history before it writes the migrated mngbot.json.
// To change the schema: bump SCHEMA_VERSION in schema.ts, add MIGRATIONS[old] here, and a test that
// opens a file of the old shape.
import type { AuditEntry } from '../engine/ports.js';
import { isTerminal, type Run } from '../engine/run.js';
import { compactRun, keepLastEvents } from './compact-run.js';
import { checked, dbFileV1Schema, SCHEMA_VERSION, type ArchiveLine, type DbFile, type EventLog } from './schema.js';

export type MigratableDoc = Record<string, unknown> & { schemaVersion: number };

export interface MigrationOptions {
  eventLimit: number;
  /** The store's clock. */
  now: number;
  /** Ended runs stay live this long (their end may still have to be shown); see LowdbRunStoreOptions. */
  archiveGraceMs: number;
}

/** Records a migration takes out of the document, for history. */
export interface Moved {
  archive: ArchiveLine[];
  audit: AuditEntry[];
}

interface Migration {
  /** What changes, for the log line. */
  describe: string;
  up(doc: MigratableDoc, opts: MigrationOptions): { doc: MigratableDoc; moved?: Moved };
}

/** Whether an ended run may go to history: its end has been shown, or nobody will show it any more. */
export function settled(run: Pick<Run, 'notify'>, endedAt: number, now: number, graceMs: number): boolean {
  return run.notify?.finalShown === true || endedAt + graceMs <= now;
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
      return { doc: { ...doc, schemaVersion: 1, events, schedules: [], audit: doc.audit ?? [] } };
    },
  },
  1: {
    describe: 'ended runs (compacted) and the audit log move to history files; mngbot.json keeps live state',
    up(v1, { now, archiveGraceMs }) {
      const doc = checked(dbFileV1Schema, v1);
      const archive: ArchiveLine[] = [];
      const runs: Run[] = [];
      const events: Record<string, EventLog> = {};
      const ended: Record<string, number> = {};
      const logOf = (id: string): EventLog => (Object.hasOwn(doc.events, id) ? doc.events[id] : { events: [], dropped: 0 });
      for (const run of doc.runs) {
        // The run's own end time is the best guess of when the store would have seen it end.
        if (isTerminal(run.status) && settled(run, run.finishedAt ?? run.createdAt, now, archiveGraceMs)) {
          const log = keepLastEvents(logOf(run.id), []);
          archive.push({ archivedAt: now, run: compactRun(run), events: log.events, eventsDropped: log.dropped });
          continue;
        }
        runs.push(run);
        if (Object.hasOwn(doc.events, run.id)) define(events, run.id, doc.events[run.id]);
        if (isTerminal(run.status)) define(ended, run.id, now);
      }
      const next: DbFile = { schemaVersion: 2, runs, events, schedules: doc.schedules, ended };
      return { doc: next as unknown as MigratableDoc, moved: { archive, audit: doc.audit } };
    },
  },
};

/** defineProperty: a run id is data, even one spelt "__proto__". */
export function define<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Brings doc up to SCHEMA_VERSION; returns the versions it went through (empty when it was current)
 * and what moved out. The result is not checked: the caller checks it against dbFileSchema.
 */
export function migrate(doc: MigratableDoc, opts: MigrationOptions): { db: unknown; from?: number; steps: string[]; moved: Moved } {
  const from = doc.schemaVersion;
  const steps: string[] = [];
  const moved: Moved = { archive: [], audit: [] };
  let cur = doc;
  while (cur.schemaVersion < SCHEMA_VERSION) {
    const m = MIGRATIONS[cur.schemaVersion];
    if (!m) throw new Error(`schemaVersion ${cur.schemaVersion} is too old: no migration from it`);
    const v = cur.schemaVersion;
    try {
      const r = m.up(cur, opts);
      cur = r.doc;
      if (r.moved) {
        moved.archive.push(...r.moved.archive);
        moved.audit.push(...r.moved.audit);
      }
    } catch (err) {
      throw new Error(`migrating from schemaVersion ${v}: ${(err as Error).message}`);
    }
    steps.push(`v${v} → v${cur.schemaVersion}: ${m.describe}`);
  }
  return { db: cur, from: steps.length ? from : undefined, steps, moved };
}
