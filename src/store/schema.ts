// The data file's shape, version 1, and the checks that tell our file from a broken or foreign one.
import type { ProgressEvent } from '../engine/events.js';
import type { AuditEntry } from '../engine/ports.js';
import type { Run } from '../engine/run.js';
import type { Schedule } from '../schedule/schedules.js';

export const SCHEMA_VERSION = 1;

export interface EventLog {
  /** Oldest first. */
  events: ProgressEvent[];
  /** Older events dropped to keep the log bounded. */
  dropped: number;
}

export interface DbFile {
  schemaVersion: typeof SCHEMA_VERSION;
  runs: Run[];
  events: Record<string, EventLog>;
  schedules: Schedule[];
  /** Append-only. */
  audit: AuditEntry[];
}

export const emptyDb = (): DbFile => ({ schemaVersion: SCHEMA_VERSION, runs: [], events: {}, schedules: [], audit: [] });

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function expect(ok: boolean, path: string, what: string): void {
  if (!ok) throw new Error(`${path}: expected ${what}`);
}

/**
 * Checks a current-version document deeply enough that the store can rely on it: the fields it reads
 * (ids, revisions, node groups, statuses, times). Throws an Error naming the path at fault.
 */
export function checkDb(data: unknown): asserts data is DbFile {
  expect(isObject(data), 'top level', 'an object');
  const db = data as Record<string, unknown>;
  expect(db.schemaVersion === SCHEMA_VERSION, 'schemaVersion', String(SCHEMA_VERSION));
  expect(Array.isArray(db.runs), 'runs', 'a list');
  const ids = new Set<string>();
  (db.runs as unknown[]).forEach((r, i) => {
    const at = `runs[${i}]`;
    expect(isObject(r), at, 'a run object');
    const run = r as Record<string, unknown>;
    expect(typeof run.id === 'string' && run.id !== '', `${at}.id`, 'a string');
    expect(!ids.has(run.id as string), `${at}.id`, `a unique id, but "${run.id}" repeats`);
    ids.add(run.id as string);
    expect(Number.isInteger(run.rev), `${at}.rev`, 'a whole number');
    expect(isObject(run.ref) && typeof (run.ref as Record<string, unknown>).cluster === 'string' && typeof (run.ref as Record<string, unknown>).nodegroup === 'string', `${at}.ref`, '{ cluster, nodegroup }');
    expect(typeof run.status === 'string', `${at}.status`, 'a string');
    expect(typeof run.createdAt === 'number', `${at}.createdAt`, 'a number');
  });
  expect(isObject(db.events), 'events', 'an object keyed by run id');
  for (const [id, log] of Object.entries(db.events as Record<string, unknown>)) {
    const at = `events[${JSON.stringify(id)}]`;
    expect(isObject(log), at, '{ events, dropped }');
    expect(Array.isArray((log as Record<string, unknown>).events), `${at}.events`, 'a list');
    expect(Number.isInteger((log as Record<string, unknown>).dropped), `${at}.dropped`, 'a whole number');
  }
  expect(Array.isArray(db.schedules), 'schedules', 'a list');
  (db.schedules as unknown[]).forEach((s, i) => {
    expect(isObject(s) && typeof (s as Record<string, unknown>).id === 'string', `schedules[${i}]`, 'a schedule with an id');
  });
  expect(Array.isArray(db.audit), 'audit', 'a list');
  (db.audit as unknown[]).forEach((e, i) => {
    const entry = e as Record<string, unknown>;
    expect(isObject(e) && typeof entry.at === 'number' && typeof entry.user === 'string' && typeof entry.action === 'string', `audit[${i}]`, '{ at, user, action }');
  });
}
