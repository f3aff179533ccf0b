// Which tainted node starts draining next. Nodes that share a tight PDB drained at once only queue on
// its budget (and the last in line can wait past the drain timeout), so a node is held back while its
// PDB's budget is spent on pods leaving now plus one node in line (none when two turns of that PDB's
// pods take longer than the drain timeout). Among the rest, the node on the PDB with the longest chain
// still ahead goes first: that chain (one budget's worth of pods at a time) sets the run's length, so it
// must never stand still.
import { isEvictable, type ClusterView } from '../cluster-view.js';
import { listedPdbs, pdbCapacity, pdbKey } from '../pdb-turns.js';
import type { PdbInfo } from '../ports.js';
import type { NodeStates } from '../node-states.js';
import type { NodeRecord } from '../run.js';
import type { StepContext } from '../step-context.js';

// A node waiting to drain keeps its pods (it is tainted): what PDBs cover them is worked out once while
// the PDBs' selectors stay the same, not on every step. Nodes with the same PDBs score alike, so a
// choice weighs each set of PDBs once rather than every node of a large group.
interface Covered {
  keys: Set<string>;
  /** The keys, sorted and joined: nodes with the same set share it. */
  set: string;
}
const coveredByView = new WeakMap<ClusterView, { generation: number; nodes: Map<string, Covered> }>();

/**
 * A run's tainted nodes in the run's order, each with the number of its set of PDBs, kept from one
 * choice to the next: a node that started (or left otherwise) is passed over until half the list has
 * gone, and the list is made again when nodes join or the PDBs change. A choice then costs a pass
 * over the list, not a lookup and a new list per waiting node.
 */
interface Waiting {
  generation: number;
  joins: number;
  nodes: NodeRecord[];
  setOf: number[];
  sets: { keys: Set<string>; count: number }[];
}

const waitingByRun = new WeakMap<NodeStates, Waiting>();

export class NodePicker {
  private pdbs?: PdbInfo[];
  private coveredOf = new Map<string, Covered>();
  private readonly tightness = new Map<string, { disrupted: number; inLineAllowed: number }>();
  /** The last call found nodes that could start, but every one would only queue on a spent budget. */
  heldBack = false;

  constructor(private readonly ctx: StepContext) {}

  /**
   * The next tainted node to drain among those `accept` lets start, or undefined when there is none or
   * every one would only queue on spent budgets (nodes draining now free them; the watch wakes the
   * runner when they do).
   */
  async next(accept: (rec: NodeRecord) => boolean, salt: number): Promise<NodeRecord | undefined> {
    this.heldBack = false;
    if (!this.ctx.byState.some('tainted', accept)) return undefined;
    // Each node started since the last call may have spent a budget.
    this.tightness.clear();
    if (!this.pdbs) {
      this.pdbs = await listedPdbs(this.ctx);
      const view = this.ctx.view;
      let known = coveredByView.get(view);
      if (known?.generation !== view.pdbGeneration()) coveredByView.set(view, (known = { generation: view.pdbGeneration(), nodes: new Map() }));
      this.coveredOf = known.nodes;
    }
    const w = this.waiting();
    for (const s of w.sets) s.count = 0;
    let candidates = 0;
    let gone = 0;
    for (let i = 0; i < w.nodes.length; i++) {
      const rec = w.nodes[i];
      if (rec.state !== 'tainted') gone++;
      else if (accept(rec)) {
        w.sets[w.setOf[i]].count++;
        candidates++;
      }
    }
    if (gone * 2 > w.nodes.length) compact(w);
    if (candidates === 0) return undefined;
    const capacity = new Map(this.pdbs.map((b) => [pdbKey(b), pdbCapacity(b)]));
    const inLine = new Map<string, number>();
    for (const rec of this.ctx.byState.in('evicting')) {
      for (const key of this.liveKeys(rec.name)) inLine.set(key, (inLine.get(key) ?? 0) + 1);
    }
    const ahead = new Map<string, number>();
    for (const { keys, count } of w.sets) for (const key of keys) if (count) ahead.set(key, (ahead.get(key) ?? 0) + count);
    const best = new Array<boolean>(w.sets.length).fill(false);
    let bestScore = -1;
    let bestNodes = 0;
    w.sets.forEach(({ keys, count }, set) => {
      if (count === 0) return;
      let score = 0;
      let held = false;
      for (const key of keys) {
        const cap = capacity.get(key) ?? 1;
        const holders = inLine.get(key) ?? 0;
        // A PDB that lets go more pods at once than the run drains nodes never makes a node wait long.
        if (cap <= this.ctx.run.plan.maxUnavailable) {
          const t = this.tight(key);
          if (holders + t.disrupted >= cap + t.inLineAllowed) held = true;
        }
        score = Math.max(score, (ahead.get(key) ?? 0) / cap);
      }
      if (held) return;
      if (score > bestScore) {
        best.fill(false);
        [bestScore, bestNodes] = [score, 0];
      }
      if (score === bestScore) [best[set], bestNodes] = [true, bestNodes + count];
    });
    if (bestNodes === 0) {
      this.heldBack = true;
      return undefined;
    }
    // The draw among the best nodes in the run's order, as a resumed run repeats it.
    let k = Math.floor(this.ctx.random(salt) * bestNodes);
    for (let i = 0; i < w.nodes.length; i++) {
      const rec = w.nodes[i];
      if (rec.state === 'tainted' && best[w.setOf[i]] && accept(rec) && k-- === 0) return rec;
    }
    return undefined;
  }

  /** The run's waiting list, made again when nodes joined it or the PDBs changed. */
  private waiting(): Waiting {
    const { byState, view } = this.ctx;
    let w = waitingByRun.get(byState);
    if (!w || w.generation !== view.pdbGeneration() || w.joins !== byState.joins('tainted')) {
      const sets = new Map<string, number>();
      w = { generation: view.pdbGeneration(), joins: byState.joins('tainted'), nodes: byState.in('tainted'), setOf: [], sets: [] };
      for (const rec of w.nodes) {
        const c = this.covered(rec.name);
        let set = sets.get(c.set);
        if (set === undefined) {
          sets.set(c.set, (set = w.sets.length));
          w.sets.push({ keys: c.keys, count: 0 });
        }
        w.setOf.push(set);
      }
      waitingByRun.set(byState, w);
    }
    return w;
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

  /** The PDBs covering the pods a waiting node has to move, worked out once. */
  private covered(node: string): Covered {
    let c = this.coveredOf.get(node);
    if (!c) {
      const keys = this.liveKeys(node);
      this.coveredOf.set(node, (c = { keys, set: [...keys].sort().join('\n') }));
    }
    return c;
  }

  /** The PDBs covering the pods the node still has to move, now (a draining node's pods leave). */
  private liveKeys(node: string): Set<string> {
    const keys = new Set<string>();
    for (const p of this.ctx.view.podsOn(node)) {
      if (p.terminating || !isEvictable(p)) continue;
      const pdb = this.ctx.view.coveringPdb(p);
      if (pdb) keys.add(pdbKey(pdb));
    }
    return keys;
  }
}

/** Drops the nodes that left the waiting list, in order. */
function compact(w: Waiting): void {
  const keep = w.nodes.map((rec) => rec.state === 'tainted');
  w.nodes = w.nodes.filter((_, i) => keep[i]);
  w.setOf = w.setOf.filter((_, i) => keep[i]);
}
