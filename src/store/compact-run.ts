// What an ended run keeps in history. A 450-node run is about 330 KB and its event log several MB,
// nearly all of it per-node detail nobody reads once the run is over: history keeps the plan (its
// node list cut to the nodes kept), outcome, counters, who asked and approved, where it was shown,
// the failed and skipped nodes in full, every other node only counted, and the last events.
import type { ProgressEvent } from '../engine/events.js';
import type { NewNodeState, NodeState, Run } from '../engine/run.js';
import type { EventLog } from './schema.js';

/** Events an archived run keeps: the end of its story. */
export const ARCHIVED_EVENT_LIMIT = 50;

export interface StateCounts<S extends string> {
  total: number;
  byState: Partial<Record<S, number>>;
}

/** The counts of everything compaction dropped, and of what it kept. */
export interface ArchiveSummary {
  /** Old nodes (the ones the run replaced), all of them. */
  old: StateCounts<NodeState>;
  /** New nodes removed again to bring the group back to its size. */
  surplus: StateCounts<NodeState>;
  newNodes: StateCounts<NewNodeState>;
  planNodes: number;
  planPods: number;
}

/** An ended run as history keeps it: `nodes` holds only failed and skipped nodes; `archived` counts them all. */
export type ArchivedRun = Run & { archived: ArchiveSummary };

const KEPT: readonly NodeState[] = ['failed', 'skipped'];

function count<S extends string>(states: S[]): StateCounts<S> {
  const byState: Partial<Record<S, number>> = {};
  for (const s of states) byState[s] = (byState[s] ?? 0) + 1;
  return { total: states.length, byState };
}

export const isArchived = (run: Run): run is ArchivedRun => typeof (run as Partial<ArchivedRun>).archived === 'object';

/** The run as history keeps it. Idempotent: an archived run comes back as it is, with its counts. */
export function compactRun(run: Run): ArchivedRun {
  const nodes = run.nodes.filter((n) => KEPT.includes(n.state));
  const keptNames = new Set(nodes.map((n) => n.name));
  const archived: ArchiveSummary = isArchived(run)
    ? run.archived
    : {
        old: count(run.nodes.filter((n) => n.role === 'old').map((n) => n.state)),
        surplus: count(run.nodes.filter((n) => n.role === 'surplus').map((n) => n.state)),
        newNodes: count(run.newNodes.map((n) => n.state)),
        planNodes: run.plan.nodes.length,
        planPods: run.plan.nodes.reduce((sum, n) => sum + n.pods, 0),
      };
  return {
    ...run,
    plan: { ...run.plan, nodes: run.plan.nodes.filter((n) => keptNames.has(n.name)) },
    nodes,
    newNodes: [],
    archived,
  };
}

/** The last `limit` events of log followed by more, and how many older ones are not kept. */
export function keepLastEvents(log: EventLog, more: ProgressEvent[], limit = ARCHIVED_EVENT_LIMIT): EventLog {
  const all = more.length ? [...log.events, ...more] : log.events;
  const over = Math.max(0, all.length - limit);
  return { events: all.slice(over), dropped: log.dropped + over };
}
