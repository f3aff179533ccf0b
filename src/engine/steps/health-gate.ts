// The health gate. The first old nodes drained are the canary: once their pods run Ready on new nodes,
// the run bakes (plan.gate.bakeMs) before the next drain starts, and afterwards it looks again before
// every later drain. New nodes NotReady, or pods on new nodes crash-looping, restarting past the
// threshold or not Ready for long, stop the run before its next drain with a question (Continue, Roll
// back, Abort); nodes already in flight finish meanwhile. Pods of workloads that were unhealthy on the
// old nodes before the run (recorded in the plan) are named but not blamed on the new image.
import { formatDuration } from '../duration.js';
import { unhealthyPodText } from '../gate-text.js';
import { plural } from '../plural.js';
import { cannotRun, healthKey, POD_READY_TIMEOUT_MS } from '../pod-health.js';
import type { PodInfo } from '../ports.js';
import { HEALTH_GATE, MAX_GATE_NAMES, type Actor, type DecisionChoice, type GateOutcome, type GateReport, type GateState, type Run, type UnhealthyPod } from '../run.js';
import type { StepContext, StepResult } from '../step-context.js';
import { failRun } from './fail-run.js';
import { stayingNewNode } from './new-nodes.js';

export interface GateHold {
  /** No old node may start draining now. */
  hold: boolean;
  waitMs: number;
  reason: string;
  /** Held while the canary drains: look again as soon as it has drained. */
  canaryDraining?: boolean;
}

const OPEN: GateHold = { hold: false, waitMs: Infinity, reason: '' };

/** Since when each pod (uid) on a new node was seen not Ready: kept with the run object, as a resumed run starts afresh. */
const notReadySince = new WeakMap<Run, Map<string, number>>();

/**
 * Whether the next drain may start. Called by the replace step on every step (`starting` false: the
 * canary's bake goes on, the watch does not look), and again when a drain is about to start; stops the
 * run (needs-decision) when the gate finds something failing.
 */
export function gateHold(ctx: StepContext, starting: boolean): GateHold {
  const { run } = ctx;
  const plan = run.plan.gate;
  if (!plan || run.cleanupReason || run.phase !== 'replace') return OPEN;
  if (!run.gate) {
    run.gate = { canary: [], accepted: [], stops: 0 };
    ctx.touch();
  }
  const state = run.gate;
  if (run.decision) return { hold: true, waitMs: Infinity, reason: run.decision.node === HEALTH_GATE ? 'waiting for a decision at the health gate' : '' };
  if (state.passedAt === undefined) return canary(ctx, state);
  if (!starting) return OPEN;
  const seen = inspect(ctx, state);
  if (seen.report.nodes.length > 0 || seen.report.pods.length > 0) return stop(ctx, state, seen.report);
  return OPEN;
}

function canary(ctx: StepContext, state: GateState): GateHold {
  const { run } = ctx;
  const plan = run.plan.gate!;
  const started = run.nodes.filter((r) => r.role === 'old' && r.at.evicting !== undefined);
  if (started.length === 0) return OPEN;
  if (state.canary.length === 0) {
    state.canary = started.map((r) => r.name);
    const its = state.canary.length === 1 ? 'its' : 'their';
    ctx.emit({ kind: 'gate', stage: 'canary', detail: `canary: ${state.canary.join(', ')}; the next drain waits until ${its} pods run Ready on new nodes${plan.bakeMs > 0 ? ` and ${formatDuration(plan.bakeMs)} of baking` : ''}` });
  }
  // Nothing after the canary (the plan said so, and the estimate has no bake for it): nothing to hold back.
  if (run.nodes.length <= run.plan.maxUnavailable || !run.nodes.some((r) => r.role === 'old' && (r.state === 'tainted' || r.state === 'waiting'))) return pass(ctx, state);
  const draining = run.nodes.filter((r) => state.canary.includes(r.name) && r.state === 'evicting');
  if (draining.length > 0) return { hold: true, waitMs: Infinity, reason: `health gate: the canary (${draining.map((r) => r.name).join(', ')}) is draining`, canaryDraining: true };
  const seen = inspect(ctx, state);
  if (seen.report.nodes.length > 0 || seen.report.pods.length > 0) return stop(ctx, state, { ...seen.report, stage: 'canary' });
  // Pods still starting hold the bake's start, not a bake under way: new nodes keep joining (the
  // canary's replacements), and their pods start as they do.
  if (state.readyAt === undefined && seen.startingUntil !== undefined) {
    return { hold: true, waitMs: Math.max(0, seen.startingUntil - ctx.now), reason: `health gate: waiting for ${plural(seen.starting, 'pod')} on new nodes to be Ready` };
  }
  if (state.readyAt === undefined) {
    state.readyAt = ctx.now;
    ctx.touch();
    if (plan.bakeMs > 0) {
      ctx.emit({ kind: 'gate', stage: 'baking', detail: `the canary's pods run Ready on new nodes (${plural(watchedNow(ctx).pods, 'pod')}); baking ${formatDuration(plan.bakeMs)} before the next drain` });
    }
  }
  const bakedAt = state.readyAt + plan.bakeMs;
  if (ctx.now < bakedAt) return { hold: true, waitMs: bakedAt - ctx.now, reason: `health gate: baking the canary until ${formatDuration(bakedAt - ctx.now)} from now` };
  return pass(ctx, state, watchedNow(ctx).pods);
}

function pass(ctx: StepContext, state: GateState, watched?: number): GateHold {
  state.passedAt = ctx.now;
  ctx.touch();
  const bake = ctx.run.plan.gate!.bakeMs;
  ctx.emit({
    kind: 'gate',
    stage: 'passed',
    detail:
      watched === undefined
        ? 'health gate: no drain after the canary; it watches no further'
        : `health gate passed: ${plural(watched, 'pod')} on new nodes healthy${bake > 0 ? ` through ${formatDuration(bake)} of baking` : ''}; carrying on, and watching before every drain`,
  });
  return OPEN;
}

function stop(ctx: StepContext, state: GateState, report: GateReport): GateHold {
  const { run } = ctx;
  state.stops++;
  state.watched = watchedNow(ctx);
  run.status = 'needs-decision';
  run.decision = { node: HEALTH_GATE, since: ctx.now, blockers: [], gate: report };
  ctx.touch();
  const what = [
    ...(report.nodes.length ? [`${plural(report.nodes.length, 'new node')} NotReady (${report.nodes.slice(0, 5).join(', ')})`] : []),
    ...(report.pods.length ? [`${plural(report.pods.length, 'pod')} failing on new nodes: ${report.pods.slice(0, 5).map(unhealthyPodText).join('; ')}`] : []),
  ].join('; ');
  ctx.emit({ kind: 'gate', stage: 'stopped', report, detail: `health gate stopped the run before the next drain: ${what}: continue, roll back, or abort` });
  ctx.emit({ kind: 'status', status: 'needs-decision', detail: 'waiting for a decision at the health gate' });
  return { hold: true, waitMs: Infinity, reason: 'waiting for a decision at the health gate' };
}

interface Inspection {
  report: GateReport;
  /** Every failing pod and NotReady new node, named or only counted in the report. */
  all: { pods: string[]; nodes: string[] };
  /** Pods not Ready yet, still within the time a pod may take to start; and when the first of them runs out of it. */
  starting: number;
  startingUntil?: number;
}

/**
 * The failing pods on the run's new nodes, and the new nodes NotReady, as the watch shows them now.
 * It looks at what the view keeps apart as unwell (pods not Ready, restarted or in trouble; nodes not
 * Ready), so a look before every drain costs what is failing, not the group's size.
 */
function inspect(ctx: StepContext, state: GateState): Inspection {
  const { run, view } = ctx;
  const plan = run.plan.gate!;
  const accepted = new Set(state.accepted);
  const before = new Set(plan.unhealthyBefore.workloads);
  let since = notReadySince.get(run);
  if (!since) notReadySince.set(run, (since = new Map()));
  const report: GateReport = { stage: 'watch', nodes: [], pods: [], notBlamed: [], canary: [...state.canary] };
  let starting = 0;
  let startingUntil: number | undefined;
  const seen = new Set<string>();
  for (const node of view.notReadyNodes()) {
    if (stayingNewNode(ctx, node.instanceId)?.state === 'ready' && !accepted.has(node.name)) report.nodes.push(node.name);
  }
  for (const p of view.unwellPods()) {
    if (p.terminating || p.nodeName === undefined) continue;
    const node = view.node(p.nodeName);
    if (!node || !stayingNewNode(ctx, node.instanceId)) continue;
    seen.add(p.uid);
    const failing = failingPod(ctx, p, plan.restartThreshold, since);
    if (failing === 'starting') {
      starting++;
      const until = since.get(p.uid)! + POD_READY_TIMEOUT_MS;
      startingUntil = Math.min(startingUntil ?? until, until);
      continue;
    }
    if (!failing) continue;
    const key = `${p.namespace}/${p.name}`;
    if (before.has(healthKey(p))) report.notBlamed.push(key);
    else if (!accepted.has(key)) report.pods.push(failing);
  }
  for (const uid of since.keys()) if (!seen.has(uid)) since.delete(uid);
  const all = { pods: report.pods.map((p) => p.pod), nodes: [...report.nodes] };
  if (report.pods.length > MAX_GATE_NAMES) [report.pods, report.morePods] = [report.pods.slice(0, MAX_GATE_NAMES), report.pods.length - MAX_GATE_NAMES];
  if (report.nodes.length > MAX_GATE_NAMES) [report.nodes, report.moreNodes] = [report.nodes.slice(0, MAX_GATE_NAMES), report.nodes.length - MAX_GATE_NAMES];
  report.notBlamed = report.notBlamed.slice(0, MAX_GATE_NAMES);
  return { report, all, starting, ...(startingUntil !== undefined ? { startingUntil } : {}) };
}

/** Pods on the run's new nodes that stay, and those nodes, now: a pass over the new nodes, for messages, not for every look. */
function watchedNow(ctx: StepContext): { pods: number; nodes: number } {
  let pods = 0;
  let nodes = 0;
  for (const rec of ctx.run.newNodes) {
    if (!rec.name || !stayingNewNode(ctx, rec.instanceId) || !ctx.view.node(rec.name)) continue;
    nodes++;
    pods += ctx.view.podCountOn(rec.name);
  }
  return { pods, nodes };
}

function failingPod(ctx: StepContext, p: PodInfo, restartThreshold: number, since: Map<string, number>): UnhealthyPod | 'starting' | undefined {
  if (p.ready && p.troubled === undefined && (p.restarts ?? 0) <= restartThreshold) return undefined;
  const restarts = p.restarts ?? 0;
  const base = { pod: `${p.namespace}/${p.name}`, node: p.nodeName ?? '', ready: p.ready, restarts, containers: (p.troubled ?? []).map((c) => ({ ...c })) };
  if (cannotRun(p) || restarts > restartThreshold) return base;
  if (p.ready) return undefined;
  let first = since.get(p.uid);
  if (first === undefined) since.set(p.uid, (first = ctx.now));
  const notReadyForMs = ctx.now - first;
  return notReadyForMs >= POD_READY_TIMEOUT_MS ? { ...base, notReadyForMs } : 'starting';
}

/** A person's answer to the gate's question; the caller has checked it is one of GATE_CHOICES. */
export function gateDecided(ctx: StepContext, choice: DecisionChoice, by: Actor): StepResult | undefined {
  const { run } = ctx;
  const state = (run.gate ??= { canary: [], accepted: [], stops: 0 });
  ctx.emit({ kind: 'decision', node: HEALTH_GATE, choice, by: by.user, detail: `${by.user} chose ${choice} at the health gate` });
  if (choice === 'abort' || choice === 'rollback') state.endedBy = by.user;
  if (choice === 'abort') return failRun(ctx, `aborted by ${by.user} at the health gate`, 'aborted');
  if (choice === 'rollback') {
    state.rollbackBy = by.user;
    return failRun(ctx, `stopped at the health gate: ${by.user} asked for a rollback`, 'aborted');
  }
  // Everything failing now, named in the question or only counted: none of it is asked about again.
  if (run.plan.gate) {
    const { all } = inspect(ctx, state);
    state.accepted.push(...all.nodes, ...all.pods);
  }
  if (state.passedAt === undefined) state.passedAt = ctx.now;
  state.continuedBy = by.user;
  if (run.decision?.node === HEALTH_GATE) {
    run.decision = undefined;
    run.status = 'running';
  }
  ctx.touch();
  ctx.emit({ kind: 'status', status: 'running', detail: `carrying on past the health gate, as ${by.user} decided; still watching before every drain` });
  return undefined;
}

/** The gate as the run ended: for the summary. Undefined for a run planned without one. */
export function gateOutcome(ctx: StepContext): GateOutcome | undefined {
  const { run } = ctx;
  const plan = run.plan.gate;
  if (!plan) return undefined;
  const state = run.gate;
  const stopped = state?.endedBy !== undefined;
  const watched = stopped && state?.watched ? { ...state.watched } : watchedNow(ctx);
  const result: GateOutcome['result'] = stopped ? 'stopped' : state?.continuedBy !== undefined ? 'continued' : state?.passedAt !== undefined ? 'passed' : 'not-reached';
  return { bakeMs: plan.bakeMs, canary: [...(state?.canary ?? [])], result, watched, stops: state?.stops ?? 0, ...(state?.rollbackBy ? { rollbackBy: state.rollbackBy } : {}) };
}
