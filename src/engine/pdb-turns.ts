// PodDisruptionBudgets shared by the nodes a run drains at once. Once a budget is spent, its next
// disruption goes to the node that has waited longest for it (first come, first served, by the
// first-blocked times kept in the run, so a restart keeps the order), and a waiting node tries again
// as soon as the watch shows a pod the budget covers Ready again; the backoff is only a fallback.
import type { ClusterView } from './cluster-view.js';
import type { PdbInfo, PodInfo } from './ports.js';
import type { NodeRecord } from './run.js';
import type { StepContext } from './step-context.js';

import { pdbKey } from './pdb-index.js';

export { pdbKey, selects } from './pdb-index.js';

/** The PDBs as listed lately: long enough to spare the API, short enough to notice a changed budget. */
export function listedPdbs(ctx: StepContext): Promise<PdbInfo[]> {
  return ctx.view.pdbs(ctx.now, ctx.settings.maxEvictionBackoffMs);
}

/** Disruptions the PDB allows now, counted on the watch's pods: healthy (Ready, not leaving) above what it needs. */
export function allowedNow(view: ClusterView, pdb: PdbInfo): number {
  return view.healthyUnder(pdb) - pdb.desiredHealthy;
}

/** How many pods the PDB lets go at once when every pod is healthy: 1 at least, so a spent one still gets a turn. */
export function pdbCapacity(pdb: PdbInfo): number {
  return Math.max(1, pdb.expectedPods - pdb.desiredHealthy);
}

/** The pods a drain must still ask to leave: not already leaving. */
const asking = (pods: PodInfo[]) => pods.filter((p) => !p.terminating);

/**
 * One step's turns: for every PDB some draining node waits on, which of the pods it covers may be
 * evicted now. The budget is counted on the watch's pods and handed out in first-blocked order; a PDB
 * nobody waits on is left to the Eviction API, which answers 429 when it is spent.
 */
export class PdbTurns {
  private constructor(
    /** Pods under a PDB with a queue → that PDB's key. */
    private readonly queuedKey: Map<string, string>,
    private readonly granted: Set<string>,
  ) {}

  static none(): PdbTurns {
    return new PdbTurns(new Map(), new Set());
  }

  /** `draining`: the nodes whose pods are being evicted, with the pods each still waits for. */
  static async take(ctx: StepContext, draining: { rec: NodeRecord; pods: PodInfo[] }[]): Promise<PdbTurns> {
    const waitedOn = new Set(draining.flatMap(({ rec }) => Object.keys(rec.pdbWaits ?? {})));
    if (waitedOn.size === 0) return PdbTurns.none();
    const pdbs = await listedPdbs(ctx);
    const view = ctx.view;
    const queuedKey = new Map<string, string>();
    const granted = new Set<string>();
    for (const key of waitedOn) {
      const pdb = pdbs.find((b) => pdbKey(b) === key);
      const holders = draining
        .map(({ rec, pods }) => ({ rec, pods: pdb ? asking(pods).filter((p) => view.coveringPdb(p) === pdb) : [] }))
        .filter(({ rec, pods }) => {
          // Served, or the PDB is gone: the node leaves this queue.
          if (pods.length === 0 && rec.pdbWaits?.[key] !== undefined) {
            delete rec.pdbWaits[key];
            ctx.touch(rec);
          }
          return pods.length > 0;
        });
      if (!pdb) continue;
      holders.sort((a, b) => waitedSince(a.rec, key) - waitedSince(b.rec, key) || (a.rec.at.evicting ?? 0) - (b.rec.at.evicting ?? 0) || cmp(a.rec.name, b.rec.name));
      let allowed = allowedNow(ctx.view, pdb);
      let headProbed = false;
      for (const { rec, pods } of holders) {
        for (const pod of pods) {
          queuedKey.set(pod.uid, key);
          // An unready pod costs no budget: it may go while the budget is met (IfHealthyBudget).
          if (!pod.ready ? allowed >= 0 : allowed > 0) {
            granted.add(pod.uid);
            if (pod.ready) allowed--;
          } else if (!headProbed && ctx.now >= (rec.retryAt ?? 0)) {
            // The fallback: the longest waiter asks the API itself now and then, in case the count here is wrong.
            granted.add(pod.uid);
          }
          headProbed = true;
        }
      }
    }
    return new PdbTurns(queuedKey, granted);
  }

  /** The PDB whose queue this pod is in, if its PDB has one. */
  keyOf(pod: PodInfo): string | undefined {
    return this.queuedKey.get(pod.uid);
  }

  /** Not in a queue, or its turn has come. */
  mayEvict(pod: PodInfo): boolean {
    return !this.queuedKey.has(pod.uid) || this.granted.has(pod.uid);
  }
}

const waitedSince = (rec: NodeRecord, key: string) => rec.pdbWaits?.[key] ?? Number.MAX_SAFE_INTEGER;
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
