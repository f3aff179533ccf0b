// RunStore on lowdb: one JSON file (default data/mngbot.json) holding runs, bounded event logs,
// schedules and the append-only audit log. Same semantics as MemoryRunStore.
//
// - lowdb's Low holds the document; our adapter (MngbotFileAdapter) reads, checks and migrates it,
//   and writes it atomically with fsync (atomic-file.ts says why steno's writer is not enough).
// - Writes are serialised with group commit: while one write is in flight, later changes wait for
//   the next one, which carries all of them. A save resolves once a file containing it is durable.
// - Every change is made in memory synchronously (compare-and-set included) before the write
//   starts, so concurrent callers see each other's changes in order.
// - A failed write (disk full, I/O error) leaves memory ahead of the disk: the store then refuses
//   everything until restarted, which reloads the last durable file. The runner is level-triggered,
//   so it carries on from there.
// - A file that cannot be read, parsed or recognised stops start-up and is never written to.
// - Speed: each stored record keeps its UTF-8 JSON (a WeakMap keyed by the stored object), so a save
//   serialises only what it changed; the file is assembled from cached bytes, one record per line.
import { access, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Low, type Adapter } from 'lowdb';
import { ConflictError, UserError } from '../engine/errors.js';
import type { ProgressEvent } from '../engine/events.js';
import type { AuditEntry, GroupRef, RunStore } from '../engine/ports.js';
import type { Run } from '../engine/run.js';
import type { Schedule, ScheduleStore } from '../schedule/schedules.js';
import { assertGroupFree } from './active-run.js';
import { nodeFileOps, removeStaleTemps, writeFileAtomic, type FileOps } from './atomic-file.js';
import { jsonErrorOffset } from './json-error.js';
import { DEFAULT_EVENT_LIMIT } from './memory-run-store.js';
import { migrate, type MigratableDoc } from './migrations.js';
import { SCHEMA_VERSION, checkDb, emptyDb, type DbFile } from './schema.js';

export const DEFAULT_DATA_DIR = './data';
export const DEFAULT_DATA_FILE = 'mngbot.json';

export interface LowdbRunStoreOptions {
  /** Directory of the data file; created when missing. Default ./data. */
  dataDir?: string;
  /** Default mngbot.json. */
  fileName?: string;
  /** Events kept per run; older ones are dropped and counted. Default: MemoryRunStore's DEFAULT_EVENT_LIMIT. */
  eventLimit?: number;
  /** Tests replace file-system calls to simulate crashes. */
  fileOps?: FileOps;
  /** One line per notable thing done at start-up (migration, leftover temporary files). */
  log?: (message: string) => void;
}

/** The data file is unusable: start-up stops and the file is left exactly as it was. */
export class DataFileError extends Error {
  override name = 'DataFileError';
  constructor(
    readonly file: string,
    readonly problem: string,
    advice = 'fix or move the file; mngbot never overwrites it',
  ) {
    super(`${file}: ${problem} — ${advice}`);
  }
}

/**
 * The UTF-8 JSON of stored records, which are never mutated in place (they are replaced), so that
 * writing the file re-encodes only what changed.
 */
class JsonCache {
  private readonly bytes = new WeakMap<object, Buffer>();
  get(obj: object): Buffer {
    let b = this.bytes.get(obj);
    if (b === undefined) this.bytes.set(obj, (b = Buffer.from(JSON.stringify(obj))));
    return b;
  }
  /** A private copy of value, its bytes remembered. */
  copy<T extends object>(value: T): T {
    const s = JSON.stringify(value);
    const c = JSON.parse(s) as T;
    this.bytes.set(c, Buffer.from(s));
    return c;
  }
  /** A fresh copy of a stored record, for a caller to keep. */
  clone<T extends object>(stored: T): T {
    return JSON.parse(this.get(stored).toString('utf8')) as T;
  }
}

function jsonProblem(err: unknown, text: string): string {
  const msg = (err as Error).message;
  const pos = jsonErrorOffset(text);
  if (pos === undefined) return `not valid JSON (${text.length} characters): ${msg}`;
  const truncated = pos >= text.trimEnd().length;
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  return `not valid JSON at position ${pos} (line ${line}, column ${column}) of ${text.length} characters${truncated ? ' (truncated?)' : ''}: ${msg}`;
}

/** lowdb adapter: reads, checks and migrates the file; writes it atomically. */
export class MngbotFileAdapter implements Adapter<DbFile> {
  /** Set by read() when the file was an older version: the original text and its version. */
  migrated?: { from: number; text: string; steps: string[] };

  constructor(
    readonly file: string,
    private readonly cache: JsonCache,
    private readonly opts: { eventLimit: number; fileOps: FileOps },
  ) {}

  async read(): Promise<DbFile | null> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ENOENT') return null;
      throw new DataFileError(this.file, `cannot be read (${e.code ?? e.message})`, 'check its permissions, or move it');
    }
    if (text.trim() === '') throw new DataFileError(this.file, `is empty (${text.length} bytes)`);
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw new DataFileError(this.file, jsonProblem(err, text));
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || !('schemaVersion' in doc)) {
      throw new DataFileError(this.file, 'is not an mngbot data file (no schemaVersion at the top level)');
    }
    const version = (doc as { schemaVersion: unknown }).schemaVersion;
    if (!Number.isInteger(version) || (version as number) < 0) {
      throw new DataFileError(this.file, `is not an mngbot data file (schemaVersion ${JSON.stringify(version)})`);
    }
    if ((version as number) > SCHEMA_VERSION) {
      throw new DataFileError(
        this.file,
        `schemaVersion ${version} is newer than this mngbot understands (${SCHEMA_VERSION})`,
        'run the newer mngbot that wrote it, or move the file; mngbot never overwrites it',
      );
    }
    let db: DbFile;
    try {
      const result = migrate(doc as MigratableDoc, { eventLimit: this.opts.eventLimit });
      db = result.db;
      checkDb(db);
      if (result.from !== undefined) this.migrated = { from: result.from, text, steps: result.steps };
    } catch (err) {
      throw new DataFileError(this.file, `is not an mngbot data file: ${(err as Error).message}`);
    }
    return db;
  }

  /** Serialises synchronously (the state at the call), then writes: callers may change data meanwhile. */
  write(db: DbFile): Promise<void> {
    return writeFileAtomic(this.file, this.serialise(db), this.opts.fileOps);
  }

  /**
   * JSON with one record per line, so that the file can be read, diffed and grepped; assembled from
   * cached bytes. Event logs and the audit log only grow at the end and shrink at the start, so they
   * are cached in blocks of BLOCK records aligned on the record's position in the whole log: a save
   * re-joins at most the first and the last block.
   */
  serialise(db: DbFile): Buffer {
    const chunks: Buffer[] = [];
    const text = (s: string) => chunks.push(Buffer.from(s));
    text(`{"schemaVersion":${db.schemaVersion},\n"runs":`);
    this.list(db.runs, chunks);
    text(',\n"events":{');
    Object.entries(db.events).forEach(([id, log], i) => {
      text(`${i > 0 ? ',' : ''}\n${JSON.stringify(id)}:{"dropped":${log.dropped},"events":`);
      this.list(log.events, chunks, log.dropped);
      text('}');
    });
    text(`${Object.keys(db.events).length ? '\n' : ''}},\n"schedules":`);
    this.list(db.schedules, chunks);
    text(',\n"audit":');
    this.list(db.audit, chunks, 0);
    text('}\n');
    return Buffer.concat(chunks);
  }

  private readonly blocks = new WeakMap<object, { count: number; bytes: Buffer }>();

  /** Appends a JSON list of items; appendOnlyFrom: items[0]'s position in a log that only grows at the end. */
  private list(items: object[], chunks: Buffer[], appendOnlyFrom?: number): void {
    if (items.length === 0) {
      chunks.push(EMPTY_LIST);
      return;
    }
    chunks.push(OPEN_LIST);
    if (appendOnlyFrom === undefined) {
      items.forEach((item, i) => {
        if (i > 0) chunks.push(COMMA_NL);
        chunks.push(this.cache.get(item));
      });
    } else {
      // A block is known by its first record and its length: records are never replaced in place.
      for (let i = 0; i < items.length; ) {
        const end = Math.min(items.length, (Math.floor((appendOnlyFrom + i) / BLOCK) + 1) * BLOCK - appendOnlyFrom);
        let block = this.blocks.get(items[i]);
        if (!block || block.count !== end - i) {
          const parts: Buffer[] = [];
          for (let k = i; k < end; k++) {
            if (k > i) parts.push(COMMA_NL);
            parts.push(this.cache.get(items[k]));
          }
          block = { count: end - i, bytes: Buffer.concat(parts) };
          this.blocks.set(items[i], block);
        }
        if (i > 0) chunks.push(COMMA_NL);
        chunks.push(block.bytes);
        i = end;
      }
    }
    chunks.push(CLOSE_LIST);
  }
}

const BLOCK = 256;
const EMPTY_LIST = Buffer.from('[]');
const OPEN_LIST = Buffer.from('[\n');
const COMMA_NL = Buffer.from(',\n');
const CLOSE_LIST = Buffer.from('\n]');

type RunFilter = { cluster?: string; nodegroup?: string; statuses?: readonly Run['status'][] };

export class LowdbRunStore implements RunStore, ScheduleStore {
  private readonly index = new Map<string, number>();
  private inFlight?: Promise<void>;
  private queued?: Promise<void>;
  private failed?: Error;
  private closed = false;

  private constructor(
    readonly file: string,
    private readonly db: Low<DbFile>,
    private readonly cache: JsonCache,
    private readonly eventLimit: number,
  ) {
    db.data.runs.forEach((r, i) => this.index.set(r.id, i));
  }

  /** Opens (or creates) the data file. Rejects with a DataFileError when the file is not usable. */
  static async open(opts: LowdbRunStoreOptions = {}): Promise<LowdbRunStore> {
    const dir = opts.dataDir ?? DEFAULT_DATA_DIR;
    const file = join(dir, opts.fileName ?? DEFAULT_DATA_FILE);
    const eventLimit = opts.eventLimit ?? DEFAULT_EVENT_LIMIT;
    const log = opts.log ?? ((m: string) => console.warn(m));
    const cache = new JsonCache();
    const adapter = new MngbotFileAdapter(file, cache, { eventLimit, fileOps: opts.fileOps ?? nodeFileOps });
    await mkdir(dir, { recursive: true });
    const stale = await removeStaleTemps(file);
    if (stale.length) log(`${file}: removed ${stale.length} temporary file(s) of an interrupted write: ${stale.join(', ')}`);
    const db = new Low<DbFile>(adapter, emptyDb());
    const existed = await exists(file);
    await db.read();
    if (adapter.migrated) {
      const { from, text, steps } = adapter.migrated;
      const backup = await freeName(`${file}.v${from}.bak`);
      await writeFileAtomic(backup, text, opts.fileOps);
      log(`${file}: migrated from schemaVersion ${from} (${steps.join('; ')}); the original is in ${backup}`);
    }
    // Write at once when new or migrated, so that a directory we cannot write to stops start-up.
    if (!existed || adapter.migrated) await db.write();
    return new LowdbRunStore(file, db, cache, eventLimit);
  }

  async get(id: string): Promise<Run | undefined> {
    this.usable();
    const i = this.index.get(id);
    return i === undefined ? undefined : this.cache.clone(this.db.data.runs[i]);
  }

  /** Newest first. */
  async list(filter: RunFilter = {}): Promise<Run[]> {
    this.usable();
    return this.db.data.runs
      .filter(
        (r) =>
          (!filter.cluster || r.ref.cluster === filter.cluster) &&
          (!filter.nodegroup || r.ref.nodegroup === filter.nodegroup) &&
          (!filter.statuses || filter.statuses.includes(r.status)),
      )
      .sort((a, b) => b.createdAt - a.createdAt)
      .map((r) => this.cache.clone(r));
  }

  async create(run: Run): Promise<void> {
    this.usable();
    if (this.index.has(run.id)) throw new ConflictError(`run ${run.id} exists already`);
    assertGroupFree(run, this.db.data.runs);
    const stored = this.cache.copy({ ...run, rev: 1 });
    run.rev = 1;
    this.index.set(run.id, this.db.data.runs.push(stored) - 1);
    return this.persist();
  }

  /** Stores the run (compare-and-set on rev) and appends its new events, in one write. */
  async save(run: Run, events: ProgressEvent[] = []): Promise<void> {
    this.usable();
    const i = this.index.get(run.id);
    if (i === undefined) throw new UserError(`no run ${run.id}`);
    const stored = this.db.data.runs[i];
    if (stored.rev !== run.rev) throw new ConflictError(`run ${run.id} changed meanwhile (rev ${stored.rev}, not ${run.rev})`);
    if (stored.status !== run.status) assertGroupFree(run, this.db.data.runs);
    const copy = this.cache.copy({ ...run, rev: run.rev + 1 });
    const copies = events.map((e) => this.cache.copy(e));
    this.db.data.runs[i] = copy;
    run.rev++;
    this.appendEvents(run.id, copies);
    return this.persist();
  }

  private appendEvents(runId: string, events: ProgressEvent[]): void {
    if (events.length === 0) return;
    const logs = this.db.data.events;
    if (!Object.hasOwn(logs, runId)) {
      // defineProperty: a run id is data, even one spelt "__proto__".
      Object.defineProperty(logs, runId, { value: { events: [], dropped: 0 }, enumerable: true, writable: true, configurable: true });
    }
    const log = logs[runId];
    log.events.push(...events);
    const over = log.events.length - this.eventLimit;
    if (over > 0) {
      log.events.splice(0, over);
      log.dropped += over;
    }
  }

  /** The newest events (all kept, or the last limit), oldest first, and how many older ones are not returned. */
  async events(runId: string, limit?: number): Promise<{ events: ProgressEvent[]; dropped: number }> {
    this.usable();
    const logs = this.db.data.events;
    const log = Object.hasOwn(logs, runId) ? logs[runId] : { events: [], dropped: 0 };
    const events = limit === undefined ? log.events : log.events.slice(-limit);
    return { events: events.map((e) => this.cache.clone(e)), dropped: log.dropped + (log.events.length - events.length) };
  }

  async audit(entry: AuditEntry): Promise<void> {
    this.usable();
    this.db.data.audit.push(this.cache.copy(entry));
    return this.persist();
  }

  /** The last limit entries, oldest first. */
  async auditLog(limit = 50): Promise<AuditEntry[]> {
    this.usable();
    return this.db.data.audit.slice(-limit).map((e) => this.cache.clone(e));
  }

  /** Schedules, soonest first (those without a next time last). */
  async listSchedules(filter: { ref?: GroupRef } = {}): Promise<Schedule[]> {
    this.usable();
    return this.db.data.schedules
      .filter((s) => !filter.ref || (s.ref.cluster === filter.ref.cluster && s.ref.nodegroup === filter.ref.nodegroup))
      .sort((a, b) => (a.nextAt ?? Infinity) - (b.nextAt ?? Infinity))
      .map((s) => this.cache.clone(s));
  }

  async getSchedule(id: string): Promise<Schedule | undefined> {
    this.usable();
    const s = this.db.data.schedules.find((x) => x.id === id);
    return s && this.cache.clone(s);
  }

  /** Creates or replaces the schedule with this id. */
  async putSchedule(schedule: Schedule): Promise<void> {
    this.usable();
    const list = this.db.data.schedules;
    const stored = this.cache.copy(schedule);
    const i = list.findIndex((s) => s.id === schedule.id);
    if (i >= 0) list[i] = stored;
    else list.push(stored);
    return this.persist();
  }

  /** Resolves true when there was such a schedule. */
  async deleteSchedule(id: string): Promise<boolean> {
    this.usable();
    const list = this.db.data.schedules;
    const i = list.findIndex((s) => s.id === id);
    if (i < 0) return false;
    list.splice(i, 1);
    await this.persist();
    return true;
  }

  /** Waits for pending writes; afterwards every call rejects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await (this.queued ?? this.inFlight)?.catch(() => {});
  }

  private usable(): void {
    if (this.closed) throw new Error(`${this.file}: store is closed`);
    if (this.failed) {
      throw new Error(`${this.file}: a write failed (${this.failed.message}); restart mngbot to reload the last saved state`);
    }
  }

  /** Resolves when a file containing every change made so far is durable. */
  private persist(): Promise<void> {
    if (this.queued) return this.queued;
    if (!this.inFlight) return this.startWrite();
    const q = this.inFlight.then(
      () => {
        this.queued = undefined;
        return this.failed ? Promise.reject(this.failed) : this.startWrite();
      },
      (err) => {
        this.queued = undefined;
        throw err;
      },
    );
    this.queued = q;
    return q;
  }

  private startWrite(): Promise<void> {
    const p = this.db.write().catch((err: Error) => {
      this.failed ??= err;
      throw err;
    });
    this.inFlight = p;
    const clear = () => {
      if (this.inFlight === p) this.inFlight = undefined;
    };
    p.then(clear, clear);
    return p;
  }
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

async function freeName(name: string): Promise<string> {
  if (!(await exists(name))) return name;
  for (let n = 1; ; n++) if (!(await exists(`${name}.${n}`))) return `${name}.${n}`;
}
