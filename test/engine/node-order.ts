// The order every strategy's per-node events must keep, checked on a finished run's events.
import type { ProgressEvent } from '../../src/engine/events.js';
import type { NodeInfo } from '../../src/engine/ports.js';
import { NODE_ORDER } from '../../src/engine/run.js';
import type { SimWorld } from '../../src/sim/world.js';

/** Each node goes tainted → evicting → evicted → cordoned → terminating → terminated, in that order. */
export function orderProblems(events: ProgressEvent[]): string[] {
  const seen = new Map<string, number>();
  const out: string[] = [];
  for (const e of events) {
    if (e.kind !== 'node') continue;
    const i = NODE_ORDER.indexOf(e.state);
    if (i < 0) continue;
    const prev = seen.get(e.node) ?? 0;
    if (i !== prev + 1) out.push(`${e.node}: ${NODE_ORDER[prev]} → ${e.state}`);
    seen.set(e.node, i);
  }
  for (const [node, i] of seen) if (NODE_ORDER[i] !== 'terminated') out.push(`${node} ended ${NODE_ORDER[i]}`);
  return out;
}

/** When each node got (and lost) what the taint step and the cordon put on it, as the world saw it. */
export interface NodeMarks {
  taintedAt?: number;
  labelledAt?: number;
  unlabelledAt?: number;
  cordonedAt?: number;
}

const EXCLUDE_LB = 'node.kubernetes.io/exclude-from-external-load-balancers';

/**
 * Follows the world's nodes through its own watch (not the bot's), so what the bot did is seen
 * however many times it was killed. Start it before the bot does anything (simulate's onWorld).
 */
export function watchMarks(world: SimWorld): Map<string, NodeMarks> {
  const marks = new Map<string, NodeMarks>();
  const seen = (n: NodeInfo) => {
    const m = marks.get(n.name) ?? {};
    const now = world.clock.now();
    if (m.taintedAt === undefined && n.taints.some((t) => t.key === 'eks.amazonaws.com/nodegroup')) m.taintedAt = now;
    const labelled = Object.hasOwn(n.labels, EXCLUDE_LB);
    if (labelled && m.labelledAt === undefined) m.labelledAt = now;
    if (!labelled && m.labelledAt !== undefined && m.unlabelledAt === undefined) m.unlabelledAt = now;
    if (m.cordonedAt === undefined && n.unschedulable) m.cordonedAt = now;
    marks.set(n.name, m);
  };
  world.cluster.watch((e) => {
    if (e.kind === 'resync') e.nodes.forEach(seen);
    else if (e.kind === 'node' && e.type === 'upsert') seen(e.node);
  });
  return marks;
}

/**
 * EKS's order, for every node the run terminated: taint and load-balancer label (in the world) no later
 * than its drain starts, the label kept until it is terminated, cordoned, then at least `waitMs` of
 * the run's clock between cordoned and terminating.
 */
export function lbOrderProblems(events: ProgressEvent[], marks: Map<string, NodeMarks>, waitMs: number): string[] {
  const at = new Map<string, Partial<Record<string, number>>>();
  for (const e of events) {
    if (e.kind !== 'node') continue;
    const m = at.get(e.node) ?? {};
    m[e.state] ??= e.at;
    at.set(e.node, m);
  }
  const out: string[] = [];
  for (const [node, t] of at) {
    if (t.terminating === undefined) continue;
    const w = marks.get(node) ?? {};
    if (w.taintedAt === undefined || (t.evicting !== undefined && w.taintedAt > t.evicting)) out.push(`${node}: not tainted before its drain`);
    if (w.labelledAt === undefined || (t.evicting !== undefined && w.labelledAt > t.evicting)) out.push(`${node}: not labelled ${EXCLUDE_LB} before its drain`);
    if (w.unlabelledAt !== undefined && w.unlabelledAt <= t.terminating) out.push(`${node}: label taken off before its termination`);
    if (t.cordoned === undefined || w.cordonedAt === undefined || w.cordonedAt > t.terminating) out.push(`${node}: not cordoned before its termination`);
    else if (t.terminating - t.cordoned < waitMs) out.push(`${node}: terminating ${t.terminating - t.cordoned} ms after cordoned, not ${waitMs}`);
  }
  return out;
}

/** Nodes of the world that still carry the load-balancer exclusion label. */
export function leftLabelled(world: SimWorld, except: readonly string[] = []): string[] {
  return world.nodes().filter((n) => Object.hasOwn(n.labels, EXCLUDE_LB) && !except.includes(n.name)).map((n) => n.name);
}
