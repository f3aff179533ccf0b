// The data's shapes, as zod schemas: the types are inferred from them, and a file is checked against
// them before the store relies on it.
//
// Version 2 (current) splits the data by how it changes:
//   mngbot.json                 live state, rewritten (atomically) on every save: runs not yet
//                               archived (unfinished, and ended ones whose end may still be shown),
//                               their event logs, the schedules, and when each ended run ended.
//                               Once large, saves append what changed to mngbot.json.journal
//                               instead (live-journal.ts), until it is rewritten again.
//   history/runs-YYYY-MM.jsonl  ended runs, compacted (compact-run.ts), one ArchiveLine per line,
//                               appended; a later save of an archived run appends a newer version.
//   history/audit-YYYY-MM.jsonl the audit log, one entry per line, appended.
//   history/*-v1.jsonl          what the migration from version 1 moved out of mngbot.json.
// Version 1 kept everything in mngbot.json, audit log included (migrations.ts).
//
// Runs and events are the engine's types (engine/ imports no zod): their schemas check what the store
// and the steps rely on (ids, revisions, node groups, statuses, times, and that the lists a step walks
// are lists) and are typed as the engine's Run and ProgressEvent.
import { z } from 'zod';
import type { ProgressEvent } from '../engine/events.js';
import type { AuditEntry } from '../engine/ports.js';
import { ACTIVE_STATUSES, TERMINAL_STATUSES, type Run, type RunStatus } from '../engine/run.js';
import { scheduleSchema } from '../schedule/schedules.js';
import { expecting, zodProblem } from '../zod-issues.js';
import type { ArchivedRun } from './compact-run.js';

export const SCHEMA_VERSION = 2;

const RUN_STATUSES: readonly RunStatus[] = ['awaiting-approval', ...ACTIVE_STATUSES, ...TERMINAL_STATUSES];

const str = z.string(expecting('a string'));
const num = z.number(expecting('a number'));
const whole = z.int(expecting('a whole number'));
const list = <T extends z.ZodType>(item: T) => z.array(item, expecting('a list'));

const runFields = {
  id: str.min(1, expecting('a non-empty string')),
  rev: whole,
  ref: z.object({ cluster: str, nodegroup: str }, expecting('{ cluster, nodegroup }')),
  status: z.enum(RUN_STATUSES, expecting(`a run status (${RUN_STATUSES.join(', ')})`)),
  createdAt: num,
  strategy: z.enum(['rolling', 'eks'], expecting('rolling or eks')),
  phase: str,
  plan: z.looseObject({ nodes: list(z.looseObject({ name: str, pods: num }, expecting('a plan node'))) }, expecting('a plan object')),
  nodes: list(z.looseObject({ name: str, instanceId: str, state: str, at: z.looseObject({}, expecting('an object of state → time')) }, expecting('a node record'))),
  newNodes: list(z.looseObject({ instanceId: str, state: str }, expecting('a new node record'))),
  requests: z.looseObject({}, expecting('an object')),
  counters: z.looseObject({ podsEvicted: num, forcedDeletions: num, apiErrors: num }, expecting('{ podsEvicted, forcedDeletions, apiErrors }')),
};

export const runSchema = z.looseObject(runFields, expecting('a run object')).transform((r) => r as unknown as Run);

/** An ended run as history keeps it (compact-run.ts). */
export const archivedRunSchema = z
  .looseObject(
    {
      ...runFields,
      status: z.enum(TERMINAL_STATUSES, expecting(`an ended status (${TERMINAL_STATUSES.join(', ')})`)),
      archived: z.looseObject({}, expecting('the counts of the compacted run')),
    },
    expecting('a run object'),
  )
  .transform((r) => r as unknown as ArchivedRun);

export const eventSchema = z.looseObject({ runId: str, at: num, kind: str }, expecting('a progress event')).transform((e) => e as unknown as ProgressEvent);

export const eventLogSchema = z.object(
  {
    /** Oldest first. */
    events: list(eventSchema),
    /** Older events dropped to keep the log bounded. */
    dropped: whole,
  },
  expecting('{ events, dropped }'),
);
export type EventLog = z.infer<typeof eventLogSchema>;

export const auditEntrySchema = z.object(
  { at: num, user: str, action: str, runId: str.optional(), channel: str.optional(), detail: str.optional() },
  expecting('{ at, user, action }'),
) satisfies z.ZodType<AuditEntry>;

/**
 * A record keyed by run id. zod's record skips a "__proto__" key instead of checking it, and a run id
 * is data, so that entry is checked here.
 */
function byRunId<T extends z.ZodType>(value: T, what: string) {
  return z
    .unknown()
    .superRefine((rec, ctx) => {
      if (typeof rec !== 'object' || rec === null || !Object.hasOwn(rec, '__proto__')) return;
      const r = value.safeParse((rec as Record<string, unknown>)['__proto__']);
      if (!r.success) for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: ['__proto__', ...issue.path] });
    })
    .pipe(z.record(z.string(), value, expecting(what)));
}

const runList = list(runSchema).superRefine((runs, ctx) => {
  const ids = new Set<string>();
  runs.forEach((r, i) => {
    if (ids.has(r.id)) ctx.addIssue({ code: 'custom', message: `expected a unique id, but "${r.id}" repeats`, path: [i, 'id'] });
    ids.add(r.id);
  });
});

const liveFields = {
  /** Runs not archived yet. */
  runs: runList,
  events: byRunId(eventLogSchema, 'an object keyed by run id'),
  schedules: list(scheduleSchema),
};

/** mngbot.json, current version. */
export const dbFileSchema = z.object(
  {
    schemaVersion: z.literal(SCHEMA_VERSION, expecting(String(SCHEMA_VERSION))),
    ...liveFields,
    /** Ended runs still in this file: when the store saw each end, by its own clock (ms). */
    ended: byRunId(num, 'an object of run id → time'),
  },
  expecting('an object'),
);
export type DbFile = z.infer<typeof dbFileSchema>;

/** Version 1: everything in one file. */
export const dbFileV1Schema = z.object({ schemaVersion: z.literal(1, expecting('1')), ...liveFields, audit: list(auditEntrySchema) }, expecting('an object'));
export type DbFileV1 = z.infer<typeof dbFileV1Schema>;

/** One line of a runs history file. */
export const archiveLineSchema = z.object(
  {
    /** When the run first went to history, by the store's clock. */
    archivedAt: num,
    run: archivedRunSchema,
    /** The last events, oldest first. */
    events: list(eventSchema),
    eventsDropped: whole,
  },
  expecting('an object'),
);
export type ArchiveLine = z.infer<typeof archiveLineSchema>;

export const emptyDb = (): DbFile => ({ schemaVersion: SCHEMA_VERSION, runs: [], events: {}, schedules: [], ended: {} });

/**
 * The value, checked against the schema; throws naming the path at fault. The value itself is
 * returned, not zod's copy: a large document need not be copied, and zod's copy of a record drops
 * a "__proto__" key.
 */
export function checked<S extends z.ZodType>(schema: S, value: unknown, root?: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new Error(zodProblem(result.error, root));
  return value as z.output<S>;
}
