// /metrics, /livez and /readyz on the bot's own port, during and after an upgrade run from Slack: the
// series a platform team's Prometheus scrapes. The registry is the process's, which a test worker
// shares with the files before this one: the test starts it from zero.
import { afterEach, expect, it } from 'vitest';
import { registry } from '../../src/metrics/registry.js';
import { requestPlan, startHarness, waitForRun, type Harness } from './harness.js';

let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The value of one series in Prometheus' text format; undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

it('shows runs, nodes, drains, Slack calls, store saves and leadership while a run goes and once it is done', async () => {
  registry.resetMetrics();
  h = await startHarness({ clockPaused: true });
  const scrape = async () => {
    const res = await fetch(`${h!.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.text();
  };
  expect((await fetch(`${h.url}/livez`)).status).toBe(200);
  expect((await fetch(`${h.url}/readyz`)).status).toBe(200);

  const { run, plan } = await requestPlan(h);
  expect((await h.click('mng_approve', run.id, 'UAPPROVER1', plan)).status).toBe(200);
  // The world's clock stands still: the run is running, waiting for its new nodes.
  await waitForRun(h, (r) => r.id === run.id && r.status === 'running', 10_000, 'running');
  const during = await scrape();
  expect(sample(during, 'mngbot_runs', { status: 'running' })).toBe(1);
  expect(sample(during, 'mngbot_run_status_changes_total', { status: 'running' })).toBe(1);
  expect(sample(during, 'mngbot_leader')).toBe(1);
  expect(sample(during, 'mngbot_slack_api_calls_total', { method: 'chat.postMessage' })).toBeGreaterThanOrEqual(1);
  expect(sample(during, 'mngbot_store_save_duration_seconds_count')).toBeGreaterThanOrEqual(1);

  h.clock.resume();
  await waitForRun(h, (r) => r.id === run.id && r.status === 'succeeded', 30_000, 'success');
  await h.slack.reporter.idle();
  const after = await scrape();
  expect(sample(after, 'mngbot_runs', { status: 'running' })).toBe(0);
  expect(sample(after, 'mngbot_run_status_changes_total', { status: 'succeeded' })).toBe(1);
  expect(sample(after, 'mngbot_nodes_replaced_total')).toBe(9);
  expect(sample(after, 'mngbot_drain_duration_seconds_count')).toBe(9);
  expect(sample(after, 'mngbot_node_replacement_duration_seconds_count')).toBe(9);
  // Replacing a node takes longer than draining it: the taint comes first, the termination after.
  expect(sample(after, 'mngbot_node_replacement_duration_seconds_sum')!).toBeGreaterThan(sample(after, 'mngbot_drain_duration_seconds_sum')!);
  expect(sample(after, 'mngbot_slack_api_calls_total', { method: 'chat.update' })).toBe(h.fake.callsOf('chat.update').length);
  expect(sample(after, 'mngbot_slack_rate_limited_total') ?? 0).toBe(0);
  expect(sample(after, 'mngbot_store_save_failures_total', { kind: 'error' }) ?? 0).toBe(0);
  expect(sample(after, 'mngbot_store_save_duration_seconds_count')!).toBeGreaterThan(sample(during, 'mngbot_store_save_duration_seconds_count')!);
});
