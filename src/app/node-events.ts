// What the engine did to each node, also as Kubernetes Events on the node, so `kubectl describe node`
// and `kubectl get events` tell a run's story without Slack. Worded here, from the engine's events
// after they were saved; sent by the cluster's adapter in the background (Cluster.recordEvent).
import { errorMessage } from '../engine/errors.js';
import type { ProgressEvent } from '../engine/events.js';
import type { Cluster, NodeNote } from '../engine/ports.js';
import type { NodeState, Run } from '../engine/run.js';
import type { Logger } from '../log.js';

interface EventSource {
  onEvent(listener: (event: ProgressEvent) => void): () => void;
  get(runId: string): Promise<Run | undefined>;
}

const BY_STATE: Partial<Record<NodeState, { reason: string; type: NodeNote['type'] }>> = {
  waiting: { reason: 'MngbotReleased', type: 'Normal' },
  tainted: { reason: 'MngbotTainted', type: 'Normal' },
  evicting: { reason: 'MngbotDraining', type: 'Normal' },
  evicted: { reason: 'MngbotDrained', type: 'Normal' },
  cordoned: { reason: 'MngbotCordoned', type: 'Normal' },
  terminating: { reason: 'MngbotTerminating', type: 'Normal' },
  terminated: { reason: 'MngbotTerminated', type: 'Normal' },
  skipped: { reason: 'MngbotSkipped', type: 'Normal' },
  failed: { reason: 'MngbotFailed', type: 'Warning' },
};

/** The Event for an engine event about a node; undefined for the rest. */
export function nodeNote(e: ProgressEvent): NodeNote | undefined {
  const base = { runId: e.runId, at: e.at, message: `${e.detail} (mngbot run ${e.runId})` };
  if (e.kind === 'blocked') return { ...base, node: e.node, reason: 'MngbotEvictionBlocked', type: 'Warning' };
  if (e.kind !== 'node') return undefined;
  const r = BY_STATE[e.state];
  return r ? { ...base, node: e.node, ...r } : undefined;
}

/** Records every node event of the engine's runs on its cluster; returns the unsubscribe function. */
export function recordNodeEvents(engine: EventSource, clusterFor: (cluster: string) => Cluster, log?: Logger): () => void {
  // A run's cluster, looked up once; every note of the run is chained on it, so they go out in order.
  const clusters = new Map<string, Promise<Cluster | undefined>>();
  const clusterOf = (runId: string) => {
    let found = clusters.get(runId);
    if (!found) {
      found = engine
        .get(runId)
        .then((run) => (run ? clusterFor(run.ref.cluster) : undefined))
        .catch((err: unknown) => {
          log?.warn('no Kubernetes Events for a run whose cluster could not be found', { runId, error: errorMessage(err) });
          clusters.delete(runId);
          return undefined;
        });
      clusters.set(runId, found);
    }
    return found;
  };
  return engine.onEvent((e) => {
    if (e.kind === 'status' && ['succeeded', 'failed', 'aborted', 'cancelled', 'nothing-replaced', 'rejected', 'expired'].includes(e.status)) {
      // Its last notes are chained already; the next run gets a fresh lookup.
      const pending = clusters.get(e.runId);
      if (pending) void pending.finally(() => clusters.delete(e.runId));
      return;
    }
    const note = nodeNote(e);
    if (!note) return;
    void clusterOf(e.runId).then((cluster) => {
      try {
        cluster?.recordEvent?.(note);
      } catch (err) {
        log?.warn('could not record a Kubernetes Event (the run goes on)', { runId: e.runId, node: note.node, error: errorMessage(err) });
      }
    });
  });
}
