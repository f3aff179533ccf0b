// mngbot's Prometheus metrics, on a registry of its own (not prom-client's global one, which libraries
// may also fill). One set per process, as Prometheus scrapes a process: adapters and front ends count
// into it where the call happens, and /metrics (slack/app.ts) serves it.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export const registry = new Registry();

/** Seconds; a node's drain or replacement takes from seconds (an empty node) to hours (a blocked PDB). */
const NODE_BUCKETS_S = [5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];
const CALL_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export const metrics = {
  runs: new Gauge({ name: 'mngbot_runs', help: 'Runs not yet ended (awaiting approval, scheduled, running, paused, waiting for a decision), by status', labelNames: ['status'] as const, registers: [registry] }),
  runTransitions: new Counter({
    name: 'mngbot_run_status_changes_total',
    help: 'Runs that entered a status, counted when the bot saved the change',
    labelNames: ['status'] as const,
    registers: [registry],
  }),
  nodesReplaced: new Counter({ name: 'mngbot_nodes_replaced_total', help: 'Old nodes terminated after their drain', registers: [registry] }),
  nodesFailed: new Counter({ name: 'mngbot_nodes_failed_total', help: 'Nodes that ended failed', registers: [registry] }),
  drainSeconds: new Histogram({
    name: 'mngbot_drain_duration_seconds',
    help: "From a node's first eviction to its last pod gone (the world's clock)",
    buckets: NODE_BUCKETS_S,
    registers: [registry],
  }),
  replacementSeconds: new Histogram({
    name: 'mngbot_node_replacement_duration_seconds',
    help: 'From tainting an old node to its instance terminated (the world\'s clock)',
    buckets: NODE_BUCKETS_S,
    registers: [registry],
  }),
  awsCalls: new Counter({ name: 'mngbot_aws_calls_total', help: 'AWS API calls (retries included in one call)', labelNames: ['service', 'operation'] as const, registers: [registry] }),
  awsErrors: new Counter({
    name: 'mngbot_aws_errors_total',
    help: 'AWS API calls that failed after their retries, by error code',
    labelNames: ['service', 'operation', 'code'] as const,
    registers: [registry],
  }),
  kubeCalls: new Counter({ name: 'mngbot_kube_calls_total', help: 'Kubernetes API requests (a watch counts once per connection)', labelNames: ['verb', 'resource'] as const, registers: [registry] }),
  kubeErrors: new Counter({
    name: 'mngbot_kube_errors_total',
    help: 'Kubernetes API requests answered with an error status (a 429 eviction is a PDB saying no)',
    labelNames: ['verb', 'resource', 'code'] as const,
    registers: [registry],
  }),
  kubeEventsDropped: new Counter({ name: 'mngbot_kube_events_dropped_total', help: 'Kubernetes Events not recorded (queue full or the API refused)', registers: [registry] }),
  slackCalls: new Counter({ name: 'mngbot_slack_api_calls_total', help: 'HTTP requests to the Slack Web API (each retry counts)', labelNames: ['method'] as const, registers: [registry] }),
  slackRateLimited: new Counter({ name: 'mngbot_slack_rate_limited_total', help: 'Slack Web API answers 429 Too Many Requests', labelNames: ['method'] as const, registers: [registry] }),
  storeSaveSeconds: new Histogram({ name: 'mngbot_store_save_duration_seconds', help: 'Time to save a run (and its events)', buckets: CALL_BUCKETS_S, registers: [registry] }),
  storeSaveFailures: new Counter({
    name: 'mngbot_store_save_failures_total',
    help: 'Saves that failed: conflict (another writer was first) or error (the store could not write)',
    labelNames: ['kind'] as const,
    registers: [registry],
  }),
  leader: new Gauge({ name: 'mngbot_leader', help: '1 while this replica drives runs and schedules (the leader, or the only replica), 0 as a follower', registers: [registry] }),
};

export function setLeader(leading: boolean): void {
  metrics.leader.set(leading ? 1 : 0);
}

let defaults = false;
/** Process metrics (CPU, memory, event-loop lag) too: only in a process that serves /metrics. */
export function collectProcessMetrics(): void {
  if (defaults) return;
  defaults = true;
  collectDefaultMetrics({ register: registry, prefix: 'mngbot_' });
}
