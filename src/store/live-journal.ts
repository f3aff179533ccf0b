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
  /** The run without plan, nodes and newNodes. */
  head: string;
  plan: string;
  nodes: string[];
  newNodes: string[];
}

export function runParts(run: Run, planJson: (plan: Run['plan']) => string = JSON.stringify): RunParts {
  const { plan, nodes, newNodes, ...head } = run;
  return { head: JSON.stringify(head), plan: planJson(plan), nodes: nodes.map((n) => JSON.stringify(n)), newNodes: newNodes.map((n) => JSON.stringify(n)) };
}

/** The run's JSON, assembled from its parts. */
export function partsJson(p: RunParts): string {
  return `${p.head.slice(0, -1)},"plan":${p.plan},"nodes":[${p.nodes.join(',')}],"newNodes":[${p.newNodes.join(',')}]}`;
}

/** One journal line: the changed run's parts (all of them when `before` is absent). */
export function runChange(id: string, now: RunParts, before: RunParts | undefined): string {
  const changed = (mine: string[], theirs: string[] | undefined) => {
    const out: string[] = [];
    mine.forEach((json, i) => {
      if (theirs?.[i] !== json) out.push(`"${i}":${json}`);
    });
    return `{${out.join(',')}}`;
  };
  const plan = before?.plan === now.plan ? '' : `,"plan":${now.plan}`;
  return (
    `{"id":${JSON.stringify(id)},"head":${now.head}${plan},"nodes":${changed(now.nodes, before?.nodes)},"nodeCount":${now.nodes.length}` +
    `,"newNodes":${changed(now.newNodes, before?.newNodes)},"newNodeCount":${now.newNodes.length}}`
  );
}

interface RunChange {
  id: string;
  head: Omit<Run, 'plan' | 'nodes' | 'newNodes'>;
  plan?: Run['plan'];
  nodes: Record<string, NodeRecord>;
  nodeCount: number;
  newNodes: Record<string, NewNodeRecord>;
  newNodeCount: number;
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
 * were applied; throws with the line's number when one in the middle is not valid.
 */
export function replayJournal(doc: DbFile, lines: string[]): number {
  let applied = 0;
  for (const [i, line] of lines.entries()) {
    let change: Change;
    try {
      change = JSON.parse(line) as Change;
    } catch (err) {
      throw new Error(`line ${i + 2} is not valid JSON (${(err as Error).message})`);
    }
    apply(doc, change);
    applied++;
  }
  return applied;
}

function apply(doc: DbFile, c: Change): void {
  for (const r of c.runs ?? []) {
    const i = doc.runs.findIndex((x) => x.id === r.id);
    const before = i >= 0 ? doc.runs[i] : undefined;
    const plan = r.plan ?? before?.plan;
    if (!plan) throw new Error(`run ${r.id}: its first change has no plan`);
    const nodes = (before?.nodes ?? []).slice(0, r.nodeCount);
    for (const [k, v] of Object.entries(r.nodes)) nodes[Number(k)] = v;
    const newNodes = (before?.newNodes ?? []).slice(0, r.newNodeCount);
    for (const [k, v] of Object.entries(r.newNodes)) newNodes[Number(k)] = v;
    if (nodes.length !== r.nodeCount || newNodes.length !== r.newNodeCount || nodes.includes(undefined as never) || newNodes.includes(undefined as never)) {
      throw new Error(`run ${r.id}: a change leaves gaps in its node records`);
    }
    const run = { ...r.head, plan, nodes, newNodes } as Run;
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
