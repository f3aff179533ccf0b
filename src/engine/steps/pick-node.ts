// Which tainted node starts draining next. Nodes that share a tight PDB drained at once only queue on
// its budget (and the last in line can wait past the drain timeout), so a node is held back while its
// PDB's budget is spent on pods leaving now plus one node in line (none when two turns of that PDB's
// pods take longer than the drain timeout). Among the rest, the node on the PDB with the longest chain
// still ahead goes first: that chain (one budget's worth of pods at a time) sets the run's length, so it
// must never stand still.
import { isEvictable, type ClusterView } from '../cluster-view.js';
import { listedPdbs, pdbCapacity, pdbKey } from '../pdb-turns.js';
import type { PdbInfo } from '../ports.js';
import type { NodeRecord } from '../run.js';
import type { StepContext } from '../step-context.js';

// A node waiting to drain keeps its pods (it is tainted): what PDBs cover them is worked out once while
// the PDBs' selectors stay the same, not on every step.
const keysByView = new WeakMap<ClusterView, { generation: number; keys: Map<string, Set<string>> }>();

export class NodePicker {
  private pdbs?: PdbInfo[];
  private keysOf = new Map<string, Set<string>>();
  private readonly tightness = new Map<string, { disrupted: number; inLineAllowed: number }>();

  constructor(private readonly ctx: StepContext) {}

  /**
   * The next node to drain, or undefined when every candidate would only queue on spent budgets
   * (nodes draining now free them; the watch wakes the runner when they do).
   */
  async next(candidates: NodeRecord[], salt: number): Promise<NodeRecord | undefined> {
    if (candidates.length === 0) return undefined;
    // Each node started since the last call may have spent a budget.
    this.tightness.clear();
    if (!this.pdbs) {
      this.pdbs = await listedPdbs(this.ctx);
      const view = this.ctx.view;
      let known = keysByView.get(view);
      if (known?.generation !== view.pdbGeneration()) keysByView.set(view, (known = { generation: view.pdbGeneration(), keys: new Map() }));
      this.keysOf = known.keys;
    }
    const capacity = new Map(this.pdbs.map((b) => [pdbKey(b), pdbCapacity(b)]));
    const inLine = new Map<string, number>();
    for (const rec of this.ctx.run.nodes) {
      if (rec.state !== 'evicting') continue;
      for (const key of this.pdbKeys(rec.name, true)) inLine.set(key, (inLine.get(key) ?? 0) + 1);
    }
    const ahead = new Map<string, number>();
    for (const rec of candidates) for (const key of this.pdbKeys(rec.name)) ahead.set(key, (ahead.get(key) ?? 0) + 1);
    let best: NodeRecord[] = [];
    let bestScore = -1;
    for (const rec of candidates) {
      let score = 0;
      let held = false;
      for (const key of this.pdbKeys(rec.name)) {
        const cap = capacity.get(key) ?? 1;
        const holders = inLine.get(key) ?? 0;
        // A PDB that lets go more pods at once than the run drains nodes never makes a node wait long.
        if (cap <= this.ctx.run.plan.maxUnavailable) {
          const t = this.tight(key);
          if (holders + t.disrupted >= cap + t.inLineAllowed) held = true;
        }
        score = Math.max(score, (ahead.get(key) ?? 0) / cap);
      }
      if (held) continue;
      if (score > bestScore) [best, bestScore] = [[rec], score];
      else if (score === bestScore) best.push(rec);
    }
    return best.length === 0 ? undefined : best[Math.floor(this.ctx.random(salt) * best.length)];
  }

  /** Pods of the PDB unavailable now (they use its budget), and whether one more node may wait in line. */
  private tight(key: string): { disrupted: number; inLineAllowed: number } {
    let t = this.tightness.get(key);
    if (t) return t;
    const pdb = this.pdbs!.find((b) => pdbKey(b) === key)!;
    const healthy = this.ctx.view.healthyUnder(pdb);
    const longestGraceS = this.ctx.view.longestGraceUnder(pdb);
    // A turn: a pod shuts down and its successor starts (a minute, unknown here). Waiting one turn and
    // then shutting down its own pod must fit in the drain timeout.
    const turnMs = (longestGraceS + 60) * 1000;
    t = { disrupted: Math.max(0, pdb.expectedPods - healthy), inLineAllowed: 2 * turnMs <= this.ctx.run.plan.drainTimeoutMs ? 1 : 0 };
    this.tightness.set(key, t);
    return t;
  }

  /** The PDBs covering the pods the node still has to move; `live`: not cached (a draining node's pods leave). */
  private pdbKeys(node: string, live = false): Set<string> {
    const known = live ? undefined : this.keysOf.get(node);
    if (known) return known;
    const keys = new Set<string>();
    for (const p of this.ctx.view.podsOn(node)) {
      if (p.terminating || !isEvictable(p)) continue;
      const pdb = this.ctx.view.coveringPdb(p);
      if (pdb) keys.add(pdbKey(pdb));
    }
    if (!live) this.keysOf.set(node, keys);
    return keys;
  }
}
