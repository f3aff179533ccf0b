// The health gate in words, for every front end: what the plan will do, what a stop found, how it
// went. Durations are formatted by the caller (Slack and the CLI each their own way).
import { pick, plural } from './plural.js';
import type { GateOutcome, GatePlan, GateReport, UnhealthyPod } from './run.js';

type Duration = (ms: number) => string;

/** "canary: the first node drained; its pods must run Ready on new nodes, then 5m of baking…" */
export function gatePlanText(gate: GatePlan | undefined, o: { maxUnavailable: number; nodes: number }, duration: Duration): string {
  if (!gate) return 'none: EKS replaces the nodes itself and cannot be held between them';
  const notBlamed =
    gate.unhealthyBefore.total > 0
      ? `. ${plural(gate.unhealthyBefore.total, 'pod')} already unhealthy before the run ${pick(gate.unhealthyBefore.total, 'is', 'are')} not blamed on the new image`
      : '';
  if (o.nodes <= o.maxUnavailable) return `every old node drains at once, so no drain follows another for a gate to hold back (no canary, no bake)${notBlamed}`;
  const canary = o.maxUnavailable === 1 ? 'the first node drained is the canary' : `the first ${o.maxUnavailable} nodes drained are the canary`;
  const its = o.maxUnavailable === 1 ? 'its' : 'their';
  const bake =
    gate.bakeMs > 0
      ? `the next drain waits until ${its} pods run Ready on new nodes and ${duration(gate.bakeMs)} of baking pass`
      : `the next drain waits until ${its} pods run Ready on new nodes (no bake)`;
  return (
    `${canary}; ${bake}. Before every drain after it, pods on new nodes crash-looping, restarting more than ${plural(gate.restartThreshold, 'time')}` +
    ` or not Ready for 5 minutes, or new nodes NotReady, stop the run and ask: continue, roll back or abort${notBlamed}`
  );
}

/** "shop/web-5d8f-abcde on ip-10-0-1-2…: CrashLoopBackOff, last OOMKilled (exit code 137), 4 restarts" */
export function unhealthyPodText(p: UnhealthyPod): string {
  const why: string[] = [];
  for (const c of p.containers) {
    const parts = [c.waiting, c.terminated ? `last ${c.terminated.reason ?? 'terminated'} (exit code ${c.terminated.exitCode})` : undefined].filter(Boolean);
    if (parts.length) why.push(p.containers.length > 1 ? `${c.name}: ${parts.join(', ')}` : parts.join(', '));
  }
  if (why.length === 0) why.push(p.notReadyForMs !== undefined ? `not Ready for ${Math.round(p.notReadyForMs / 60_000)} min` : p.ready ? 'Ready' : 'not Ready');
  return `${p.pod} on ${p.node}: ${why.join('; ')}, ${plural(p.restarts, 'restart')}`;
}

/** The stop's headline: what failed, after what. */
export function gateStopText(r: GateReport): string {
  const after = r.stage === 'canary' ? `after the canary (${r.canary.join(', ')})` : 'before the next drain';
  const pods = r.pods.length + (r.morePods ?? 0);
  const nodes = r.nodes.length + (r.moreNodes ?? 0);
  const what = [
    ...(pods ? [`${plural(pods, 'pod')} failing on new nodes`] : []),
    ...(nodes ? [`${plural(nodes, 'new node')} NotReady (${r.nodes.slice(0, 5).join(', ')}${nodes > 5 ? ', …' : ''})`] : []),
  ].join(' and ');
  return `The health gate stopped the upgrade ${after}: ${what}. No further node is drained until someone decides`;
}

/** Failing pods of workloads that were unhealthy before the run: named, not blamed. */
export function notBlamedText(r: GateReport): string | undefined {
  if (r.notBlamed.length === 0) return undefined;
  const shown = r.notBlamed.slice(0, 5).join(', ') + (r.notBlamed.length > 5 ? ` and ${r.notBlamed.length - 5} more` : '');
  return `Also failing, but already unhealthy before the run and not blamed on the new image: ${shown}`;
}

/** How the gate went, for the summary. */
export function gateOutcomeText(g: GateOutcome, duration: Duration): string {
  // Counted, not named: which node was the canary is the run's draw, and the thread named it when it mattered.
  const canary = g.canary.length ? `a canary of ${plural(g.canary.length, 'node')}` : undefined;
  const bake = g.bakeMs > 0 ? `${duration(g.bakeMs)} bake` : 'no bake';
  const watched = g.watched.nodes > 0 ? `${plural(g.watched.pods, 'pod')} on ${plural(g.watched.nodes, 'new node')} ${g.result === 'stopped' ? 'when it stopped the run' : 'at the end'}` : undefined;
  const stops = g.stops > 0 ? `; stopped the run ${pick(g.stops, 'once', `${g.stops} times`)}` : '';
  const result: Record<GateOutcome['result'], string> = {
    passed: 'passed',
    continued: 'a person carried on past what it found',
    stopped: g.rollbackBy ? `the run stopped there: ${g.rollbackBy} asked for a rollback` : 'the run stopped there',
    'not-reached': g.canary.length ? 'the run ended before the canary had baked' : 'the run ended before a canary was drained',
  };
  return `${result[g.result]} (${[canary, bake, watched].filter(Boolean).join(', ')}${stops})`;
}
