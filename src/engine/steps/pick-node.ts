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
 * A run's tainted nodes in the run's order, each with the number of its set of PDBs and how many of each
 * set still wait, kept from one choice to the next: the node chosen last leaves the list once it has
 * started, and the list is counted again only when a node left it otherwise, and made again when nodes
 * joined it or the PDBs changed. A choice then costs a pass over small integers, not a look at every
 * waiting node's record.
 */
interface Waiting {
  generation: number;
  joins: number;
  nodes: NodeRecord[];
  setOf: number[];
  /** 1 while the node is tainted, as far as the list knows. */
  waits: Uint8Array;
  sets: { keys: Set<string>; count: number }[];
  total: number;
  /** The position of the node the last choice returned. */
  offered?: number;
}
const waitingByRun = new WeakMap<NodeStates, Waiting>();

export class NodePicker {
  private pdbs?: PdbInfo[];
  private readonly tightness = new Map<string, { disrupted: number; inLineAllowed: number }>();
  /** The last call found nodes that could start, but every one would only queue on a spent budget. */
  heldBack = false;

  constructor(private readonly ctx: StepContext) {}

  /**
   * The next tainted node to drain, or undefined when none may start now (`mayStart` says no, or only
   * `last` is left while it must wait) or every one would only queue on spent budgets (nodes draining
   * now free them; the watch wakes the runner when they do).
   */
  async next(mayStart: () => boolean, salt: number, last?: NodeRecord): Promise<NodeRecord | undefined> {
    this.heldBack = false;
    if (this.ctx.byState.count('tainted') === 0 || !mayStart()) return undefined;
    // Listed first: the sets of PDBs are worked out on this listing.
    this.pdbs ??= await listedPdbs(this.ctx);
    const w = this.waiting();
    const lastAt = last && last.state === 'tainted' ? w.nodes.indexOf(last) : -1;
    if (w.total - (lastAt >= 0 ? 1 : 0) === 0) return undefined;
    // Each node started since the last call may have spent a budget.
    this.tightness.clear();
    const counts = w.sets.map((set) => set.count);
    if (lastAt >= 0) counts[w.setOf[lastAt]]--;
    const capacity = new Map(this.pdbs.map((b) => [pdbKey(b), pdbCapacity(b)]));
    const inLine = new Map<string, number>();
    for (const rec of this.ctx.byState.in('evicting')) {
      for (const key of this.liveKeys(rec.name)) inLine.set(key, (inLine.get(key) ?? 0) + 1);
    }
    const ahead = new Map<string, number>();
    w.sets.forEach(({ keys }, set) => {
      for (const key of keys) if (counts[set]) ahead.set(key, (ahead.get(key) ?? 0) + counts[set]);
    });
    const best = new Uint8Array(w.sets.length);
    let bestScore = -1;
    let bestNodes = 0;
    w.sets.forEach(({ keys }, set) => {
      if (counts[set] === 0) return;
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
        best.fill(0);
        [bestScore, bestNodes] = [score, 0];
      }
      if (score === bestScore) [best[set], bestNodes] = [1, bestNodes + counts[set]];
    });
    if (bestNodes === 0) {
      this.heldBack = true;
      return undefined;
    }
    // The draw among the best nodes in the run's order, as a resumed run repeats it.
    let k = Math.floor(this.ctx.random(salt) * bestNodes);
    for (let i = 0; i < w.nodes.length; i++) {
      if (w.waits[i] && best[w.setOf[i]] && i !== lastAt && k-- === 0) {
        w.offered = i;
        return w.nodes[i];
      }
    }
    return undefined;
  }

  /** The run's waiting list, brought up to date. */
  private waiting(): Waiting {
    const { byState, view } = this.ctx;
    const w = waitingByRun.get(byState);
    if (!w || w.generation !== view.pdbGeneration() || w.joins !== byState.joins('tainted')) return this.listWaiting(byState.in('tainted'));
    if (w.offered !== undefined && w.nodes[w.offered].state !== 'tainted') {
      w.waits[w.offered] = 0;
      w.sets[w.setOf[w.offered]].count--;
      w.total--;
    }
    w.offered = undefined;
    // A node left otherwise (a person skipped it): count again.
    if (w.total !== byState.count('tainted')) {
      for (const set of w.sets) set.count = 0;
      w.total = 0;
      w.nodes.forEach((rec, i) => {
        w.waits[i] = rec.state === 'tainted' ? 1 : 0;
        w.sets[w.setOf[i]].count += w.waits[i];
        w.total += w.waits[i];
      });
    }
    // Half the list gone: a list of what is left, so that a choice passes over the waiting nodes only.
    return w.total * 2 < w.nodes.length ? this.listWaiting(w.nodes.filter((_, i) => w.waits[i])) : w;
  }

  /** A waiting list of these nodes (tainted, in the run's order), by their sets of PDBs. */
  private listWaiting(nodes: NodeRecord[]): Waiting {
    const view = this.ctx.view;
    let known = coveredByView.get(view);
    if (known?.generation !== view.pdbGeneration()) coveredByView.set(view, (known = { generation: view.pdbGeneration(), nodes: new Map() }));
    const ids = new Map<string, number>();
    const w: Waiting = { generation: view.pdbGeneration(), joins: this.ctx.byState.joins('tainted'), nodes, setOf: [], waits: new Uint8Array(nodes.length).fill(1), sets: [], total: nodes.length };
    waitingByRun.set(this.ctx.byState, w);
    for (const rec of nodes) {
      const c = this.covered(rec.name, known.nodes);
      let id = ids.get(c.set);
      if (id === undefined) {
        ids.set(c.set, (id = w.sets.length));
        w.sets.push({ keys: c.keys, count: 0 });
      }
      w.setOf.push(id);
      w.sets[id].count++;
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

  /** The PDBs covering the pods a waiting node has to move, worked out once (`known`: those worked out on this listing of PDBs). */
  private covered(node: string, known: Map<string, Covered>): Covered {
    let c = known.get(node);
    if (!c) {
      const keys = this.liveKeys(node);
      known.set(node, (c = { keys, set: [...keys].sort().join('\n') }));
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

