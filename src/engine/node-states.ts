// A run's node records by state, kept as setNodeState moves them: a step asks for the few nodes in
// flight, or counts those settled, without looking at every node of a large group.
import type { NodeRecord, NodeState } from './run.js';

interface Bucket {
  records: Set<NodeRecord>;
  /** Position of the last record added; one added before it means the set is out of the run's order. */
  lastAdded: number;
  ordered: boolean;
}

export class NodeStates {
  private readonly buckets = new Map<NodeState, Bucket>();
  private readonly position = new Map<NodeRecord, number>();
  /** Old nodes (not surplus ones) by state. */
  private readonly oldIn = new Map<NodeState, number>();
  /** Records whose termination asked the group to lower its desired size (never taken back). */
  private readonly decremented = new Set<NodeRecord>();
  /** How many times a record has entered each state: a reader that kept a list of one state knows when it is out of date. */
  private readonly entered = new Map<NodeState, number>();
  private indexed = 0;

  /** `nodes`: the run's list, which steps only append to. */
  constructor(private readonly nodes: readonly NodeRecord[]) {}

  /** rec (in the run's list) has moved from `from` to its state now. */
  moved(rec: NodeRecord, from: NodeState): void {
    this.sync();
    if (this.buckets.get(from)?.records.delete(rec) && rec.role === 'old') this.oldIn.set(from, this.oldIn.get(from)! - 1);
    this.add(rec);
  }

  /** The records in these states, in the run's order. */
  in(...states: NodeState[]): NodeRecord[] {
    this.sync();
    if (states.length === 1) return [...this.ordered(states[0])];
    // Asked on every step for the few nodes in flight: no copies or sorting beyond what they need.
    const out: NodeRecord[] = [];
    for (const state of states) for (const rec of this.buckets.get(state)?.records ?? []) out.push(rec);
    if (out.length > 1) out.sort((a, b) => this.position.get(a)! - this.position.get(b)!);
    return out;
  }

  count(...states: NodeState[]): number {
    this.sync();
    return states.reduce((n, s) => n + (this.buckets.get(s)?.records.size ?? 0), 0);
  }

  /** Old nodes (not surplus ones) in these states. */
  countOld(...states: NodeState[]): number {
    this.sync();
    return states.reduce((n, s) => n + (this.oldIn.get(s) ?? 0), 0);
  }

  /** Records that have entered the state so far (a record that left and came back counts again). */
  joins(state: NodeState): number {
    this.sync();
    return this.entered.get(state) ?? 0;
  }

  /** Terminations the run asked for with a lower desired size: they are recorded before the state moves to terminating. */
  decrements(): number {
    this.sync();
    return this.decremented.size;
  }

  /** Records appended to the run's list since the last look join. */
  private sync(): void {
    while (this.indexed < this.nodes.length) {
      const rec = this.nodes[this.indexed];
      this.position.set(rec, this.indexed++);
      this.add(rec);
    }
  }

  private add(rec: NodeRecord): void {
    let b = this.buckets.get(rec.state);
    if (!b) this.buckets.set(rec.state, (b = { records: new Set(), lastAdded: -1, ordered: true }));
    // A record appended and moved before the next look joins at sync() in its new state already.
    if (b.records.has(rec)) return;
    const at = this.position.get(rec)!;
    if (at < b.lastAdded) b.ordered = false;
    b.lastAdded = Math.max(b.lastAdded, at);
    b.records.add(rec);
    this.entered.set(rec.state, (this.entered.get(rec.state) ?? 0) + 1);
    if (rec.role === 'old') this.oldIn.set(rec.state, (this.oldIn.get(rec.state) ?? 0) + 1);
    if (rec.termination?.decrement) this.decremented.add(rec);
  }

  private ordered(state: NodeState): Set<NodeRecord> {
    const b = this.buckets.get(state);
    if (!b) return new Set();
    if (!b.ordered) {
      b.records = new Set([...b.records].sort((x, y) => this.position.get(x)! - this.position.get(y)!));
      b.ordered = true;
    }
    return b.records;
  }
}
