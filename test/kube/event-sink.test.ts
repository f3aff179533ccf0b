// Events never hold a run up: an API server that refuses them (RBAC without events create) costs a
// counted, logged drop per Event, and recordEvent neither throws nor waits.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, expect, it } from 'vitest';
import { metrics } from '../../src/metrics/registry.js';
import { world } from '../sim/world-fixture.js';
import { closeAll, serve } from './kube-fixture.js';

afterEach(closeAll);
const home = mkdtempSync(join(tmpdir(), 'mngbot-describe-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

it('drops refused Events with one warning, and records accepted ones', async () => {
  const { w } = world({});
  const warnings: Record<string, unknown>[] = [];
  let refuse = true;
  const { api, kube } = await serve(w, { authorize: (r) => !(refuse && r.resource === 'events') }, undefined, { log: { warn: (_m, f) => warnings.push(f ?? {}) } });
  const node = w.nodes()[0].name;
  const note = (i: number) => ({ node, reason: 'MngbotTainted', message: `note ${i} (mngbot run run-1)`, type: 'Normal' as const, runId: 'run-1', at: w.clock.now() });
  const dropped = async () => (await metrics.kubeEventsDropped.get()).values[0]?.value ?? 0;
  const before = await dropped();

  for (let i = 0; i < 20; i++) kube.recordEvent(note(i));
  // Returned at once: nothing has reached the server yet.
  expect(w.cluster.state.events.list()).toHaveLength(0);
  await kube.eventsSent();
  expect((await dropped()) - before).toBe(20);
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatchObject({ reason: 'MngbotTainted', node, runId: 'run-1' });
  expect(String(warnings[0].problem)).toMatch(/403|forbidden/i);

  refuse = false;
  for (let i = 0; i < 5; i++) kube.recordEvent(note(i));
  await kube.eventsSent();
  const stored = w.cluster.state.events.list('default');
  // A few requests are in flight at once: the server may take them in any order.
  expect(stored.map((e) => e.message).sort()).toEqual([0, 1, 2, 3, 4].map((i) => `note ${i} (mngbot run run-1)`));
  expect(stored[0]).toMatchObject({ involvedObject: { kind: 'Node', name: node }, reason: 'MngbotTainted', type: 'Normal', source: { component: 'mngbot' } });
  // kubectl describe node finds them as it finds kubelet's Events on a node.
  const { stdout } = await promisify(execFile)('kubectl', ['--server', api.url, '--cache-dir', join(home, 'cache'), '--request-timeout', '10s', 'describe', 'node', node], {
    env: { ...process.env, KUBECONFIG: '/dev/null', HOME: home },
    timeout: 20_000,
  });
  expect(stdout.slice(stdout.indexOf('\nEvents:'))).toMatch(/Normal\s+MngbotTainted\s+\S+\s+mngbot\s+note \d \(mngbot run run-1\)/);
});
