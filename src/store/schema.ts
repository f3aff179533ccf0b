// The data's shapes and the checks that tell our files from broken or foreign ones.
//
// Version 2 (current) splits the data by how it changes:
//   mngbot.json                 live state, rewritten (atomically) on every save: runs not yet
//                               archived (unfinished, and ended ones whose end may still be shown),
//                               their event logs, the schedules, and when each ended run ended.
//   history/runs-YYYY-MM.jsonl  ended runs, compacted (compact-run.ts), one ArchiveLine per line,
//                               appended; a later save of an archived run appends a newer version.
//   history/audit-YYYY-MM.jsonl the audit log, one entry per line, appended.
//   history/*-v1.jsonl          what the migration from version 1 moved out of mngbot.json.
// Version 1 kept everything in mngbot.json, audit log included (migrations.ts).
import type { ProgressEvent } from '../engine/events.js';
import type { AuditEntry } from '../engine/ports.js';
import type { Run } from '../engine/run.js';
import { TERMINAL_STATUSES } from '../engine/run.js';
import type { Schedule } from '../schedule/schedules.js';
import type { ArchivedRun } from './compact-run.js';

export const SCHEMA_VERSION = 2;

export interface EventLog {
  /** Oldest first. */
  events: ProgressEvent[];
  /** Older events dropped to keep the log bounded. */
  dropped: number;
}

export interface DbFile {
  schemaVersion: typeof SCHEMA_VERSION;
  /** Runs not archived yet. */
  runs: Run[];
  events: Record<string, EventLog>;
  schedules: Schedule[];
  /** Ended runs still in this file: when the store saw each end, by its own clock (ms). */
  ended: Record<string, number>;
}

/** Version 1: everything in one file. */
export interface DbFileV1 {
  schemaVersion: 1;
  runs: Run[];
  events: Record<string, EventLog>;
  schedules: Schedule[];
  audit: AuditEntry[];
}

/** One line of a runs history file. */
export interface ArchiveLine {
  /** When the run first went to history, by the store's clock. */
  archivedAt: number;
  run: ArchivedRun;
  /** The last events, oldest first. */
  events: ProgressEvent[];
  eventsDropped: number;
}

export const emptyDb = (): DbFile => ({ schemaVersion: SCHEMA_VERSION, runs: [], events: {}, schedules: [], ended: {} });

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function expect(ok: boolean, path: string, what: string): void {
  if (!ok) throw new Error(`${path}: expected ${what}`);
}

/** The fields of a run the store relies on (ids, revisions, node groups, statuses, times). */
export function checkRun(r: unknown, at: string): asserts r is Run {
  expect(isObject(r), at, 'a run object');
  const run = r as Record<string, unknown>;
  expect(typeof run.id === 'string' && run.id !== '', `${at}.id`, 'a string');
  expect(Number.isInteger(run.rev), `${at}.rev`, 'a whole number');
  expect(isObject(run.ref) && typeof (run.ref as Record<string, unknown>).cluster === 'string' && typeof (run.ref as Record<string, unknown>).nodegroup === 'string', `${at}.ref`, '{ cluster, nodegroup }');
  expect(typeof run.status === 'string', `${at}.status`, 'a string');
  expect(typeof run.createdAt === 'number', `${at}.createdAt`, 'a number');
}

function checkEventLogs(events: unknown): void {
  expect(isObject(events), 'events', 'an object keyed by run id');
  for (const [id, log] of Object.entries(events as Record<string, unknown>)) {
    const at = `events[${JSON.stringify(id)}]`;
    expect(isObject(log), at, '{ events, dropped }');
    expect(Array.isArray((log as Record<string, unknown>).events), `${at}.events`, 'a list');
    expect(Number.isInteger((log as Record<string, unknown>).dropped), `${at}.dropped`, 'a whole number');
  }
}

export function checkAuditEntry(e: unknown, at: string): asserts e is AuditEntry {
  const entry = e as Record<string, unknown>;
  expect(isObject(e) && typeof entry.at === 'number' && typeof entry.user === 'string' && typeof entry.action === 'string', at, '{ at, user, action }');
}

function checkRunsAndSchedules(db: Record<string, unknown>): void {
  expect(Array.isArray(db.runs), 'runs', 'a list');
  const ids = new Set<string>();
  (db.runs as unknown[]).forEach((r, i) => {
    const at = `runs[${i}]`;
    checkRun(r, at);
    expect(!ids.has(r.id), `${at}.id`, `a unique id, but "${r.id}" repeats`);
    ids.add(r.id);
  });
  checkEventLogs(db.events);
  expect(Array.isArray(db.schedules), 'schedules', 'a list');
  (db.schedules as unknown[]).forEach((s, i) => {
    expect(isObject(s) && typeof (s as Record<string, unknown>).id === 'string', `schedules[${i}]`, 'a schedule with an id');
  });
}

/** Checks a current-version mngbot.json deeply enough that the store can rely on it. Throws naming the path at fault. */
export function checkDb(data: unknown): asserts data is DbFile {
  expect(isObject(data), 'top level', 'an object');
  const db = data as Record<string, unknown>;
  expect(db.schemaVersion === SCHEMA_VERSION, 'schemaVersion', String(SCHEMA_VERSION));
  checkRunsAndSchedules(db);
  expect(isObject(db.ended), 'ended', 'an object of run id → time');
  for (const [id, ms] of Object.entries(db.ended as Record<string, unknown>)) expect(typeof ms === 'number', `ended[${JSON.stringify(id)}]`, 'a number');
}

/** Checks a version-1 document before it is migrated. */
export function checkDbV1(data: Record<string, unknown>): asserts data is Record<string, unknown> & DbFileV1 {
  checkRunsAndSchedules(data);
  expect(Array.isArray(data.audit), 'audit', 'a list');
  (data.audit as unknown[]).forEach((e, i) => checkAuditEntry(e, `audit[${i}]`));
}

export function checkArchiveLine(value: unknown): asserts value is ArchiveLine {
  expect(isObject(value), 'line', 'an object');
  const line = value as Record<string, unknown>;
  expect(typeof line.archivedAt === 'number', 'archivedAt', 'a number');
  checkRun(line.run, 'run');
  expect(TERMINAL_STATUSES.includes((line.run as Run).status), 'run.status', `an ended status (${TERMINAL_STATUSES.join(', ')})`);
  expect(isObject((line.run as unknown as Record<string, unknown>).archived), 'run.archived', 'the counts of the compacted run');
  expect(Array.isArray(line.events), 'events', 'a list');
  expect(Number.isInteger(line.eventsDropped), 'eventsDropped', 'a whole number');
}
