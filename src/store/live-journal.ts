// mngbot.json.journal: what changed in the live document since mngbot.json was last written whole,
// one line per write, so that a save of a large run costs what it changed rather than the whole file.
//
//   line 1     {"journal":1,"base":"<sha256 of the mngbot.json it applies to>"}
//   line 2…    {"runs":[RunChange…],"removed":[id…],"events":{id:EventsChange},"eventsGone":[id…],
//               "schedules":[…]?,"ended":{…}?}
//
// A run's change carries its fields except plan, nodes and newNodes (small), and of those only what
// differs from the last version written: the plan when it changed, node records by position.
//
// Durability, as the rest of the store: the journal is created whole (atomic-file.ts), then appended
// to with an fsync per line. A crash leaves at worst a torn last line, which was never acknowledged and
// is ignored. When the journal grows as large as mngbot.json, the next write is mngbot.json whole
// again (atomically), and the journal is removed: a journal whose base is not the mngbot.json beside
// it is one such a crash left behind, and is ignored. On start-up a journal is replayed and folded
// into mngbot.json at once.
import { createHash } from 'node:crypto';
import type { ProgressEvent } from '../engine/events.js';
import type { ChangedRecords } from '../engine/ports.js';
import type { NodeRecord, NewNodeRecord, Run } from '../engine/run.js';
import type { Schedule } from '../schedule/schedules.js';
import { define } from './migrations.js';
import type { DbFile } from './schema.js';

/** 2: lists change by record (1, by a span of their text, is still read). */
export const JOURNAL_VERSION = 2;

export const journalFile = (file: string) => `${file}.journal`;

export const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

export const journalHeader = (base: string) => `${JSON.stringify({ journal: JOURNAL_VERSION, base })}\n`;

/** A run as JSON, in parts, so that a write can tell which parts changed. */
export interface RunParts {
  /** The run without plan, nodes and newNodes: small, written whole when the run changed. */
  head: string;
  plan: string;
  /** One JSON text per record: a change is written as the records whose text differs. */
  nodes: RecordTexts;
  newNodes: RecordTexts;
}

export interface RecordTexts {
  /** The caller's list as it was encoded: its records (the caller's own objects, changed in place later) and their texts. */
  records: readonly object[];
  /** In chunks of CHUNK: a save copies the chunks it changes, not the list. */
  texts: readonly (readonly string[])[];
  /** The caller's list itself, and where each record is in it: a save that names its changes looks them up there. */
  source: readonly object[];
  index?: Map<object, number>;
}

export type { ChangedRecords } from '../engine/ports.js';

// Tests set this: every record's text is compared with a fresh encoding, so that a change the engine
// did not name fails loudly there instead of being left out of the file.
const VERIFY = process.env.MNG_STORE_VERIFY === '1';

/** The run in parts; `before` is its last save's parts, whose records' texts are kept unless changed. */
export function runParts(run: Run, planJson: (plan: Run['plan']) => string = JSON.stringify, before?: RunParts, changed?: ChangedRecords): RunParts {
  const { plan, nodes, newNodes, ...head } = run;
  return {
    head: JSON.stringify(head),
    plan: planJson(plan),
    nodes: recordTexts(nodes, before?.nodes, changed, run.id),
    newNodes: recordTexts(newNodes, before?.newNodes, changed, run.id),
  };
}

function recordTexts(records: readonly object[], before: RecordTexts | undefined, changed: ChangedRecords | undefined, runId: string): RecordTexts {
  const out = (changed && before && named(records, before, changed)) ?? everyRecord(records, before, changed);
  if (VERIFY) {
    out.texts.flat().forEach((t, i) => {
      const now = JSON.stringify(records[i]);
      if (t !== now) throw new Error(`bug: run ${runId} record ${i} (${(records[i] as { name?: string }).name}) changed but the step did not mark it changed:\n was ${t}\n now ${now}`);
    });
  }
  return out;
}

/**
 * The same list as last time, as long or longer (records are only appended): the records named and the
 * new ones are encoded. Undefined when the list is another one or shorter (every record is compared
 * then). The engine never puts another record in a record's place; MNG_STORE_VERIFY would catch it.
 */
function named(records: readonly object[], before: RecordTexts, changed: ChangedRecords): RecordTexts | undefined {
  const had = before.records.length;
  if (before.source !== records || records.length < had) return undefined;
  const index = before.index ?? new Map(before.records.map((r, i) => [r, i]));
  const texts = before.texts.slice() as string[][];
  const copied = new Set<number>();
  const set = (i: number, text: string) => {
    const c = Math.floor(i / CHUNK);
    if (c === texts.length) texts.push([]);
    else if (!copied.has(c)) texts[c] = texts[c].slice();
    copied.add(c);
    texts[c][i % CHUNK] = text;
  };
  for (const r of changed) {
    const i = index.get(r);
    if (i === undefined) continue;
    if (records[i] !== r) return undefined;
    set(i, JSON.stringify(r));
  }
  for (let i = had; i < records.length; i++) {
    index.set(records[i], i);
    set(i, JSON.stringify(records[i]));
  }
  return { records: records.length > had ? records.slice() : before.records, texts, source: records, index };
}

/** Each record compared with the one at its place last time: a record still there and not named keeps its text. */
function everyRecord(records: readonly object[], before: RecordTexts | undefined, changed: ChangedRecords | undefined): RecordTexts {
  const texts: string[][] = [];
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    const kept = changed && before && before.records[i] === r && !changed.has(r) ? textAt(before, i) : undefined;
    if (i % CHUNK === 0) texts.push([]);
    texts[texts.length - 1].push(kept ?? JSON.stringify(r));
  }
  return { records: records.slice(), texts, source: records };
}

const CHUNK = 64;

const textAt = (l: RecordTexts, i: number): string | undefined => l.texts[Math.floor(i / CHUNK)]?.[i % CHUNK];

const listJson = (l: RecordTexts) => `[${l.texts.map((c) => c.join(',')).join(',')}]`;

/** The run's JSON, assembled from its parts. */
export function partsJson(p: RunParts): string {
  return `${p.head.slice(0, -1)},"plan":${p.plan},"nodes":${listJson(p.nodes)},"newNodes":${listJson(p.newNodes)}}`;
}

/** One journal line's entry for a changed run (every part when `before` is absent). */
export function runChange(id: string, now: RunParts, before: RunParts | undefined): string {
  const plan = before?.plan === now.plan ? '' : `,"plan":${now.plan}`;
  return `{"id":${JSON.stringify(id)},"head":${now.head}${plan},"nodes":${listChange(now.nodes, before?.nodes)},"newNodes":${listChange(now.newNodes, before?.newNodes)}}`;
}

/** The records whose text differs from the last version written, by position, and the list's new length. */
function listChange(now: RecordTexts, before: RecordTexts | undefined): string {
  const set: string[] = [];
  now.texts.forEach((chunk, c) => {
    if (chunk === before?.texts[c]) return;
    chunk.forEach((t, k) => {
      const i = c * CHUNK + k;
      if (!before || t !== textAt(before, i)) set.push(`[${i},${t}]`);
    });
  });
  return `{"length":${now.records.length},"set":[${set.join(',')}]}`;
}

/** Journal version 1 wrote a list's change as a span of its JSON text; still read, never written. */
interface Splice {
  at: number;
  cut: number;
  text: string;
  /** The list's JSON's length after the splice: a check that it applied to the text it was made on. */
  length: number;
}

interface Records {
  length: number;
  set: [number, unknown][];
}

interface RunChange {
  id: string;
  head: Omit<Run, 'plan' | 'nodes' | 'newNodes'>;
  plan?: Run['plan'];
  nodes: Records | Splice;
  newNodes: Records | Splice;
}

interface EventsChange {
  /** Position of add[0] in the run's whole event log. */
  from: number;
  dropped: number;
  add: ProgressEvent[];
}

interface Change {
  runs?: RunChange[];
  removed?: string[];
  events?: Record<string, EventsChange>;
  eventsGone?: string[];
  schedules?: Schedule[];
  ended?: Record<string, number>;
}

/**
 * Applies a journal's lines to the document read from the file it is based on. Returns how many lines
 * were applied; throws with the line's number when one is not valid.
 */
export function replayJournal(doc: DbFile, lines: string[]): number {
  for (const [i, line] of lines.entries()) {
    try {
      apply(doc, JSON.parse(line) as Change);
    } catch (err) {
      throw new Error(`line ${i + 2}: ${(err as Error).message}`);
    }
  }
  return lines.length;
}

function changedList<T>(list: T[], c: Records | Splice, what: string): T[] {
  if ('at' in c) {
    const text = JSON.stringify(list);
    const out = text.slice(0, c.at) + c.text + text.slice(c.at + c.cut);
    if (c.at + c.cut > text.length || out.length !== c.length) throw new Error(`${what}: a change does not fit the text it was made on`);
    return JSON.parse(out) as T[];
  }
  if (c.set.some(([i]) => i >= c.length) || (list.length < c.length && !fills(list.length, c))) throw new Error(`${what}: a change leaves records undefined`);
  const out = list.slice(0, c.length);
  for (const [i, record] of c.set) out[i] = record as T;
  return out;
}

/** Every position from `from` to the new end is set. */
function fills(from: number, c: Records): boolean {
  const set = new Set(c.set.map(([i]) => i));
  for (let i = from; i < c.length; i++) if (!set.has(i)) return false;
  return true;
}

function apply(doc: DbFile, c: Change): void {
  for (const r of c.runs ?? []) {
    const i = doc.runs.findIndex((x) => x.id === r.id);
    const before = i >= 0 ? doc.runs[i] : undefined;
    const plan = r.plan ?? before?.plan;
    if (!plan) throw new Error(`run ${r.id}: its first change has no plan`);
    const nodes = changedList(before?.nodes ?? [], r.nodes, `run ${r.id} nodes`);
    const newNodes = changedList(before?.newNodes ?? [], r.newNodes, `run ${r.id} newNodes`);
    const run = { ...r.head, plan, nodes, newNodes } as unknown as Run;
    if (before) doc.runs[i] = run;
    else doc.runs.push(run);
  }
  if (c.removed?.length) {
    const gone = new Set(c.removed);
    doc.runs = doc.runs.filter((r) => !gone.has(r.id));
  }
  for (const [id, e] of Object.entries(c.events ?? {})) {
    if (!Object.hasOwn(doc.events, id)) define(doc.events, id, { events: [], dropped: 0 });
    const log = doc.events[id];
    let end = log.dropped + log.events.length;
    // More events came than are kept: those between were dropped.
    if (e.from > end) {
      log.events = [];
      log.dropped = end = e.from;
    }
    const events = log.events.concat(e.add.slice(end - e.from));
    log.events = events.slice(Math.max(0, e.dropped - log.dropped));
    log.dropped = Math.max(e.dropped, log.dropped);
  }
  for (const id of c.eventsGone ?? []) delete doc.events[id];
  if (c.schedules) doc.schedules = c.schedules;
  if (c.ended) doc.ended = c.ended;
}
