// mngbot runs on a node of the group it upgrades. It must not drain itself away mid-run: that node
// goes last, after saving, and the bot moves itself off it (its own PDB keeps other drains off it).
import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../../../src/engine/events.js';
import type { EngineSettings } from '../../../src/engine/step-context.js';
import { loadScenario } from '../../../src/sim/scenario.js';
import { simulate } from '../../../src/app/simulate.js';

describe('mngbot on a node it replaces', () => {
  it('plans it, replaces that node last after saving, and moves itself', async () => {
    const scenario = await loadScenario('scenarios/demo.json');
    scenario.workloads.push({
      name: 'mngbot', namespace: 'mngbot', kind: 'Deployment', replicas: 1, labels: { app: 'mngbot' },
      pdb: { minAvailable: 1 }, gracePeriodSeconds: 20, emptyDir: false, dockerSocket: false,
    });
    const settings: Partial<EngineSettings> = {};
    const events: ProgressEvent[] = [];
    const result = await simulate({
      scenario,
      settings,
      maxUnavailable: 3,
      onEvent: (e) => events.push(e),
      onWorld: (world) => {
        const pod = world.pods().find((p) => p.namespace === 'mngbot')!;
        settings.self = { node: pod.nodeName!, pod: { namespace: pod.namespace, name: pod.name } };
      },
    });
    const own = settings.self!.node;
    expect(result.report.status, result.run.outcome?.summary).toBe('succeeded');
    expect(result.run.plan.findings.find((f) => f.code === 'mngbot-on-node')?.subjects).toEqual([own]);

    const at = (node: string, state: string) => events.find((e) => e.kind === 'node' && e.node === node && e.state === state)?.at;
    const startedOwn = at(own, 'evicting')!;
    for (const n of result.run.nodes.filter((r) => r.role === 'old' && r.name !== own)) {
      expect(at(n.name, 'terminated'), `${n.name} ended before mngbot's node started`).toBeLessThanOrEqual(startedOwn);
    }
    expect(events.some((e) => e.kind === 'warning' && /moving itself to a new node/.test(e.detail))).toBe(true);
    // Its own PDB held the eviction, so it deleted itself (with its grace period): that one deletion and no harm.
    expect(result.report.forcedDeletions).toBe(1);
    expect(result.report.podsLost + result.report.pdbViolations + result.report.nodesTerminatedWithPods + result.report.terminatedTwice).toBe(0);
    expect(result.world.pods().find((p) => p.namespace === 'mngbot')?.nodeName).not.toBe(own);
  });
});
