// Two replicas on Kubernetes' own state, the leader killed with SIGKILL at seeded random instants of
// an upgrade: every run ends succeeded, one termination request per old instance, one progress message,
// a clean ledger. npm test runs two kills; npm run test:faults (MNG_FAULTS=full) at least twenty over
// three upgrades, a follower restarted mid-run among them, and prints the takeover times.
import { afterAll, describe, expect, it } from 'vitest';
import { failoverUpgrade, LEASE, type FailoverResult } from './failover.js';

const FULL = process.env.MNG_FAULTS === 'full';
const SEED = Number(process.env.MNG_TEST_SEED ?? Math.floor(Math.random() * 1_000_000));

const done: FailoverResult[] = [];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
}

describe('two replicas, the leader killed at random instants', () => {
  afterAll(() => {
    const takeovers = done.flatMap((r) => r.takeoversMs);
    const kills = done.reduce((n, r) => n + r.kills, 0);
    console.log(
      `failover: ${kills} leader SIGKILLs over ${done.length} upgrades (seeds ${done.map((r) => r.seed).join(', ')}), ${done.reduce((n, r) => n + r.followerRestarts, 0)} follower restarts; ` +
        `takeover (kill → survivor holds the Lease; lease ${LEASE.durationMs} ms, renewed every ${LEASE.renewMs} ms) median ${Math.round(median(takeovers))} ms, worst ${Math.round(Math.max(...takeovers))} ms; ` +
        `${done.filter((r) => r.problems.length === 0).length} of ${done.length} ended succeeded with a clean ledger`,
    );
    if (FULL) expect(kills).toBeGreaterThanOrEqual(20);
  });

  const runs = FULL
    ? [
        { label: 'killed often', kills: 7, speed: 3, restartFollower: true },
        { label: 'killed often, again', kills: 7, speed: 3 },
        { label: 'killed often, a third time', kills: 7, speed: 3, restartFollower: true },
      ]
    : [{ label: 'leader killed twice', kills: 2, speed: 8 }];

  runs.forEach((run, i) => {
    it(run.label, { timeout: FULL ? 1_500_000 : 300_000 }, async () => {
      const seed = SEED + i;
      let result: FailoverResult;
      try {
        result = await failoverUpgrade({ seed, kills: run.kills, speed: run.speed, lifeMs: [300, 2500], restartFollower: run.restartFollower ?? false });
      } catch (err) {
        throw new Error(`seed ${seed} (MNG_TEST_SEED=${SEED} reruns it): ${(err as Error).message}`);
      }
      console.log(
        `${run.label} (seed ${seed}): ${result.kills} kills, takeovers ${result.takeoversMs.map((t) => Math.round(t)).join(', ')} ms; termination requests per old instance ${[...new Set(result.terminationsPerOld)].join('/')}; progress message edited ${result.progressEdits} times; logs in ${result.dir}`,
      );
      done.push(result);
      expect(result.problems, `seed ${seed} (MNG_TEST_SEED=${SEED}): ${result.problems.join('; ')}; logs in ${result.dir}`).toEqual([]);
      expect(result.kills).toBeGreaterThan(0);
    });
  });
});
