// One upgrade killed with SIGKILL at seeded random instants, the bot started again on the same data
// directory each time, until the run ends.
import { Rng } from '../../src/sim/rng.js';
import type { Ledger, WorldProcess } from './processes.js';
import { UpgradeSession } from './upgrade-session.js';

export interface KilledUpgradeOptions {
  seed: number;
  /** How many times to kill the bot, at most (fewer if the run ends first). */
  kills: number;
  /** Simulated seconds per real second. */
  speed: number;
  /** Real ms a bot lives after it is healthy before it is killed: uniform in [min, max]. */
  lifeMs: [number, number];
  /** Applied to the world once the run is approved (throttling). */
  faults?: Record<string, unknown>;
  /** Called every second while the run goes on (e.g. to drop watches now and then). */
  meanwhile?: (world: WorldProcess) => Promise<void>;
}

export interface KilledUpgradeResult {
  seed: number;
  kills: number;
  ledger: Ledger;
  terminationsPerOld: number[];
  progressEdits: number;
  problems: string[];
  dir: string;
}

export async function killedUpgrade(o: KilledUpgradeOptions): Promise<KilledUpgradeResult> {
  const rng = new Rng(o.seed);
  const s = await UpgradeSession.open({ label: `kills-${o.seed}`, speed: o.speed });
  let kills = 0;
  let ticker: NodeJS.Timeout | undefined;
  try {
    await s.start();
    if (o.faults) await s.world.faults(o.faults);
    if (o.meanwhile) ticker = setInterval(() => void o.meanwhile!(s.world).catch(() => {}), 1000);
    while (kills < o.kills && !s.summary()) {
      await new Promise((r) => setTimeout(r, o.lifeMs[0] + rng.float() * (o.lifeMs[1] - o.lifeMs[0])));
      if (s.summary()) break;
      await s.bot!.kill();
      kills++;
      await s.bot!.start();
    }
    await s.waitForEnd();
    if (ticker) clearInterval(ticker);
    await s.stopBot();
    const { problems, ledger, terminationsPerOld } = await s.problems({ succeeded: true });
    return { seed: o.seed, kills, ledger, terminationsPerOld, progressEdits: s.progressMessages()[0]?.updates ?? 0, problems, dir: s.dir };
  } finally {
    if (ticker) clearInterval(ticker);
    await s.close();
  }
}
