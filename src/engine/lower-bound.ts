// The shortest makespan any strategy of the kind below could achieve replacing every old node: the
// benchmark's makespan / bound (src/sim/lower-bound.ts reads it from a simulated world) and the floor
// of the plan's estimate (estimate.ts reads it from the pods and PDBs the plan sees).
//
//   bound = L + max(Σ_n d_n / k,  max_n d_n,  max_w C_w) + T
//
//   L    launchToReadySeconds   T  terminateSeconds   k  maxUnavailable   s0  podStartSeconds
//   d_n  node n's drain: the largest grace g among its evictable (non-DaemonSet, non-mirror) pods, and for
//        each PDB-covered workload w with m of its pods there, (⌈m / a_w⌉ − 1)·s_w + g_w
//   C_w  workload w's chain: (⌈R_w / a_w⌉ − 1)·s_w + g_w, with R_w its pods on old nodes,
//        a_w = replicas − desiredHealthy the disruptions its PDB allows with every replica healthy,
//        s_w = s0 for a Deployment, s0 + g_w for a StatefulSet
//
// everything read from the world as it began. The strategies it bounds are those a managed update and
// `rolling` belong to: old nodes take no new pods (tainted before any eviction, so each pod moves once,
// to a new node); a pod is evicted only once a Ready new node can take its replacement; pods leave
// through the Eviction API (PDBs respected) and a node is terminated only once its evictable pods are
// gone (else pods are lost); at most k old nodes are draining at any moment. Why each term holds:
//
// - L: a new instance is Ready launchToReadySeconds after its launch, and the launch comes after the
//   run starts, so no eviction happens before L. T: termination takes terminateSeconds, and it is
//   asked only after the node's last pod went away, so the run ends at least T after the last drain —
//   and, with the load balancers' deregistration wait on (as EKS keeps it), at least that wait later
//   again: the last node waits out its deregistration before it may be terminated.
// - d_n: an evicted pod leaves gracePeriodSeconds after its eviction, so node n is draining for at least
//   its largest g. Its pods of one PDB-covered workload are spaced out as in C_w (the argument below
//   holds for any subset of w's evictions).
// - Σ d_n / k: the drains all fall in [L, end − T] and at most k overlap, so that window is at least
//   Σ d_n / k long. max d_n: one drain fits in it.
// - C_w: a_w bounds how many of w's evictions can be outstanding (evicted, replacement not yet Ready):
//   healthy ≤ replicas − outstanding, an eviction needs healthy > desiredHealthy beforehand, and nothing
//   but the workload's controller adds replicas. A Deployment's replacement exists from the eviction on
//   and is Ready s0 after it lands on a Ready node; a StatefulSet's ordinal comes back only once the old
//   pod is gone (g_w), then starts (s0). So among w's R_w evictions, the (i + a_w)-th comes at least s_w
//   after the i-th: the last is ⌈R_w / a_w⌉ − 1 rounds after the first (which is after L) and then
//   takes g_w to leave. A PDB that allows nothing (a_w = 0), a bare pod (no replacement ever) or a
//   DaemonSet (never evicted) adds no chain; their pods still count in d_n.
//
// What it leaves out, so real runs are slower: API latency, the engine's polling, waiting for the
// whole surge rather than one node, replacements of one wave launching after the previous one, slow
// boots and launch failures (faults), and the dependence between the terms (the chains run inside the
// drains, not beside them). A run that force-deletes pods skips the Eviction API: its bound drops the
// PDB terms (forced deletions keep each pod's grace period, so d_n's largest g still holds).

export interface BoundTimings {
  launchToReadySeconds: number;
  podStartSeconds: number;
  terminateSeconds: number;
}

/** A PDB-covered workload whose evictions are spaced out (C_w above). */
export interface Chain {
  /** namespace/name, to say which chain limits the bound. */
  key: string;
  /** a_w: disruptions its PDB allows with every replica healthy (> 0). */
  allowed: number;
  /** s_w */
  spacing: number;
  /** g_w */
  grace: number;
}

/** An evictable pod on an old node (not a DaemonSet's, not a mirror, not already leaving). */
export interface OldPod {
  gracePeriodSeconds: number;
  /** The chain it belongs to, when its PDB allows evictions at all. */
  chain?: Chain;
}

/** What the bound needs from the world as it began; built once by oldWorldShape. */
export interface OldWorldShape {
  timings: BoundTimings;
  /** Σ d_n and max d_n, PDB spacing included. */
  drain: { total: number; longest: number };
  /** The same with each node's largest grace only (the PDB terms dropped). */
  graceOnly: { total: number; longest: number };
  /** The longest C_w and its workload (namespace/name). */
  chain: { seconds: number; workload?: string };
  /** How many old nodes it was read from. */
  nodes: number;
}

export interface LowerBound {
  seconds: number;
  launch: number;
  /** max(Σ d_n / k, max d_n, max C_w): the part that depends on the strategy's parallelism. */
  middle: number;
  /** Which term is the middle. */
  limitedBy: 'spread' | 'longest drain' | 'chain';
  /** The workload whose chain limits it. */
  chainWorkload?: string;
  terminate: number;
}

/** a_w and s_w of a workload: undefined when its PDB allows nothing (no chain binds it). */
export function chainOf(key: string, kind: string, allowed: number, gracePeriodSeconds: number, podStartSeconds: number): Chain | undefined {
  if (allowed <= 0 || (kind !== 'Deployment' && kind !== 'StatefulSet')) return undefined;
  return { key, allowed, spacing: podStartSeconds + (kind === 'StatefulSet' ? gracePeriodSeconds : 0), grace: gracePeriodSeconds };
}

export const chainSeconds = (c: Chain, pods: number) => (Math.ceil(pods / c.allowed) - 1) * c.spacing + c.grace;

/** Reads the old nodes' evictable pods (call it before anything moves). */
export function oldWorldShape(oldNodes: Iterable<Iterable<OldPod>>, timings: BoundTimings): OldWorldShape {
  const podsOnOld = new Map<Chain, number>();
  const drain = { total: 0, longest: 0 };
  const graceOnly = { total: 0, longest: 0 };
  let nodes = 0;
  for (const pods of oldNodes) {
    nodes++;
    let grace = 0;
    const here = new Map<Chain, number>();
    for (const p of pods) {
      grace = Math.max(grace, p.gracePeriodSeconds);
      if (p.chain) here.set(p.chain, (here.get(p.chain) ?? 0) + 1);
    }
    let d = grace;
    for (const [c, m] of here) {
      d = Math.max(d, chainSeconds(c, m));
      podsOnOld.set(c, (podsOnOld.get(c) ?? 0) + m);
    }
    drain.total += d;
    drain.longest = Math.max(drain.longest, d);
    graceOnly.total += grace;
    graceOnly.longest = Math.max(graceOnly.longest, grace);
  }
  const chain: OldWorldShape['chain'] = { seconds: 0 };
  for (const [c, r] of podsOnOld) {
    const s = chainSeconds(c, r);
    if (s > chain.seconds) Object.assign(chain, { seconds: s, workload: c.key });
  }
  return { timings, drain, graceOnly, chain, nodes };
}

/**
 * `forced`: the run deleted pods past their PDBs, so the PDB terms do not bind it.
 * `deregistrationWaitSeconds`: the wait between a node's cordon and its termination (0 by default).
 */
export function lowerBound(shape: OldWorldShape, opts: { maxUnavailable: number; forced?: boolean; deregistrationWaitSeconds?: number }): LowerBound {
  const k = Math.max(1, opts.maxUnavailable);
  const drain = opts.forced ? shape.graceOnly : shape.drain;
  const chain = opts.forced ? { seconds: 0 } : shape.chain;
  const terms = [
    { limitedBy: 'spread', seconds: drain.total / k },
    { limitedBy: 'longest drain', seconds: drain.longest },
    { limitedBy: 'chain', seconds: chain.seconds },
  ] as const;
  const top = terms.reduce((a, b) => (b.seconds > a.seconds ? b : a));
  const launch = shape.timings.launchToReadySeconds;
  const terminate = shape.timings.terminateSeconds + (opts.deregistrationWaitSeconds ?? 0);
  return {
    seconds: launch + top.seconds + terminate,
    launch,
    middle: top.seconds,
    limitedBy: top.limitedBy,
    ...(top.limitedBy === 'chain' && chain.workload ? { chainWorkload: chain.workload } : {}),
    terminate,
  };
}
