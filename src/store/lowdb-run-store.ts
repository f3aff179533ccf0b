// The RunStore and ScheduleStore, written once over lowdb's Low and an Adapter: on files in
// one data directory (LowdbRunStore.open, default ./data), or in memory (MemoryRunStore: lowdb's
// Memory adapter, an in-memory History, no lock, no archiving).
//
//   mngbot.json        live state (live-file.ts): runs not yet archived, their events, schedules;
//                      once large, a write appends what changed to mngbot.json.journal (live-journal.ts)
//   history/*.jsonl    ended runs, compacted, and the audit log, appended (history.ts)
//   mngbot.lock        held while open (data-dir-lock.ts): one bot per directory; beside it
//                      mngbot.lock-holder.json names the holder
//
// - Every change is made in memory synchronously (compare-and-set included) before it is written,
//   so concurrent callers see each other's changes in order.
// - Writes are serialised with group commit: while one flush is under way, later changes wait for
//   the next, which carries all of them. A flush appends to history first, then the audit log, then
//   rewrites mngbot.json; a call resolves once what it changed is durable.
// - A failed flush (disk full, I/O error) rejects every call whose change was not durable, in it and
//   queued behind it, and puts memory back to what the files hold: reads never show what is not on
//   disk. Later calls are served and write again; health() is bad until a write succeeds, and while
//   idle a probe retries with backoff.
// - An ended run moves to history once its end has been shown (notify.finalShown) or after a grace
//   period: history first, then mngbot.json without it, so a crash between leaves it in both places
//   and the history copy wins on load. mngbot.json's size, and a save's cost, depend on live runs only.
// - A file that cannot be read, parsed or recognised stops start-up and is never written to.
// - A flush hands the adapter a snapshot of the document taken before history is written (records are
//   replaced, never changed in place, so a snapshot copies lists, not records); the last snapshot
//   written is what memory goes back to when a write fails.
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Low } from 'lowdb';
import { ConflictError, UserError } from '../engine/errors.js';
import type { ProgressEvent } from '../engine/events.js';
import type { AuditEntry, GroupRef, RunStore } from '../engine/ports.js';
import { isTerminal, type Run } from '../engine/run.js';
import type { Schedule, ScheduleStore } from '../schedule/schedules.js';
import { assertGroupFree } from './active-run.js';
import { nodeFileOps, removeStaleTemps, writeFileAtomic, type FileOps } from './atomic-file.js';
import { compactRun, keepLastEvents } from './compact-run.js';
import { DataDirLock } from './data-dir-lock.js';
import { freeName, History, writeMigratedHistory, type RunEntry } from './history.js';
import { JsonCache, MngbotFileAdapter, type LiveDoc } from './live-file.js';
import type { ChangedRecords } from './live-journal.js';
import { define, settled } from './migrations.js';
import { DEFAULT_ARCHIVE_GRACE_MS, DEFAULT_AUDIT_RETENTION_DAYS, DEFAULT_EVENT_LIMIT, DEFAULT_RUN_RETENTION_DAYS } from './retention.js';
import { emptyDb, type ArchiveLine } from './schema.js';
import { WriteHealth, type StoreHealth } from './store-health.js';

export { DataFileError } from './data-file-error.js';
export { DataDirLockedError } from './data-dir-lock.js';
export type { StoreHealth } from './store-health.js';
export { DEFAULT_ARCHIVE_GRACE_MS, DEFAULT_AUDIT_RETENTION_DAYS, DEFAULT_EVENT_LIMIT, DEFAULT_RUN_RETENTION_DAYS } from './retention.js';

export const DEFAULT_DATA_DIR = './data';
export const DEFAULT_DATA_FILE = 'mngbot.json';
const DAY_MS = 24 * 3_600_000;

export interface LowdbRunStoreOptions {
  /** Directory of the data files; created when missing. Default ./data. */
  dataDir?: string;
  /** Default mngbot.json. */
  fileName?: string;
  /** Events kept per live run; older ones are dropped and counted. Default DEFAULT_EVENT_LIMIT. */
  eventLimit?: number;
  /** Ended runs are kept this many days in history (MNG_RUN_RETENTION_DAYS). Default 400. */
  runRetentionDays?: number;
  /** Audit entries are kept this many days (MNG_AUDIT_RETENTION_DAYS). Default 400. */
  auditRetentionDays?: number;
  /** An ended run stays live (uncompacted) until its end has been shown, or this long. Default 24 h. */
  archiveGraceMs?: number;
  /** A lock not refreshed for this long is another process's to take. Default 20 s. */
  lockStaleMs?: number;
  /** How often the lock is refreshed. Default 5 s. */
  lockUpdateMs?: number;
  /** The store's clock (archiving, retention, health). Default Date.now. */
  now?: () => number;
  /** Tests replace file-system calls to simulate crashes. */
  fileOps?: FileOps;
  /** From this size of mngbot.json on, a write appends what changed to its journal. Default JOURNAL_FROM_BYTES (256 KiB). */
  journalFromBytes?: number;
  /** One line per notable thing done (migration, leftover temporary files, a lost lock, a failed write). */
  log?: (message: string) => void;
}

/** The lock on the data directory was lost while open: this store no longer writes. */
export class DataDirLockLostError extends Error {
  override name = 'DataDirLockLostError';
}

type RunFilter = { cluster?: string; nodegroup?: string; statuses?: readonly Run['status'][] };

/** The flush steps, in order: a call waits for the step its change needs. */
const STEP = { runs: 1, audit: 2, live: 3 } as const;
type Step = keyof typeof STEP;

interface Waiter {
  needs: Step;
  resolve: () => void;
  reject: (err: unknown) => void;
  /** A caller's run whose rev the call advanced: put back when the call fails. */
  rev?: { run: Run; from: number; to: number };
}

interface Pending {
  waiters: Waiter[];
  /** mngbot.json must be rewritten. */
  live: boolean;
}

const noPending = (): Pending => ({ waiters: [], live: false });

/** What the store is made of: LowdbRunStore.open builds it on a data directory, MemoryRunStore in memory. */
export interface StoreParts {
  /** Names the store in messages: the data file, or "memory". */
  file: string;
  /** The live document; its adapter writes it (MngbotFileAdapter, or lowdb's Memory). */
  db: Low<LiveDoc>;
  /** Archived runs and the audit log. */
  history: History;
  /** Absent in memory: nobody else can write there. */
  lock?: DataDirLock;
  cache?: JsonCache;
  eventLimit: number;
  /** Absent: ended runs stay live and whole (memory has no file to keep small). */
  archiveGraceMs?: number;
  now: () => number;
  log: (m: string) => void;
}

export class LowdbRunStore implements RunStore, ScheduleStore {
  readonly file: string;
  private readonly db: Low<LiveDoc>;
  private readonly history: History;
  private readonly cache: JsonCache;
  private readonly index = new Map<string, number>();
  private pending = noPending();
  private writing?: Promise<void>;
  private closed = false;
  private lockLost?: { error: Error; since: number };
  private readonly writeHealth: WriteHealth;
  /** The document as last written: what memory goes back to when a write fails. */
  private durable: LiveDoc;

  constructor(private readonly opts: StoreParts) {
    this.file = opts.file;
    this.db = opts.db;
    this.history = opts.history;
    this.cache = opts.cache ?? new JsonCache();
    this.writeHealth = new WriteHealth(opts.now, () => this.probe());
    this.dropArchivedFromLive();
    this.durable = snapshot(this.db.data);
  }

  /**
   * Takes the data directory's lock, then opens (or creates) the data files. Rejects with a
   * DataDirLockedError naming the holder when another process has the directory, and with a
   * DataFileError when a file is not usable (the file is left as it was).
   */
  static async open(opts: LowdbRunStoreOptions = {}): Promise<LowdbRunStore> {
    const dir = opts.dataDir ?? DEFAULT_DATA_DIR;
    const file = join(dir, opts.fileName ?? DEFAULT_DATA_FILE);
    const log = opts.log ?? ((m: string) => console.warn(m));
    const now = opts.now ?? Date.now;
    const fileOps = opts.fileOps ?? nodeFileOps;
    const eventLimit = opts.eventLimit ?? DEFAULT_EVENT_LIMIT;
    const archiveGraceMs = opts.archiveGraceMs ?? DEFAULT_ARCHIVE_GRACE_MS;
    const runRetentionDays = positive(opts.runRetentionDays ?? DEFAULT_RUN_RETENTION_DAYS, 'runRetentionDays');
    const auditRetentionDays = positive(opts.auditRetentionDays ?? DEFAULT_AUDIT_RETENTION_DAYS, 'auditRetentionDays');
    await mkdir(dir, { recursive: true });

    let store: LowdbRunStore | undefined;
    let lostEarly: Error | undefined;
    const lock = await DataDirLock.acquire(dir, {
      staleMs: opts.lockStaleMs,
      updateMs: opts.lockUpdateMs,
      log,
      onLost: (err) => (store ? store.onLockLost(err) : (lostEarly = err)),
    });
    try {
      // Only the lock's holder may remove temporary files: another writer's could be in use.
      const stale = await removeStaleTemps(file);
      if (stale.length) log(`${file}: removed ${stale.length} temporary file(s) of an interrupted write: ${stale.join(', ')}`);
      const cache = new JsonCache();
      const adapter = new MngbotFileAdapter(file, cache, {
        fileOps,
        migration: () => ({ eventLimit, now: now(), archiveGraceMs }),
        ...(opts.journalFromBytes !== undefined ? { journalFromBytes: opts.journalFromBytes } : {}),
      });
      const db = new Low<LiveDoc>(adapter, emptyDb());
      const existed = await exists(file);
      await db.read();
      if (adapter.migrated) {
        const { from, text, steps, moved } = adapter.migrated;
        const backup = await freeName(`${file}.v${from}.bak`);
        await writeFileAtomic(backup, text, fileOps);
        // History before mngbot.json: a crash between repeats the migration, which writes its files
        // whole again (never appends), so no record is there twice.
        await writeMigratedHistory(dir, moved, fileOps, log);
        log(
          `${file}: migrated from schemaVersion ${from} (${steps.join('; ')}); ${moved.archive.length} ended run(s) and ${moved.audit.length} audit entries moved to history; the original is in ${backup}`,
        );
      }
      const history = await History.load(dir, {
        now,
        runRetentionMs: runRetentionDays * DAY_MS,
        auditRetentionMs: auditRetentionDays * DAY_MS,
        fileOps,
        log,
      });
      store = new LowdbRunStore({ file, db, history, lock, cache, eventLimit, archiveGraceMs, now, log });
      if (lostEarly) store.onLockLost(lostEarly);
      // Write at once when new or migrated, so that a directory we cannot write to stops start-up; and
      // fold a journal into the file, so that a torn last line is never appended to.
      if (!existed || adapter.migrated || adapter.journal) await db.write();
      if (typeof adapter.journal === 'object') log(`${file}: applied ${adapter.journal.lines} change(s) from its journal`);
      // Ended runs whose grace passed while no bot ran go to history now (a failure shows in health()).
      if (store.archiveDue()) await store.persist('live').catch(() => {});
      return store;
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  // ---- RunStore

  async get(id: string): Promise<Run | undefined> {
    this.readable();
    const i = this.index.get(id);
    if (i !== undefined) return this.cache.run(this.db.data.runs[i]);
    const archived = this.history.getRun(id);
    return archived && archiveLine(archived).run;
  }

  /** Newest first. */
  async list(filter: RunFilter = {}): Promise<Run[]> {
    this.readable();
    const wanted = (cluster: string, nodegroup: string, status: Run['status']) =>
      (!filter.cluster || cluster === filter.cluster) && (!filter.nodegroup || nodegroup === filter.nodegroup) && (!filter.statuses || filter.statuses.includes(status));
    const found: { createdAt: number; run: () => Run }[] = [];
    for (const e of this.history.runEntries()) {
      if (!this.index.has(e.id) && wanted(e.cluster, e.nodegroup, e.status)) found.push({ createdAt: e.createdAt, run: () => archiveLine(e).run });
    }
    for (const r of this.db.data.runs) {
      if (wanted(r.ref.cluster, r.ref.nodegroup, r.status)) found.push({ createdAt: r.createdAt, run: () => this.cache.run(r) });
    }
    return found.sort((a, b) => b.createdAt - a.createdAt).map((f) => f.run());
  }

  async create(run: Run): Promise<void> {
    this.writable();
    if (this.index.has(run.id) || this.history.getRun(run.id)) throw new ConflictError(`run ${run.id} exists already`);
    assertGroupFree(run, this.db.data.runs);
    const stored = this.cache.liveRun({ ...run, rev: 1 });
    const from = run.rev;
    run.rev = 1;
    this.index.set(run.id, this.db.data.runs.push(stored) - 1);
    if (isTerminal(run.status)) define(this.db.data.ended, run.id, this.opts.now());
    return this.persist('live', { run, from, to: 1 });
  }

  /**
   * Stores the run (compare-and-set on rev) and appends its new events, in one write. `changed`: the
   * node records changed since the caller's last save of this run (all of them when absent).
   */
  async save(run: Run, events: ProgressEvent[] = [], changed?: ChangedRecords): Promise<void> {
    this.writable();
    const i = this.index.get(run.id);
    if (i === undefined) return this.saveArchived(run, events);
    const stored = this.db.data.runs[i];
    if (stored.rev !== run.rev) throw new ConflictError(`run ${run.id} changed meanwhile (rev ${stored.rev}, not ${run.rev})`);
    if (stored.status !== run.status) assertGroupFree(run, this.db.data.runs);
    const live = this.cache.liveRun({ ...run, rev: run.rev + 1 }, stored, changed);
    const copies = events.map((e) => this.cache.copy(e));
    this.db.data.runs[i] = live;
    const rev = { run, from: run.rev, to: run.rev + 1 };
    run.rev++;
    this.appendEvents(run.id, copies);
    const ended = this.db.data.ended;
    if (isTerminal(run.status) && !Object.hasOwn(ended, run.id)) define(ended, run.id, this.opts.now());
    if (!isTerminal(run.status) && Object.hasOwn(ended, run.id)) delete ended[run.id];
    return this.persist('live', rev);
  }

  /** A run already in history (its Slack coordinates, say): a newer version is appended there. */
  private saveArchived(run: Run, events: ProgressEvent[]): Promise<void> {
    const entry = this.history.getRun(run.id);
    if (!entry) throw new UserError(`no run ${run.id}`);
    if (entry.rev !== run.rev) throw new ConflictError(`run ${run.id} changed meanwhile (rev ${entry.rev}, not ${run.rev})`);
    if (!isTerminal(run.status)) {
      throw new UserError(`run ${run.id} has ended (${entry.status}); an ended run cannot become ${run.status}`, 'start a new run instead');
    }
    const line = archiveLine(entry);
    const log = keepLastEvents({ events: line.events, dropped: line.eventsDropped }, JSON.parse(JSON.stringify(events)) as ProgressEvent[]);
    const next = compactRun(JSON.parse(JSON.stringify({ ...run, rev: run.rev + 1 })) as Run);
    this.history.putRun({ archivedAt: line.archivedAt, run: next, events: log.events, eventsDropped: log.dropped });
    const rev = { run, from: run.rev, to: run.rev + 1 };
    run.rev++;
    return this.persist('runs', rev);
  }

  private appendEvents(runId: string, events: ProgressEvent[]): void {
    if (events.length === 0) return;
    const logs = this.db.data.events;
    if (!Object.hasOwn(logs, runId)) define(logs, runId, { events: [], dropped: 0 });
    const log = logs[runId];
    log.events.push(...events);
    const over = log.events.length - this.opts.eventLimit;
    if (over > 0) {
      log.events.splice(0, over);
      log.dropped += over;
    }
  }

  /** The newest events (all kept, or the last limit), oldest first, and how many older ones are not returned. */
  async events(runId: string, limit?: number): Promise<{ events: ProgressEvent[]; dropped: number }> {
    this.readable();
    const logs = this.db.data.events;
    let log: { events: ProgressEvent[]; dropped: number };
    if (this.index.has(runId)) log = Object.hasOwn(logs, runId) ? logs[runId] : { events: [], dropped: 0 };
    else {
      const entry = this.history.getRun(runId);
      const line = entry && archiveLine(entry);
      log = line ? { events: line.events, dropped: line.eventsDropped } : { events: [], dropped: 0 };
    }
    const events = limit === undefined ? log.events : log.events.slice(-limit);
    // An archived run's events were parsed for this call: no copy needed.
    const copies = this.index.has(runId) ? events.map((e) => this.cache.clone(e)) : events;
    return { events: copies, dropped: log.dropped + (log.events.length - events.length) };
  }

  async audit(entry: AuditEntry): Promise<void> {
    this.writable();
    this.history.addAudit(this.cache.copy(entry));
    return this.persist('audit');
  }

  /** The last limit entries, oldest first. */
  async auditLog(limit = 50): Promise<AuditEntry[]> {
    this.readable();
    return this.history.lastAudit(limit).map((e) => this.cache.clone(e));
  }

  // ---- ScheduleStore

  /** Schedules, soonest first (those without a next time last). */
  async listSchedules(filter: { ref?: GroupRef } = {}): Promise<Schedule[]> {
    this.readable();
    return this.db.data.schedules
      .filter((s) => !filter.ref || (s.ref.cluster === filter.ref.cluster && s.ref.nodegroup === filter.ref.nodegroup))
      .sort((a, b) => (a.nextAt ?? Infinity) - (b.nextAt ?? Infinity))
      .map((s) => this.cache.clone(s));
  }

  async getSchedule(id: string): Promise<Schedule | undefined> {
    this.readable();
    const s = this.db.data.schedules.find((x) => x.id === id);
    return s && this.cache.clone(s);
  }

  /** Creates or replaces the schedule with this id. */
  async putSchedule(schedule: Schedule): Promise<void> {
    this.writable();
    const list = this.db.data.schedules;
    const stored = this.cache.copy(schedule);
    const i = list.findIndex((s) => s.id === schedule.id);
    if (i >= 0) list[i] = stored;
    else list.push(stored);
    return this.persist('live');
  }

  /** Resolves true when there was such a schedule. */
  async deleteSchedule(id: string): Promise<boolean> {
    this.writable();
    const list = this.db.data.schedules;
    const i = list.findIndex((s) => s.id === id);
    if (i < 0) return false;
    list.splice(i, 1);
    await this.persist('live');
    return true;
  }

  // ---- health and lifecycle

  /**
   * Not ok from a failed write until a write succeeds again, and for good once the data directory's
   * lock is lost (another process may be writing: restart mngbot) or the store is closed.
   */
  health(): StoreHealth {
    if (this.lockLost) return { ok: false, problem: `${this.lockLost.error.message}; not writing any more — restart mngbot`, since: this.lockLost.since };
    if (this.closed) return { ok: false, problem: `${this.file}: store is closed` };
    return this.writeHealth.get();
  }

  /** Waits for pending writes, then releases the data directory's lock; afterwards every call rejects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.writeHealth.stop();
    while (this.writing) await this.writing;
    if (this.db.adapter instanceof MngbotFileAdapter) await this.db.adapter.close();
    await this.opts.lock?.release();
  }

  private onLockLost(error: Error): void {
    if (this.lockLost) return;
    this.lockLost = { error, since: this.opts.now() };
    this.opts.log(`${this.file}: ${error.message}; this store stops writing`);
  }

  private readable(): void {
    if (this.closed) throw new Error(`${this.file}: store is closed`);
  }

  private writable(): void {
    this.readable();
    if (this.lockLost) throw new DataDirLockLostError(`${this.file}: not saved — ${this.lockLost.error.message}; restart mngbot`);
  }

  // ---- archiving

  /** Whether some ended run is due to go to history. */
  private archiveDue(): boolean {
    const graceMs = this.opts.archiveGraceMs;
    if (graceMs === undefined) return false;
    const now = this.opts.now();
    return Object.entries(this.db.data.ended).some(([id, endedAt]) => {
      const i = this.index.get(id);
      return i === undefined || settled(this.db.data.runs[i], endedAt, now, graceMs);
    });
  }

  /** Moves settled ended runs from live state to history (in memory; the flush writes both). Returns whether any moved. */
  private archiveSettled(): boolean {
    const graceMs = this.opts.archiveGraceMs;
    if (graceMs === undefined) return false;
    const now = this.opts.now();
    const { runs, events, ended } = this.db.data;
    const moving = new Set<string>();
    for (const [id, endedAt] of Object.entries(ended)) {
      const i = this.index.get(id);
      if (i === undefined) {
        delete ended[id];
        moving.add(id);
        continue;
      }
      const run = runs[i];
      if (!settled(run, endedAt, now, graceMs)) continue;
      const log = keepLastEvents(Object.hasOwn(events, id) ? events[id] : { events: [], dropped: 0 }, []);
      this.history.putRun({ archivedAt: now, run: compactRun(this.cache.run(run)), events: log.events, eventsDropped: log.dropped });
      moving.add(id);
    }
    if (moving.size === 0) return false;
    this.removeLive(moving);
    return true;
  }

  /** History wins: a run in both places is one a crash caught between its two writes. */
  private dropArchivedFromLive(): void {
    const both = new Set(this.db.data.runs.filter((r) => this.history.getRun(r.id)).map((r) => r.id));
    this.removeLive(both);
  }

  private removeLive(ids: Set<string>): void {
    const data = this.db.data;
    if (ids.size) {
      data.runs = data.runs.filter((r) => !ids.has(r.id));
      for (const id of ids) {
        if (Object.hasOwn(data.events, id)) delete data.events[id];
        if (Object.hasOwn(data.ended, id)) delete data.ended[id];
      }
    }
    this.index.clear();
    data.runs.forEach((r, i) => this.index.set(r.id, i));
  }

  // ---- writing

  /** Resolves when a flush containing every change made so far has made the part `needs` durable. */
  private persist(needs: Step, rev?: Waiter['rev']): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.waiters.push({ needs, resolve, reject, ...(rev ? { rev } : {}) });
      if (needs === 'live') this.pending.live = true;
      this.kick();
    });
  }

  private kick(): void {
    if (!this.writing) this.writing = this.writeLoop();
  }

  private async writeLoop(): Promise<void> {
    // Yield first, so that `writing` is set before the loop can end and clear it.
    await Promise.resolve();
    try {
      while (this.pending.waiters.length > 0 || this.pending.live) {
        await this.history.pruneIfDue().catch((err: Error) => this.opts.log(`${this.history.dir}: pruning failed (${err.message}); tried again tomorrow`));
        await this.flush();
      }
    } finally {
      // In the same synchronous stretch as the loop's last check: no change can slip in between.
      this.writing = undefined;
    }
  }

  /** Writes no change: the durable state again, to learn whether writing works again. */
  private probe(): void {
    if (this.writing || this.closed || this.lockLost) return;
    this.pending.live = true;
    this.kick();
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = noPending();
    if (this.lockLost) {
      this.fail(batch, new DataDirLockLostError(`${this.file}: not saved — ${this.lockLost.error.message}; restart mngbot`), 0);
      return;
    }
    if (this.archiveSettled()) batch.live = true;
    const sealed = this.history.seal();
    // Taken now: changes made while history is written belong to the next flush. In memory a write
    // cannot fail, so there is nothing to go back to and the document needs no copy.
    const onFile = this.db.adapter instanceof MngbotFileAdapter;
    const live = batch.live ? (onFile ? snapshot(this.db.data) : this.db.data) : undefined;
    let done = 0;
    try {
      await this.history.writeRuns(sealed);
      done = STEP.runs;
      await this.history.writeAudit(sealed);
      done = STEP.audit;
      if (live) await (this.db.adapter instanceof MngbotFileAdapter ? this.db.adapter.writeSince(live, this.durable) : this.db.adapter.write(live));
      done = STEP.live;
    } catch (err) {
      this.fail(batch, err as Error, done);
      return;
    }
    if (live) this.durable = live;
    if (!this.writeHealth.get().ok) this.opts.log(`${this.file}: writing works again`);
    this.writeHealth.succeeded();
    for (const w of batch.waiters) w.resolve();
  }

  /**
   * A flush failed after `done` steps: calls whose part became durable resolve; every other call, in
   * this flush or queued behind it, is rejected, and memory goes back to what the files hold.
   */
  private fail(batch: Pending, err: Error, done: number): void {
    const queued = this.pending;
    this.pending = noPending();
    const failed = [...batch.waiters.filter((w) => STEP[w.needs] > done), ...queued.waiters];
    // Latest first: a run saved twice goes back to the rev before the first.
    for (const w of [...failed].reverse()) if (w.rev && w.rev.run.rev === w.rev.to) w.rev.run.rev = w.rev.from;
    this.history.rollback();
    this.db.data = snapshot(this.durable);
    this.dropArchivedFromLive();
    if (!(err instanceof DataDirLockLostError)) {
      const problem = `${this.file}: a write failed (${(err as NodeJS.ErrnoException).code ?? err.message}: ${err.message}); serving the last saved state and retrying`;
      if (this.writeHealth.get().ok) this.opts.log(problem);
      this.writeHealth.failed(problem);
    }
    for (const w of batch.waiters) if (STEP[w.needs] <= done) w.resolve();
    for (const w of failed) w.reject(err);
  }
}

/**
 * A copy of the document that later changes do not reach: its lists and maps are copied; records are
 * shared, as the store replaces a record rather than change it.
 */
function snapshot(db: LiveDoc): LiveDoc {
  const events: LiveDoc['events'] = {};
  for (const [id, log] of Object.entries(db.events)) define(events, id, { events: [...log.events], dropped: log.dropped });
  return { schemaVersion: db.schemaVersion, runs: [...db.runs], events, schedules: [...db.schedules], ended: { ...db.ended } };
}

function archiveLine(entry: RunEntry): ArchiveLine {
  return JSON.parse(entry.line) as ArchiveLine;
}

function positive(n: number, key: string): number {
  if (!Number.isFinite(n) || n <= 0) throw new UserError(`LowdbRunStore: ${key} must be a positive number of days, not ${n}`);
  return n;
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
