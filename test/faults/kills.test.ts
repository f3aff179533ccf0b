// The bot killed with SIGKILL at random instants of an upgrade and started again on the same data
// directory, as processes against the simulated cloud, with AWS throttling and dropped watches on top.
// npm test runs a sample; npm run test:faults the whole matrix (MNG_FAULTS=full), printing its figures.
import { afterAll, describe, expect, it } from 'vitest';
import { killedUpgrade, type KilledUpgradeResult } from './killed-upgrade.js';

const FULL = process.env.MNG_FAULTS === 'full';
const SEED = Number(process.env.MNG_TEST_SEED ?? Math.floor(Math.random() * 1_000_000));

function figures(label: string, r: KilledUpgradeResult): string {
  const perOld = [...new Set(r.terminationsPerOld)].join('/');
  return (
    `${label} (seed ${r.seed}): ${r.kills} kills survived; termination requests per old instance ${perOld} ` +
    `(${r.terminationsPerOld.length} old instances); group ${JSON.stringify(r.ledger.group)}; ledger podsLost ${r.ledger.podsLost}, ` +
    `pdbViolations ${r.ledger.pdbViolations}, terminatedTwice ${r.ledger.terminatedTwice}, leftTainted ${r.ledger.leftTainted}, ` +
    `leftCordoned ${r.ledger.leftCordoned}; one progress message, edited ${r.progressEdits} times; logs in ${r.dir}`
  );
}

const done: KilledUpgradeResult[] = [];

describe('mngbot killed at random instants of an upgrade', () => {
  afterAll(() => {
    const kills = done.reduce((n, r) => n + r.kills, 0);
    const perOld = [...new Set(done.flatMap((r) => r.terminationsPerOld))].join('/');
    console.log(`fault matrix: ${kills} SIGKILLs survived over ${done.length} upgrades (seeds ${done.map((r) => r.seed).join(', ')}); termination requests per old instance ${perOld}; ${done.filter((r) => r.problems.length === 0).length} of ${done.length} ended succeeded with a clean ledger`);
    // The whole matrix promises at least 30 kills; the sample in npm test a few.
    if (FULL) expect(kills).toBeGreaterThanOrEqual(30);
  });

  const runs: { label: string; kills: number; speed: number; faults?: Record<string, unknown>; dropWatches?: boolean }[] = FULL
    ? [
        { label: 'killed often', kills: 16, speed: 5 },
        { label: 'killed often, AWS throttled 30%', kills: 16, speed: 5, faults: { throttle: { aws: 0.3 } } },
        { label: 'killed often, watches dropped and compacted', kills: 16, speed: 5, dropWatches: true },
      ]
    : [{ label: 'killed a few times, watches dropped and compacted', kills: 4, speed: 30, dropWatches: true }];

  runs.forEach((run, i) => {
    it(run.label, { timeout: FULL ? 600_000 : 240_000 }, async () => {
      const seed = SEED + i;
      let drops = 0;
      let result: KilledUpgradeResult;
      try {
        result = await killedUpgrade({
          seed,
          kills: run.kills,
          speed: run.speed,
          lifeMs: [300, 2500],
          ...(run.faults ? { faults: run.faults } : {}),
          ...(run.dropWatches ? { meanwhile: (w) => w.faults(++drops % 2 ? { dropWatches: true } : { compact: true, dropWatches: true }) } : {}),
        });
      } catch (err) {
        throw new Error(`seed ${seed} (MNG_TEST_SEED=${SEED} reruns it): ${(err as Error).message}`);
      }
      console.log(figures(run.label, result));
      done.push(result);
      expect(result.problems, `seed ${seed} (MNG_TEST_SEED=${SEED}): ${result.problems.join('; ')}; logs in ${result.dir}`).toEqual([]);
      expect(result.kills).toBeGreaterThan(0);
    });
  });
});
