// What the CLI prints: the plan, the report of a run, and what a run left changed, as text.
import { formatDuration } from '../engine/duration.js';
import { blockingFindings } from '../engine/plan.js';
import { estimateNote } from '../engine/estimate.js';
import { gateOutcomeText, gatePlanText } from '../engine/gate-text.js';
import type { Sizes } from '../engine/ports.js';
import type { Finding, Plan, Run, UpgradeRequest } from '../engine/run.js';
import type { RunReport } from '../app/run-report.js';
import { PlanRefusedError } from '../engine/commands.js';
import { rollbackLines } from './rollback-lines.js';
import { findingWords, likeEksWords, refusalWords, surgeReasonWords } from './words.js';

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const sizesText = (s: Sizes) => `${s.min}/${s.max}/${s.desired}`;

const SEVERITY: Record<Finding['severity'], string> = { block: 'BLOCKS', warn: 'warning', info: 'info' };

/** The plan for a terminal: what the Slack plan message shows, as text. */
export function planText(plan: Plan): string {
  const { cluster, nodegroup } = plan.ref;
  const pods = plan.nodes.reduce((n, x) => n + x.pods, 0);
  const byAz = new Map<string, number>();
  for (const n of plan.nodes) byAz.set(n.az, (byAz.get(n.az) ?? 0) + 1);
  const lines = [
    plan.rollback
      ? `Roll back ${cluster}/${nodegroup}: ${plan.rollback.from.release} → ${plan.toRelease} (run ${plan.rollback.runId}; version ${plan.fromVersion} → ${plan.toVersion})`
      : `Upgrade ${cluster}/${nodegroup}: ${plan.fromVersion} → ${plan.toVersion} (AMI release ${plan.fromRelease} → ${plan.toRelease})`,
    `  cluster          ${cluster}, control plane ${plan.clusterVersion}`,
    `  node group       ${nodegroup}, ${plan.managed ? 'EKS managed' : 'self-managed'}, ${plan.amiType}, min/max/desired ${sizesText(plan.sizes)}`,
    `  strategy         ${plan.strategy === 'eks' ? 'eks (EKS replaces the nodes, mngbot watches)' : 'rolling (mngbot replaces the nodes)'}`,
    `  surge            ${plural(plan.surge, 'new node')}: ${surgeReasonWords(plan.surgeReason)}`,
    `  maxUnavailable   ${plan.maxUnavailable}`,
    `  drain timeout    ${formatDuration(plan.drainTimeoutMs)}${plan.force ? ', then force (--force)' : ', then ask'}`,
    ...(plan.gate ? [`  health gate      ${gatePlanText(plan.gate, { maxUnavailable: plan.maxUnavailable, nodes: plan.nodes.length }, formatDuration)}`] : []),
    `  estimated        about ${formatDuration(plan.estimatedMs)}${estimateNote(plan, formatDuration)}`,
    '',
    ...rollbackLines(plan),
    ...likeEksLines(plan),
    `Nodes to replace: ${plan.nodes.length} (${plural(pods, 'pod')} to move${byAz.size ? `; ${[...byAz].map(([az, n]) => `${az} ${n}`).join(', ')}` : ''})`,
  ];
  if (plan.nodes.length === 0) lines.push('  none: nothing runs on the old image');
  const width = Math.max(0, ...plan.nodes.map((n) => n.name.length));
  for (const n of plan.nodes) {
    lines.push(`  ${n.name.padEnd(width)}  ${n.az.padEnd(11)}  ${n.instanceId.padEnd(19)}  ${n.version.padEnd(5)}  ${String(n.pods).padStart(3)} pods`);
  }
  lines.push('');
  if (plan.findings.length === 0) {
    lines.push('Preflight: no findings.');
  } else {
    const order = { block: 0, warn: 1, info: 2 } as const;
    lines.push(`Preflight findings (${plan.findings.length}):`);
    for (const f of [...plan.findings].sort((a, b) => order[a.severity] - order[b.severity])) {
      lines.push(`  ${SEVERITY[f.severity].padEnd(7)}  ${findingWords(f)} (${f.code})`);
    }
  }
  return lines.join('\n');
}

function likeEksLines(plan: Plan): string[] {
  const words = likeEksWords(plan);
  return words ? [words.same, words.different, ''] : [];
}

/** What a run that did not succeed left changed, in words; and how the health gate went. */
export function changesText(run: Run): string[] {
  const changes = run.outcome?.changes ?? [];
  const gate = run.outcome?.gate ? [`Health gate: ${gateOutcomeText(run.outcome.gate, formatDuration)}`] : [];
  if (run.status === 'succeeded') return gate;
  return [...changesOnly(run, changes), ...gate];
}

function changesOnly(run: Run, changes: string[]): string[] {
  if (changes.length === 0) return [`${run.outcome?.summary ?? run.status}`, 'Nothing it changed stayed changed.'];
  return [run.outcome?.summary ?? run.status, 'What stayed changed:', ...changes.map((c) => `  - ${c}`)];
}

export function runReportText(r: RunReport): string {
  const sizes = (s: Sizes) => `min ${s.min} max ${s.max} desired ${s.desired}`;
  return [
    `status ${r.status} (${r.strategy}): ${r.nodes.replaced} of ${r.nodes.old} nodes replaced, ${r.nodes.skipped} skipped, ${r.nodes.failed} failed; surge ${r.surge}`,
    `asg before ${sizes(r.asg.before)}, after ${r.asg.after ? sizes(r.asg.after) : 'unknown (could not read the group)'}`,
    `pods evicted ${r.podsEvicted}, forced deletions ${r.forcedDeletions}, API errors ${r.apiErrors}; took ${formatDuration(r.makespanSeconds * 1000)}`,
  ].join('\n');
}

/** Why a plan cannot be approved, and what to do. */
export function refusal(plan: Plan): string {
  const blockers = blockingFindings(plan);
  const { hint } = refusalWords(new PlanRefusedError(plan));
  return `this upgrade cannot be approved: ${blockers.map((f) => `${findingWords(f)} (${f.code})`).join('; ')}\n${hint}`;
}

/** The command line that asks for the same upgrade. */
export function describeTarget(r: UpgradeRequest): string {
  return [
    `--cluster ${r.ref.cluster} --nodegroup ${r.ref.nodegroup} --to ${r.version}`,
    r.releaseVersion ? `--release-version ${r.releaseVersion}` : '',
    r.strategy ? `--strategy ${r.strategy}` : '',
    r.maxUnavailable ? `--max-unavailable ${r.maxUnavailable}` : '',
    r.surge ? `--surge ${r.surge}` : '',
    r.drainTimeoutMs ? `--drain-timeout ${Math.round(r.drainTimeoutMs / 1000)}s` : '',
    r.bakeMs === 0 ? '--no-bake' : r.bakeMs !== undefined ? `--bake ${Math.round(r.bakeMs / 1000)}s` : '',
    r.force ? '--force' : '',
  ]
    .filter(Boolean)
    .join(' ');
}
