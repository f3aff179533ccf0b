// Strategy eks: turns DescribeUpdate's errors into a message a person can act on. EKS says which
// nodes a PodEvictionFailure concerns but not which pods or PodDisruptionBudgets held them: mngbot
// looks those up in the cluster and names them.
import { describeBlockers, podsToMove } from '../drain.js';
import type { NextStepFacts } from '../outcomes.js';
import type { UpdateInfo } from '../ports.js';
import type { StepContext } from '../step-context.js';
import { EKS_EVICTION_LIMIT_MS, formatBlockers } from './eks-node-observer.js';

type UpdateError = UpdateInfo['errors'][number];

/** What to look at for the errors EKS reports most; others are shown as EKS words them. */
const HINTS: Record<string, string> = {
  NodeCreationFailure:
    'the new nodes did not become Ready: check the Auto Scaling activities, the subnets’ free addresses, the node IAM role and the image',
  AsgInstanceLaunchFailures: 'the Auto Scaling group could not launch instances: check its activities and the instance type’s capacity',
  InsufficientFreeAddresses: 'the node group’s subnets have no free IP addresses left for the surge',
  Ec2LaunchTemplateVersionMismatch:
    'the Auto Scaling group no longer uses the launch template version EKS expects: it was changed outside EKS; point it back and run the upgrade again',
  AccessDenied: 'EKS’s service-linked role or the node role lacks a permission',
};

const LAUNCH_CODES = new Set(['NodeCreationFailure', 'AsgInstanceLaunchFailures', 'InsufficientFreeAddresses']);

/**
 * The run's failure message for an update EKS ended without success, and what to do next when that
 * means asking again. Marks the nodes a PodEvictionFailure names as failed, with what is still on them.
 */
export async function describeUpdateFailure(ctx: StepContext, update: UpdateInfo): Promise<{ message: string; next?: NextStepFacts }> {
  const parts: string[] = [];
  for (const e of update.errors) {
    if (e.code === 'PodEvictionFailure') parts.push(await podEvictionFailure(ctx, e));
    else if (LAUNCH_CODES.has(e.code)) parts.push(await launchFailure(ctx, e));
    else parts.push(plain(e));
  }
  if (parts.length === 0) parts.push('EKS gives no reason');
  const how = update.status === 'Cancelled' ? 'was cancelled' : 'failed';
  const message = `EKS update ${update.id} ${how}: ${parts.join('; ')}`;
  // A forced run had EKS delete what it could not evict already: asking again the same way is no remedy.
  const evictions = update.errors.some((e) => e.code === 'PodEvictionFailure') && !ctx.run.plan.force;
  return evictions ? { message, next: { code: 'eks-eviction-retry', fields: { minutes: Math.round(EKS_EVICTION_LIMIT_MS / 60_000) } } } : { message };
}

function plain(e: UpdateError): string {
  const ids = e.resourceIds.length ? ` (${e.resourceIds.slice(0, 10).join(', ')})` : '';
  const hint = HINTS[e.code] ? `. ${capitalise(HINTS[e.code])}` : '';
  return `${e.code}: ${stripDot(e.message)}${ids}${hint}`;
}

async function launchFailure(ctx: StepContext, e: UpdateError): Promise<string> {
  const { run } = ctx;
  const since = run.eks?.requestedAt ?? run.startedAt ?? 0;
  const failed = (await ctx.nodeGroups.listScalingActivities(run.ref, since)).filter((a) => a.status === 'Failed');
  // A group retrying a launch repeats the same failure: each distinct one once, with how often.
  const counts = new Map<string, number>();
  for (const a of failed) counts.set(a.description, (counts.get(a.description) ?? 0) + 1);
  const shown = [...counts].slice(-3).map(([d, n]) => (n > 1 ? `${stripDot(d)} (${n} times)` : stripDot(d)));
  const asg = shown.length ? `. The Auto Scaling group reports: ${shown.join('; ')}` : '';
  return `${plain(e)}${asg}`;
}

async function podEvictionFailure(ctx: StepContext, e: UpdateError): Promise<string> {
  const { run } = ctx;
  // EKS names the nodes; when it does not, the nodes mngbot saw it draining are the ones.
  const named = e.resourceIds.filter((id) => run.nodes.some((r) => r.name === id || r.instanceId === id));
  const draining = named.length
    ? run.nodes.filter((r) => named.includes(r.name) || named.includes(r.instanceId))
    : run.nodes.filter((r) => r.state === 'evicting');
  const held: string[] = [];
  for (const rec of draining) {
    const remaining = podsToMove(ctx, rec.name);
    const blockers = await describeBlockers(ctx, remaining);
    const what = blockers.length ? formatBlockers(blockers) : 'no pod any more';
    held.push(`${rec.name} still runs ${what}`);
    if (rec.state !== 'terminating' && rec.state !== 'terminated' && rec.state !== 'failed' && rec.state !== 'skipped') {
      rec.note = `EKS could not drain it: ${blockers.length ? formatBlockers(blockers, 5) : 'see the update errors'}`;
      ctx.setNodeState(rec, 'failed', `${rec.name}: ${rec.note}`);
    }
  }
  const where = held.length ? `. ${held.join('; ')}` : e.resourceIds.length ? ` (${e.resourceIds.join(', ')})` : '';
  return `PodEvictionFailure: ${stripDot(e.message)}${where}`;
}

const stripDot = (s: string) => s.replace(/\.\s*$/, '');
const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
