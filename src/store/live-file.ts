// mngbot.json: the live part of the store (schema.ts). lowdb's Low holds the document; this adapter
// reads, checks and migrates it, and serialises it for atomic writes (atomic-file.ts).
//
// Speed: each stored record keeps its UTF-8 JSON (a WeakMap keyed by the stored object), so a save
// serialises only what it changed; the file is assembled from cached bytes, one record per line. Once
// the file is large (journalFromBytes), a write appends what changed to a journal instead
// (live-journal.ts), and the file is written whole again when the journal has grown as large.
import { readFile } from 'node:fs/promises';
import type { Adapter } from 'lowdb';
import type { Run } from '../engine/run.js';
import { DurableAppender, writeFileAtomic, type FileOps } from './atomic-file.js';
import { DataFileError } from './data-file-error.js';
import { jsonErrorOffset } from './json-error.js';
import { JOURNAL_VERSION, journalFile, journalHeader, partsJson, replayJournal, runChange, runParts, sha256, type ChangedRecords, type RunParts } from './live-journal.js';
import { migrate, type MigratableDoc, type MigrationOptions, type Moved } from './migrations.js';
import { checked, dbFileSchema, SCHEMA_VERSION, type DbFile } from './schema.js';

/**
 * The JSON of stored records, which are never mutated in place (they are replaced), so that writing
 * the file re-encodes only what changed. Kept as the string until a write needs its UTF-8 bytes: a
 * store in memory never does. A run is kept in parts (live-journal.ts), one text per node record.
 */
export class JsonCache {
  private readonly json = new WeakMap<object, string | Buffer>();
  private readonly runs = new WeakMap<LiveRun, RunParts>();
  private readonly plans = new WeakMap<Run['plan'], string>();

  get(obj: object): Buffer {
    const j = this.json.get(obj);
    if (j instanceof Buffer) return j;
    const parts = j === undefined ? this.runs.get(obj as LiveRun) : undefined;
    const b = Buffer.from(j ?? (parts ? partsJson(parts) : JSON.stringify(obj)));
    this.json.set(obj, b);
    return b;
  }
  /** A private copy of value, as JSON would make it; its text is made when a write or a reader needs it. */
  copy<T extends object>(value: T): T {
    return jsonCopy(value);
  }
  /** A fresh copy of a stored record, for a caller to keep. */
  clone<T extends object>(stored: T): T {
    return JSON.parse(this.text(stored)) as T;
  }

  /**
   * What the store keeps of a run it is given: the fields it reads, and the run's JSON in parts. Of the
   * node records, only those `changed` since `before` (the run's last stored version) are encoded; a
   * save does not parse the run back (get() does, as it would anyway).
   */
  liveRun(run: Run, before?: LiveRun, changed?: ChangedRecords): LiveRun {
    const live: LiveRun = { id: run.id, rev: run.rev, ref: { cluster: run.ref.cluster, nodegroup: run.ref.nodegroup }, status: run.status, createdAt: run.createdAt };
    if (run.notify) live.notify = { ...run.notify };
    this.runs.set(live, runParts(run, this.planJson, before && this.runs.get(before), changed));
    return live;
  }

  /** The run's JSON in parts; a run read from the file is split on first use. */
  parts(live: LiveRun): RunParts {
    let p = this.runs.get(live);
    if (!p) this.runs.set(live, (p = runParts(live as Run, this.planJson)));
    return p;
  }

  /** A plan is the same on every save: a frozen one (the runner freezes it) is serialised once. */
  private readonly planJson = (plan: Run['plan']): string => {
    if (!Object.isFrozen(plan)) return JSON.stringify(plan);
    let j = this.plans.get(plan);
    if (j === undefined) this.plans.set(plan, (j = JSON.stringify(plan)));
    return j;
  };

  /** The whole run a LiveRun stands for, a fresh copy. */
  run(live: LiveRun): Run {
    return JSON.parse(this.text(live)) as Run;
  }

  private text(stored: object): string {
    const parts = this.runs.get(stored as LiveRun);
    if (parts && !this.json.has(stored)) return partsJson(parts);
    let j = this.json.get(stored);
    if (j === undefined) this.json.set(stored, (j = JSON.stringify(stored)));
    return typeof j === 'string' ? j : j.toString('utf8');
  }
}

/**
 * What JSON.parse(JSON.stringify(value)) gives, for JSON data, without the text in between (a store in
 * memory never writes it): plain objects and arrays are copied, undefined fields left out; anything
 * else goes through JSON.
 */
function jsonCopy<T>(value: T): T {
  // JSON has no NaN, Infinity or -0.
  if (typeof value === 'number') return (Number.isFinite(value) ? value + 0 : null) as T;
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => (v === undefined || typeof v === 'function' ? null : jsonCopy(v))) as T;
  if (Object.getPrototypeOf(value) !== Object.prototype || 'toJSON' in value) return JSON.parse(JSON.stringify(value)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined && typeof v !== 'function') out[k] = jsonCopy(v);
  return out as T;
}

/**
 * What the store reads of a live run without parsing it (ids, revision, node group, status, times,
 * whether its end was shown); the whole run is its JSON in the JsonCache. A run read from the file is
 * whole, and is one too.
 */
export type LiveRun = Pick<Run, 'id' | 'rev' | 'ref' | 'status' | 'createdAt' | 'notify'>;

/** mngbot.json in memory: a DbFile whose runs are LiveRuns. */
export type LiveDoc = Omit<DbFile, 'runs'> & { runs: LiveRun[] };

export function jsonProblem(err: unknown, text: string): string {
  const msg = (err as Error).message;
  const pos = jsonErrorOffset(text);
  if (pos === undefined) return `not valid JSON (${text.length} characters): ${msg}`;
  const truncated = pos >= text.trimEnd().length;
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  return `not valid JSON at position ${pos} (line ${line}, column ${column}) of ${text.length} characters${truncated ? ' (truncated?)' : ''}: ${msg}`;
}

/** lowdb adapter: reads, checks and migrates mngbot.json; writes it atomically. */
export class MngbotFileAdapter implements Adapter<LiveDoc> {
  /** Set by read() when the file was an older version: the original text, its version, and what moved to history. */
  migrated?: { from: number; text: string; steps: string[]; moved: Moved };
  /** Set by read(): a journal's lines were applied (the store folds them into the file at once), or one was left over from a finished rewrite. */
  journal?: { lines: number } | 'stale';
  /** sha256 of the file as last read or written whole: the base a journal names. */
  private base?: string;
  private fileBytes = 0;
  /** Bytes in the journal; 0: there is none. */
  private journalBytes = 0;
  /** An append failed and may have left part of a line: write the file whole next. */
  private journalSuspect = false;
  private readonly journalOut: DurableAppender;

  constructor(
    readonly file: string,
    private readonly cache: JsonCache,
    private readonly opts: { fileOps: FileOps; migration: () => MigrationOptions; journalFromBytes?: number },
  ) {
    this.journalOut = new DurableAppender(journalFile(file), opts.fileOps);
  }

  /** Lets the journal go (the store is closing). */
  close(): Promise<void> {
    return this.journalOut.close();
  }

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
      const result = migrate(doc as MigratableDoc, this.opts.migration());
      db = checked(dbFileSchema, result.db);
      if (result.from !== undefined) this.migrated = { from: result.from, text, steps: result.steps, moved: result.moved };
    } catch (err) {
      throw new DataFileError(this.file, `is not an mngbot data file: ${(err as Error).message}`);
    }
    this.base = sha256(text);
    this.fileBytes = Buffer.byteLength(text);
    return this.migrated ? db : this.replay(db);
  }

  /** Applies the journal written on top of this file, if there is one. */
  private async replay(db: DbFile): Promise<DbFile> {
    const name = journalFile(this.file);
    let text: string;
    try {
      text = await readFile(name, 'utf8');
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ENOENT') return db;
      throw new DataFileError(name, `cannot be read (${e.code ?? e.message})`, 'check its permissions, or move it');
    }
    const lines = text.split('\n');
    // Whatever follows the last newline is a line being appended when the process died: never acknowledged.
    lines.pop();
    let header: { journal?: unknown; base?: unknown } | undefined;
    try {
      header = JSON.parse(lines.shift() ?? '') as typeof header;
    } catch {
      header = undefined;
    }
    if (!header || header.base !== this.base) {
      this.journal = 'stale';
      return db;
    }
    if (header.journal !== 1 && header.journal !== JOURNAL_VERSION) throw new DataFileError(name, `journal version ${JSON.stringify(header.journal)} is not one this mngbot understands`);
    try {
      const applied = replayJournal(db, lines);
      this.journal = { lines: applied };
      return checked(dbFileSchema, db);
    } catch (err) {
      throw new DataFileError(name, `cannot be applied to ${this.file}: ${(err as Error).message}`);
    }
  }

  /** Serialises synchronously (the state at the call), then writes the file whole: callers may change data meanwhile. */
  write(db: LiveDoc): Promise<void> {
    return this.writeWhole(this.serialise(db));
  }

  /**
   * Writes db, which `durable` was the state of when last written: what changed, appended to the
   * journal, once the file is large; the file whole when it is small, when the journal has grown as
   * large as it, or when nothing changed (a probe: it must write something). Serialises synchronously.
   */
  writeSince(db: LiveDoc, durable: LiveDoc): Promise<void> {
    const journalFrom = this.opts.journalFromBytes ?? JOURNAL_FROM_BYTES;
    if (this.base === undefined || this.journalSuspect || this.fileBytes < journalFrom || this.journalBytes >= this.fileBytes) return this.write(db);
    const line = this.changes(db, durable);
    if (line === undefined) return this.write(db);
    return this.append(line);
  }

  private async writeWhole(bytes: Buffer): Promise<void> {
    try {
      await writeFileAtomic(this.file, bytes, this.opts.fileOps);
    } catch (err) {
      // The rename may have happened: a journal must not be based on what we believe the file is.
      this.base = undefined;
      throw err;
    }
    this.base = sha256(bytes);
    this.fileBytes = bytes.length;
    const leftover = this.journalBytes > 0 || this.journalSuspect || this.journal !== undefined;
    this.journalSuspect = false;
    if (leftover) {
      this.journalBytes = 0;
      this.journal = undefined;
      await this.journalOut.close();
      // Not needed for safety: a journal whose base is gone is ignored.
      await this.opts.fileOps.rm(journalFile(this.file), { force: true }).catch(() => {});
    }
  }

  private async append(line: string): Promise<void> {
    const name = journalFile(this.file);
    try {
      if (this.journalBytes === 0) {
        const text = journalHeader(this.base!) + line;
        // A new file in the journal's place: the one held open (if any) is no longer it.
        await this.journalOut.close();
        await writeFileAtomic(name, text, this.opts.fileOps);
        this.journalBytes = Buffer.byteLength(text);
      } else {
        await this.journalOut.append(line, this.journalBytes);
        this.journalBytes += Buffer.byteLength(line);
      }
    } catch (err) {
      this.journalSuspect = true;
      throw err;
    }
  }

  /** One journal line: what db changed since durable; undefined when nothing did. */
  private changes(db: LiveDoc, durable: LiveDoc): string | undefined {
    const parts: string[] = [];
    const before = new Map(durable.runs.map((r) => [r.id, r]));
    const runs: string[] = [];
    for (const r of db.runs) {
      const b = before.get(r.id);
      before.delete(r.id);
      if (b === r) continue;
      runs.push(runChange(r.id, this.cache.parts(r), b && this.cache.parts(b)));
    }
    if (runs.length) parts.push(`"runs":[${runs.join(',')}]`);
    if (before.size) parts.push(`"removed":${JSON.stringify([...before.keys()])}`);
    const events: string[] = [];
    for (const [id, log] of Object.entries(db.events)) {
      const prev = Object.hasOwn(durable.events, id) ? durable.events[id] : undefined;
      const prevEnd = prev ? prev.dropped + prev.events.length : 0;
      const end = log.dropped + log.events.length;
      if (prev && end === prevEnd && log.dropped === prev.dropped) continue;
      const from = Math.max(prevEnd, log.dropped);
      const add = log.events.slice(from - log.dropped).map((e) => this.cache.get(e).toString('utf8'));
      events.push(`${JSON.stringify(id)}:{"from":${from},"dropped":${log.dropped},"add":[${add.join(',')}]}`);
    }
    if (events.length) parts.push(`"events":{${events.join(',')}}`);
    const gone = Object.keys(durable.events).filter((id) => !Object.hasOwn(db.events, id));
    if (gone.length) parts.push(`"eventsGone":${JSON.stringify(gone)}`);
    if (db.schedules.length !== durable.schedules.length || db.schedules.some((s, i) => s !== durable.schedules[i])) {
      parts.push(`"schedules":[${db.schedules.map((s) => this.cache.get(s).toString('utf8')).join(',')}]`);
    }
    const ended = Object.entries(db.ended);
    if (ended.length !== Object.keys(durable.ended).length || ended.some(([id, at]) => durable.ended[id] !== at)) parts.push(`"ended":${JSON.stringify(db.ended)}`);
    return parts.length ? `{${parts.join(',')}}\n` : undefined;
  }

  /**
   * JSON with one record per line, so that the file can be read, diffed and grepped; assembled from
   * cached bytes. Event logs only grow at the end and shrink at the start, so they are cached in
   * blocks of BLOCK records aligned on the record's position in the whole log: a save re-joins at
   * most the first and the last block.
   */
  serialise(db: LiveDoc): Buffer {
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
    text(`,\n"ended":${JSON.stringify(db.ended)}}\n`);
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
/** Below this, mngbot.json is rewritten whole on every write: cheap, and one file to read. */
export const JOURNAL_FROM_BYTES = 256 * 1024;
const EMPTY_LIST = Buffer.from('[]');
const OPEN_LIST = Buffer.from('[\n');
const COMMA_NL = Buffer.from(',\n');
const CLOSE_LIST = Buffer.from('\n]');
