// Runs and nodes as Prometheus sees them, from the events the engine publishes once a change is saved:
// nothing here reads the store on the engine's path. The gauge of runs not yet ended is counted from
// the store when /metrics is scraped, so it is right after a restart too; ended runs are counted by
// mngbot_run_status_changes_total (counting them in the store would read its whole history each scrape).
import type { ProgressEvent } from '../engine/events.js';
import type { Run, RunStatus } from '../engine/run.js';
import { metrics } from './registry.js';

interface EventSource {
  onEvent(listener: (event: ProgressEvent) => void): () => void;
  list(filter: { statuses: readonly RunStatus[] }): Promise<Run[]>;
}

/** The statuses of runs not yet ended: what mngbot_runs counts. */
const OPEN: readonly RunStatus[] = ['awaiting-approval', 'scheduled', 'running', 'paused', 'needs-decision'];

let listRuns: (() => Promise<Run[]>) | undefined;

/** Refreshes mngbot_runs from the store of the engine meterRuns was given last (one per process). */
export async function countRuns(): Promise<void> {
  if (!listRuns) return;
  const counts = new Map<RunStatus, number>(OPEN.map((s) => [s, 0]));
  for (const run of await listRuns()) counts.set(run.status, (counts.get(run.status) ?? 0) + 1);
  for (const [status, n] of counts) metrics.runs.set({ status }, n);
}

/** Counts what the engine's events say; returns the unsubscribe function. */
export function meterRuns(engine: EventSource): () => void {
  listRuns = () => engine.list({ statuses: OPEN });
  /** When each old node of a run in flight was first seen leaving (tainted, or evicting under EKS). */
  const started = new Map<string, number>();
  /** Instances that never became nodes: removed without a drain, not replacements. */
  const surplus = new Set<string>();
  return engine.onEvent((e) => {
    if (e.kind === 'status') {
      metrics.runTransitions.inc({ status: e.status });
      if (e.status === 'succeeded' || e.status === 'failed' || e.status === 'aborted' || e.status === 'cancelled' || e.status === 'nothing-replaced') {
        for (const key of [...started.keys()]) if (key.startsWith(`${e.runId}/`)) started.delete(key);
      }
      return;
    }
    if (e.kind !== 'node') return;
    const key = `${e.runId}/${e.node}`;
    switch (e.state) {
      case 'tainted':
      case 'evicting':
        if (!started.has(key)) started.set(key, e.at);
        if (e.state === 'evicting') surplus.delete(key);
        break;
      case 'evicted':
        if (e.tookMs !== undefined) metrics.drainSeconds.observe(e.tookMs / 1000);
        break;
      case 'terminating':
        if (!started.has(key)) surplus.add(key);
        break;
      case 'terminated': {
        if (surplus.delete(key)) break;
        metrics.nodesReplaced.inc();
        const since = started.get(key);
        if (since !== undefined) metrics.replacementSeconds.observe((e.at - since) / 1000);
        started.delete(key);
        break;
      }
      case 'failed':
        metrics.nodesFailed.inc();
        started.delete(key);
        surplus.delete(key);
        break;
      default:
        break;
    }
  });
}
