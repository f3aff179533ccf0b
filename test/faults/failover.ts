// Two mngbot replicas (real processes, real adapters, MNG_STORE=kubernetes) against the simulated
// cloud as its own process: the upgrade is asked and approved through the follower, then the leader is
// killed with SIGKILL at seeded random instants and started again (as a follower now), until the run
// ends. Takeover time: from the kill to the survivor holding the Lease.
import { join } from 'node:path';
import type { BotChild } from '../../src/demo/bot-child.js';
import { ACTION_APPROVE } from '../../src/slack/blocks/plan.js';
import { Rng } from '../../src/sim/rng.js';
import { freePort } from '../aws/moto.js';
import type { Ledger } from './processes.js';
import { until } from './processes.js';
import { APPROVER } from './slack-peer.js';
import { TARGET, UpgradeSession } from './upgrade-session.js';

export const NAMESPACE = 'mngbot';
export const LEASE = { durationMs: 2000, renewMs: 400 };

export interface FailoverOptions {
  seed: number;
  /** Leader kills, at most (fewer if the run ends first). */
  kills: number;
  speed: number;
  /** Real ms the leader leads before it is killed: uniform in [min, max]. */
  lifeMs: [number, number];
  /** Kill and start the follower once, mid-run: it must change nothing. */
  restartFollower?: boolean;
}

export interface FailoverResult {
  seed: number;
  kills: number;
  /** Real ms from each kill to the survivor holding the Lease. */
  takeoversMs: number[];
  followerRestarts: number;
  ledger: Ledger;
  terminationsPerOld: number[];
  progressEdits: number;
  problems: string[];
  dir: string;
}

interface Replica {
  bot: BotChild;
  identity?: string;
}

async function holder(kubeUrl: string): Promise<string | undefined> {
  const res = await fetch(`${kubeUrl}/apis/coordination.k8s.io/v1/namespaces/${NAMESPACE}/leases/mngbot-leader`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
  if (!res?.ok) return undefined;
  const lease = (await res.json()) as { spec?: { holderIdentity?: string } };
  return lease.spec?.holderIdentity || undefined;
}

/** The identity the replica's current process announced in its "mngbot ready" line. */
function identityOf(bot: BotChild): string | undefined {
  const ready = bot
    .output()
    .split('\n')
    .filter((l) => l.includes('"mngbot ready"'))
    .at(-1);
  return ready ? /"identity":"([^"]+)"/.exec(ready)?.[1] : undefined;
}

export async function failoverUpgrade(o: FailoverOptions): Promise<FailoverResult> {
  const rng = new Rng(o.seed);
  const s = await UpgradeSession.open({
    label: `failover-${o.seed}`,
    speed: o.speed,
    env: { MNG_STORE: 'kubernetes', MNG_NAMESPACE: NAMESPACE, MNG_LEASE_DURATION_MS: String(LEASE.durationMs), MNG_LEASE_RENEW_MS: String(LEASE.renewMs) },
  });
  const replicas: Replica[] = [];
  const takeoversMs: number[] = [];
  let kills = 0;
  let followerRestarts = 0;
  const start = async (r: Replica) => {
    await r.bot.start(180_000);
    r.identity = identityOf(r.bot);
    if (!r.identity) throw new Error(`replica on ${r.bot.url} did not say who it is`);
  };
  try {
    for (const name of ['a', 'b']) {
      const bot = await s.launch({ port: await freePort(), start: false, logFile: join(s.dir, `bot-${name}.log`) });
      replicas.push({ bot });
    }
    await Promise.all(replicas.map(start));
    const leader = async () => {
      const id = await holder(s.world.kube);
      return replicas.find((r) => r.identity === id && r.bot.state === 'running');
    };
    await until(async () => (await leader()) !== undefined, "a leader", 120_000);
    // Asked and approved through the follower: it hands both to the store, the leader acts.
    const lead = (await leader())!;
    const other = replicas.find((r) => r !== lead)!;
    // What Prometheus is told of each replica's role follows the Lease.
    const role = async (r: Replica) => /^mngbot_leader (\d)/m.exec(await (await fetch(new URL('/metrics', r.bot.url))).text())?.[1];
    await until(async () => (await role(lead)) === '1' && (await role(other)) === '0', 'mngbot_leader 1 on the leader, 0 on the follower', 30_000);
    const asked = await s.slack.command(other.bot.url, `upgrade nodegroup ${TARGET} --cluster faults --nodegroup workers --drain-timeout 2h --no-bake`);
    if (asked.status !== 200) throw new Error(`the command was answered ${asked.status}: ${asked.body}`);
    s.plan = await s.slack.fake.waitFor(() => s.slack.planMessage(), 30_000, 'the plan message');
    s.runId = /r-[0-9a-f]{8}/.exec(JSON.stringify(s.plan.blocks))![0];
    const approved = await s.slack.click(other.bot.url, ACTION_APPROVE, s.runId, APPROVER, s.plan);
    if (approved.status !== 200) throw new Error(`the approval was answered ${approved.status}: ${approved.body}`);

    // The killed replica comes back (a follower now) while the leader lives on.
    let restarting: Promise<void> = Promise.resolve();
    while (kills < o.kills && !s.summary()) {
      await new Promise((r) => setTimeout(r, o.lifeMs[0] + rng.float() * (o.lifeMs[1] - o.lifeMs[0])));
      await restarting;
      if (s.summary()) break;
      const victim = await leader();
      if (!victim) continue;
      const survivor = replicas.find((r) => r !== victim)!;
      if (o.restartFollower && followerRestarts === 0 && kills === Math.floor(o.kills / 2)) {
        // The follower goes and comes back while the leader carries on.
        await survivor.bot.kill();
        await start(survivor);
        followerRestarts++;
        continue;
      }
      const killedAt = performance.now();
      await victim.bot.kill();
      kills++;
      await until(async () => (await holder(s.world.kube)) === survivor.identity, 'the survivor to take the lease', 60_000);
      takeoversMs.push(performance.now() - killedAt);
      restarting = start(victim);
    }
    await restarting;
    await s.waitForEnd(300_000);
    await new Promise((r) => setTimeout(r, 1500));
    await Promise.all(replicas.map((r) => r.bot.stop()));
    const { problems, ledger, terminationsPerOld } = await s.problems({ succeeded: true });
    return { seed: o.seed, kills, takeoversMs, followerRestarts, ledger, terminationsPerOld, progressEdits: s.progressMessages()[0]?.updates ?? 0, problems, dir: s.dir };
  } finally {
    await Promise.all(replicas.map((r) => r.bot.kill()));
    await s.close();
  }
}
