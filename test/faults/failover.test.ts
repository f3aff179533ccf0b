// Two replicas on Kubernetes' own state, the leader killed with SIGKILL at seeded random instants of
// an upgrade: every run ends succeeded, one termination request per old instance, one progress message,
// a clean ledger. npm test runs two kills; npm run test:faults (MNG_FAULTS=full) at least twenty, over
// as many upgrades as they take, a follower restarted mid-run in some, and prints the takeover times.
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

  const run = async (label: string, seed: number, o: { kills: number; speed: number; restartFollower?: boolean }) => {
    let result: FailoverResult;
    try {
      result = await failoverUpgrade({ seed, kills: o.kills, speed: o.speed, lifeMs: [300, 2500], restartFollower: o.restartFollower ?? false });
    } catch (err) {
      throw new Error(`seed ${seed} (MNG_TEST_SEED=${SEED} reruns it): ${(err as Error).message}`);
    }
    console.log(
      `${label} (seed ${seed}): ${result.kills} kills, ${result.followerRestarts} follower restarts, takeovers ${result.takeoversMs.map((t) => Math.round(t)).join(', ')} ms; termination requests per old instance ${[...new Set(result.terminationsPerOld)].join('/')}; progress message edited ${result.progressEdits} times; logs in ${result.dir}`,
    );
    done.push(result);
    expect(result.problems, `seed ${seed} (MNG_TEST_SEED=${SEED}): ${result.problems.join('; ')}; logs in ${result.dir}`).toEqual([]);
    expect(result.kills).toBeGreaterThan(0);
  };

  if (FULL) {
    // Upgrades until twenty kills at least: how many fit in one depends on how fast a bot starts here.
    it('killed at twenty instants or more, over several upgrades, a follower restarted mid-run', { timeout: 3_600_000 }, async () => {
      for (let i = 0; done.reduce((n, r) => n + r.kills, 0) < 20 && i < 10; i++) {
        await run(`upgrade ${i + 1}`, SEED + i, { kills: 7, speed: 3, restartFollower: i % 2 === 0 });
      }
    });
  } else {
    it('leader killed twice', { timeout: 300_000 }, () => run('leader killed twice', SEED, { kills: 2, speed: 12 }));
  }
});
