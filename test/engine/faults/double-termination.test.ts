// A node with no evictable pods goes evict → cordon → terminate within one step. A bot killed right
// after TerminateInstanceInAutoScalingGroup must not send it again when it comes back.
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../../src/sim/scenario.js';
import { simulate } from '../../../src/app/simulate.js';
import { cases } from '../../quick.js';
import { NASTY } from './nasty-world.js';


describe('a bot killed right after a termination request', () => {
  it('never terminates the instance again (the issue\'s world, killed after its 41st call)', async () => {
    const result = await simulate({ scenario: parseScenario(NASTY, 'nasty'), kill: { afterCalls: [41] } });
    expect(result.report.terminatedTwice, result.run.outcome?.summary).toBe(0);
    expect(result.report.status, result.run.outcome?.summary).toBe('succeeded');
    expect(result.report.asg.after).toEqual(result.report.asg.before);
    expect(result.report.leftTainted + result.report.leftCordoned).toBe(0);
  });

  it('never terminates twice whatever call the bot dies after, on that world', async () => {
    const problems: string[] = [];
    for (let n = 1; n <= cases(120, 30); n++) {
      const r = await simulate({ scenario: parseScenario(NASTY, 'nasty'), kill: { afterCalls: [n, n + 3] } });
      if (r.report.terminatedTwice || r.report.status !== 'succeeded' || JSON.stringify(r.report.asg.after) !== JSON.stringify(r.report.asg.before)) {
        problems.push(`killed after call ${n}: ${r.report.status} terminatedTwice=${r.report.terminatedTwice} sizes ${JSON.stringify(r.report.asg.after)}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('cleans up many empty surplus nodes (3 nodes, --max-unavailable 100) when killed at any call', async () => {
    const small = { ...NASTY, nodegroup: { ...NASTY.nodegroup, nodes: 3, min: 3, max: 3 } };
    const problems: string[] = [];
    // 242: the instant (cleanup left 3/103/94 with 91 nodes tainted); then every 9th call of the run.
    for (const n of [242, ...Array.from({ length: cases(45, 8) }, (_, i) => 1 + i * 9)]) {
      const r = await simulate({ scenario: parseScenario(small, 'small'), maxUnavailable: 100, kill: { afterCalls: [n] } });
      const rep = r.report;
      if (rep.terminatedTwice || rep.status !== 'succeeded' || rep.leftTainted || JSON.stringify(rep.asg.after) !== JSON.stringify(rep.asg.before)) {
        problems.push(`killed after call ${n}: ${rep.status} terminatedTwice=${rep.terminatedTwice} tainted=${rep.leftTainted} sizes ${JSON.stringify(rep.asg.after)}: ${r.run.outcome?.summary}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
