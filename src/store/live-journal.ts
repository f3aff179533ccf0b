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
import type { NodeRecord, NewNodeRecord, Run } from '../engine/run.js';
import type { Schedule } from '../schedule/schedules.js';
import { define } from './migrations.js';
import type { DbFile } from './schema.js';

export const JOURNAL_VERSION = 1;

export const journalFile = (file: string) => `${file}.journal`;

export const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

export const journalHeader = (base: string) => `${JSON.stringify({ journal: JOURNAL_VERSION, base })}\n`;

/** A run as JSON, in parts, so that a write can tell which parts changed. */
export interface RunParts {
  /** The run without plan, nodes and newNodes: small, written whole when the run changed. */
  head: string;
  plan: string;
  /** JSON lists: a change is written as the span that differs from the last version written. */
  nodes: string;
  newNodes: string;
}

export function runParts(run: Run, planJson: (plan: Run['plan']) => string = JSON.stringify): RunParts {
  const { plan, nodes, newNodes, ...head } = run;
  return { head: JSON.stringify(head), plan: planJson(plan), nodes: JSON.stringify(nodes), newNodes: JSON.stringify(newNodes) };
}

/** The run's JSON, assembled from its parts. */
export function partsJson(p: RunParts): string {
  return `${p.head.slice(0, -1)},"plan":${p.plan},"nodes":${p.nodes},"newNodes":${p.newNodes}}`;
}

/** One journal line's entry for a changed run (every part when `before` is absent). */
export function runChange(id: string, now: RunParts, before: RunParts | undefined): string {
  const plan = before?.plan === now.plan ? '' : `,"plan":${now.plan}`;
  return `{"id":${JSON.stringify(id)},"head":${now.head}${plan},"nodes":${splice(now.nodes, before?.nodes ?? '')},"newNodes":${splice(now.newNodes, before?.newNodes ?? '')}}`;
}

/**
 * The span of `now` that differs from `before`: what a step changes in a list of node records is a
 * few records, near one another, so the span is about their size rather than the list's.
 */
function splice(now: string, before: string): string {
  const max = Math.min(now.length, before.length);
  let at = 0;
  // In blocks first: comparing equal slices is a memcmp.
  while (at + BLOCK <= max && now.slice(at, at + BLOCK) === before.slice(at, at + BLOCK)) at += BLOCK;
  while (at < max && now.charCodeAt(at) === before.charCodeAt(at)) at++;
  let tail = 0;
  const room = max - at;
  while (tail + BLOCK <= room && now.slice(now.length - tail - BLOCK, now.length - tail) === before.slice(before.length - tail - BLOCK, before.length - tail)) tail += BLOCK;
  while (tail < room && now.charCodeAt(now.length - 1 - tail) === before.charCodeAt(before.length - 1 - tail)) tail++;
  return `{"at":${at},"cut":${before.length - at - tail},"text":${JSON.stringify(now.slice(at, now.length - tail))},"length":${now.length}}`;
}

const BLOCK = 512;

interface Splice {
  at: number;
  cut: number;
  text: string;
  /** The list's JSON's length after the splice: a check that it applied to the text it was made on. */
  length: number;
}

interface RunChange {
  id: string;
  head: Omit<Run, 'plan' | 'nodes' | 'newNodes'>;
  plan?: Run['plan'];
  nodes: Splice;
  newNodes: Splice;
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
  // A run's lists as JSON text while lines splice them; parsed once at the end.
  const lists = new Map<string, { nodes: string; newNodes: string }>();
  for (const [i, line] of lines.entries()) {
    try {
      apply(doc, JSON.parse(line) as Change, lists);
    } catch (err) {
      throw new Error(`line ${i + 2}: ${(err as Error).message}`);
    }
  }
  for (const run of doc.runs) {
    const l = lists.get(run.id);
    if (!l) continue;
    run.nodes = JSON.parse(l.nodes) as NodeRecord[];
    run.newNodes = JSON.parse(l.newNodes) as NewNodeRecord[];
  }
  return lines.length;
}

function spliced(text: string, s: Splice, what: string): string {
  const out = text.slice(0, s.at) + s.text + text.slice(s.at + s.cut);
  if (s.at + s.cut > text.length || out.length !== s.length) throw new Error(`${what}: a change does not fit the text it was made on`);
  return out;
}

function apply(doc: DbFile, c: Change, lists: Map<string, { nodes: string; newNodes: string }>): void {
  for (const r of c.runs ?? []) {
    const i = doc.runs.findIndex((x) => x.id === r.id);
    const before = i >= 0 ? doc.runs[i] : undefined;
    const plan = r.plan ?? before?.plan;
    if (!plan) throw new Error(`run ${r.id}: its first change has no plan`);
    let l = lists.get(r.id);
    if (!l) lists.set(r.id, (l = before ? { nodes: JSON.stringify(before.nodes), newNodes: JSON.stringify(before.newNodes) } : { nodes: '', newNodes: '' }));
    l.nodes = spliced(l.nodes, r.nodes, `run ${r.id} nodes`);
    l.newNodes = spliced(l.newNodes, r.newNodes, `run ${r.id} newNodes`);
    const run = { ...r.head, plan, nodes: [], newNodes: [] } as unknown as Run;
    if (before) doc.runs[i] = run;
    else doc.runs.push(run);
  }
  if (c.removed?.length) {
    const gone = new Set(c.removed);
    doc.runs = doc.runs.filter((r) => !gone.has(r.id));
    for (const id of gone) lists.delete(id);
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
