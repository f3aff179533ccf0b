// PDB-aware eviction of one node's pods, one bounded round per call.
import { isEvictable } from './cluster-view.js';
import { listedPdbs, pdbKey, selects, type PdbTurns } from './pdb-turns.js';
import type { PodInfo } from './ports.js';
import type { Blocker, NodeRecord } from './run.js';
import type { StepContext } from './step-context.js';


export function podsToMove(ctx: StepContext, node: string): PodInfo[] {
  return ctx.view.podsOn(node).filter(isEvictable);
}

/** Time after a forced pod's grace period for the API server to let it go (kubelet kills it at the end of its grace). */
export const FORCED_GRACE_SLACK_MS = 30_000;

/**
 * Pods the node still waits for. A pod deleted by force is waited for during its own grace period
 * (and a little after); past that, a person has agreed to lose it, whatever still holds its object.
 */
export function podsHolding(ctx: StepContext, rec: NodeRecord): PodInfo[] {
  const pods = podsToMove(ctx, rec.name);
  if (rec.forcedAt === undefined) return pods;
  return pods.filter((p) => !p.terminating || ctx.now < forcedGraceEnds(rec, p));
}

export function forcedGraceEnds(rec: NodeRecord, pod: PodInfo): number {
  return (rec.forcedAt ?? 0) + pod.gracePeriodSeconds * 1000 + FORCED_GRACE_SLACK_MS;
}

/**
 * Evicts every pod still on the node that is not already leaving and whose PDB (if it has a queue)
 * gives it its turn. A pod refused by its PDB puts the node in that PDB's queue; the watch wakes the
 * runner when a covered pod is Ready again, and the backoff returned is only the fallback.
 */
export async function drainRound(ctx: StepContext, rec: NodeRecord, pods: PodInfo[], deadline: number, turns: PdbTurns): Promise<number> {
  const now = ctx.now;
  // Named before it changes, so that a save includes it whole; saved for a round that changed it, not
  // for every look at pods still shutting down (most rounds, and a durable write each on a data file).
  ctx.changedInPlace(rec);
  const before = { retryAt: rec.retryAt, unplacedBlock: rec.unplacedBlock };
  const waitFrom = (key: string) => {
    rec.pdbWaits ??= {};
    if (rec.pdbWaits[key] !== undefined) return;
    rec.pdbWaits[key] = now;
    ctx.touch(rec);
  };
  const deadlineIn = deadline > now ? deadline - now : Infinity;
  // Pods whose PDB mngbot cannot name (a 429 it could not place) are asked again only on the backoff.
  const due = rec.retryAt === undefined || now >= rec.retryAt;
  let waiting = false;
  let progressed = false;
  for (const pod of pods) {
    if (pod.terminating) continue;
    const key = turns.keyOf(pod);
    if (!turns.mayEvict(pod)) {
      waitFrom(key!);
      waiting = true;
      continue;
    }
    if (key === undefined && rec.unplacedBlock && !due) {
      waiting = true;
      continue;
    }
    const result = await ctx.cluster.evict(pod);
    if (result.outcome === 'accepted') {
      ctx.touch(rec);
      rec.evicted++;
      ctx.run.counters.podsEvicted++;
      progressed = true;
      // An unready pod costs its PDB nothing: only a healthy one's eviction is a turn of the budget.
      const since = key === undefined || !pod.ready ? undefined : rec.pdbWaits?.[key];
      if (key !== undefined && since !== undefined) {
        ctx.emit({ kind: 'pdb-turn', node: rec.name, pdb: key, since, detail: `${rec.name}: ${pod.namespace}/${pod.name} evicted after waiting ${Math.round((now - since) / 1000)} s for PDB ${key}` });
      }
    } else if (result.outcome === 'blocked') {
      waiting = true;
      await listedPdbs(ctx);
      const pdb = ctx.view.coveringPdb(pod);
      if (pdb) {
        waitFrom(pdbKey(pdb));
        // The count said yes and the API said no: the listing is out of date.
        if (key !== undefined) ctx.view.forgetPdbs(now, ctx.settings.firstEvictionBackoffMs);
      } else {
        rec.unplacedBlock = true;
      }
    }
  }
  if (waiting) {
    const previous = progressed ? undefined : rec.backoffMs;
    if (due || progressed) {
      rec.backoffMs = previous === undefined ? ctx.settings.firstEvictionBackoffMs : Math.min(previous * 2, ctx.settings.maxEvictionBackoffMs);
      rec.retryAt = now + rec.backoffMs;
    }
  } else {
    rec.backoffMs = undefined;
    rec.retryAt = undefined;
    rec.unplacedBlock = undefined;
  }
  // A back-off that moved is what a restarted bot must not repeat at once.
  if (rec.retryAt !== before.retryAt || rec.unplacedBlock !== before.unplacedBlock) ctx.touch(rec);
  return Math.min(waiting ? Math.max(0, rec.retryAt! - now) : ctx.settings.idleRecheckMs, deadlineIn);
}

/** Names every pod still on the node and, where one applies, the PDB that holds it. */
export async function describeBlockers(ctx: StepContext, remaining: PodInfo[]): Promise<Blocker[]> {
  const pdbs = remaining.some((p) => !p.terminating) ? await ctx.cluster.listPdbs() : [];
  return remaining.map((pod) => {
    const name = `${pod.namespace}/${pod.name}`;
    if (pod.terminating) return { pod: name, reason: 'evicted but still terminating (a finalizer or a long shutdown)' };
    const pdb = pdbs.find((b) => selects(b, pod));
    if (!pdb) return { pod: name, reason: 'eviction not accepted' };
    return {
      pod: name,
      pdb: `${pdb.namespace}/${pdb.name}`,
      reason: `PDB allows ${pdb.disruptionsAllowed} disruptions (${pdb.currentHealthy} healthy, needs ${pdb.desiredHealthy})`,
    };
  });
}

/** Forced drain: deletes what eviction could not move; each pod keeps its own grace period to shut down. */
export async function forceRemaining(ctx: StepContext, rec: NodeRecord): Promise<number> {
  let n = 0;
  ctx.touch(rec);
  rec.forcedAt ??= ctx.now;
  for (const pod of podsToMove(ctx, rec.name)) {
    await ctx.cluster.deletePod(pod);
    n++;
  }
  rec.forced += n;
  ctx.run.counters.forcedDeletions += n;
  return n;
}
