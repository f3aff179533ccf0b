// Strategy eks: how a run ends when it does not succeed. Unlike rolling's cleanup it puts nothing back:
// a managed group's Auto Scaling group and launch template belong to EKS (editing them makes EKS report
// Ec2LaunchTemplateVersionMismatch), and the taints are EKS's own. It waits for instances already
// terminating, then says exactly what EKS left and how to finish.
import type { Sizes } from '../ports.js';
import { pick, plural } from '../plural.js';
import { NEUTRAL_WORDS, nextStepText } from '../outcome-text.js';
import { hasNodegroupTaint, NODEGROUP_TAINT_KEY } from '../cluster-view.js';
import { SCALE_DOWN_DISABLED, type StepContext, type StepResult } from '../step-context.js';
import { lookAtInstances } from './eks-follow-update.js';
import { isSettledRecord, observeNodes } from './eks-node-observer.js';
import { restoreUpdateStrategy } from './eks-update-strategy.js';
import { endRun, ranFor, replacedText } from './finish.js';
import { sentence } from '../sentence.js';
import { EXCLUDE_LB_LABEL, isExcludedFromLb } from './taint-nodes.js';

export async function eksCleanup(ctx: StepContext): Promise<StepResult> {
  const { run } = ctx;
  const reason = run.cleanupReason!;
  if (run.requests.cancel || run.requests.decision || run.requests.pause) {
    delete run.requests.cancel;
    delete run.requests.decision;
    delete run.requests.pause;
    ctx.touch();
  }
  const eks = run.eks;
  const ended = eks?.status === 'Failed' || eks?.status === 'Cancelled';
  if (ended) {
    // EKS stopped, but terminations it had sent go on: the replaced nodes are counted once gone.
    const instances = await lookAtInstances(ctx, 'settle');
    await observeNodes(ctx, instances);
    if (run.nodes.some((r) => r.state === 'terminating')) {
      return { wait: ctx.settings.instancePollMs, reason: `EKS update ${eks!.updateId} ended; waiting for the instances it was terminating` };
    }
  }

  for (const rec of run.nodes) {
    if (isSettledRecord(rec)) continue;
    rec.note = `left on ${rec.role === 'old' ? run.plan.fromRelease : 'the group'}: ${eks?.updateId ? 'EKS stopped before it got to it' : 'the update never started'}`;
    ctx.setNodeState(rec, 'skipped', `${rec.name}: ${rec.note}`);
  }

  const strategyLeft = await restoreUpdateStrategy(ctx);
  const { changes, sizes } = eks?.requestedAt ? await whatEksLeft(ctx, ended) : { changes: ['nothing was changed: EKS did not start an update'], sizes: undefined };
  if (strategyLeft) changes.push(strategyLeft);
  await clearOurAnnotations(ctx);
  const next = reason.next ? ` ${nextStepText(reason.next, NEUTRAL_WORDS)}` : '';
  return endRun(ctx, reason.status, `${capitalise(reason.status)}${ranFor(ctx)}: ${sentence(reason.message)}${next}`, changes, reason.next, sizes);
}

async function whatEksLeft(ctx: StepContext, ended: boolean): Promise<{ changes: string[]; sizes?: Sizes }> {
  const { run } = ctx;
  const eks = run.eks!;
  const changes: string[] = [];
  if (!eks.updateId) {
    // Asked, but the answer never came: the group's status says whether an update runs.
    const g = await ctx.nodeGroups.describeNodegroup(run.ref);
    changes.push(
      g.status === 'UPDATING'
        ? `EKS is updating ${run.ref.nodegroup} (asked with token ${run.id}, but the answer never reached mngbot): see aws eks list-updates --name ${run.ref.cluster} --nodegroup-name ${run.ref.nodegroup}`
        : `EKS was asked to update ${run.ref.nodegroup} but no update is running (status ${g.status})`,
    );
    return { changes };
  }
  if (!ended) {
    changes.push(
      `EKS update ${eks.updateId} carries on without mngbot: follow it with aws eks describe-update --name ${run.ref.cluster} --nodegroup-name ${run.ref.nodegroup} --update-id ${eks.updateId}`,
    );
  }
  const replaced = run.nodes.filter((n) => n.role === 'old' && n.state === 'terminated').length;
  if (replaced) changes.push(replacedText(ctx, replaced));
  const left = run.nodes.filter((n) => n.role === 'old' && n.state !== 'terminated');
  if (left.length) {
    const tainted = left.filter((n) => {
      const node = ctx.view.node(n.name);
      return node && hasNodegroupTaint(node);
    });
    const cordoned = left.filter((n) => ctx.view.node(n.name)?.unschedulable && !n.wasCordoned);
    // Out of the load balancers' targets until someone takes the label off, or EKS replaces them.
    const excluded = left.filter((n) => {
      const node = ctx.view.node(n.name);
      return node && isExcludedFromLb(node);
    });
    changes.push(
      `${plural(left.length, 'node')} still ${pick(left.length, 'runs', 'run')} ${run.plan.fromRelease}: ${names(left.map((n) => n.name))}` +
        (tainted.length ? `; EKS left ${tainted.length} of them tainted ${NODEGROUP_TAINT_KEY}=unschedulable:NoSchedule` : '') +
        (excluded.length ? `; EKS left ${excluded.length} of them labelled ${EXCLUDE_LB_LABEL}, out of external load balancers` : '') +
        (cordoned.length ? `; EKS left ${names(cordoned.map((n) => n.name))} cordoned` : '') +
        (ended ? '. Run the upgrade again to finish: EKS replaces what is left' : ''),
    );
  }
  for (const n of run.nodes.filter((x) => x.state === 'failed')) changes.push(`${n.name}: ${n.note ?? 'failed'}`);
  const o = run.original?.sizes;
  const g = await ctx.nodeGroups.describeNodegroup(run.ref);
  if (o && (g.sizes.min !== o.min || g.sizes.max !== o.max || g.sizes.desired !== o.desired)) {
    changes.push(
      `EKS left ${run.ref.nodegroup} at min/max/desired ${g.sizes.min}/${g.sizes.max}/${g.sizes.desired} (recorded ${o.min}/${o.max}/${o.desired}); ` +
        `the next update scales it back, or set the sizes with aws eks update-nodegroup-config`,
    );
  }
  return { changes, sizes: g.sizes };
}

/** Takes back the scale-down-disabled annotation trackNewNodes put on the new nodes. */
async function clearOurAnnotations(ctx: StepContext): Promise<void> {
  const ours = new Set(ctx.run.newNodes.map((n) => n.instanceId));
  for (const node of ctx.view.allNodes()) {
    if (ours.has(node.instanceId) && node.annotations[SCALE_DOWN_DISABLED] === 'true') {
      await ctx.cluster.patchNode(node.name, { annotations: { [SCALE_DOWN_DISABLED]: null } });
    }
  }
}

function names(list: string[], limit = 10): string {
  return list.length <= limit ? list.join(', ') : `${list.slice(0, limit).join(', ')} and ${list.length - limit} more`;
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
