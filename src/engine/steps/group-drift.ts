// Someone else may change the group while a run goes on: Terraform applying an old desired size, a
// person pointing it at another launch template, a group rebuilt from scratch. mngbot then stops,
// naming what changed and how to go back, rather than fighting over the group or waiting for nodes
// that will never come.
import { kubeletMinor } from '../version.js';
import type { GroupInstance, NodeGroupInfo, NodeInfo } from '../ports.js';
import type { Run } from '../run.js';
import type { StepContext } from '../step-context.js';

const DRIFT_PHASES: ReadonlySet<Run['phase']> = new Set(['await-new-nodes', 'taint', 'replace', 'scale-back']);

/**
 * The lowest desired capacity the run itself can have left: the recorded size plus the surge, less one
 * for every termination with decrement it asked for (sent or not yet known to be sent).
 */
export function lowestDesiredByRun(run: Run, decrements: number): number {
  return run.original!.sizes.desired + run.plan.surge - decrements;
}

/** What someone else changed in the group, in words with the way back; undefined when nothing did. */
export function groupDrift(ctx: StepContext, g: NodeGroupInfo): string | undefined {
  const { run } = ctx;
  if (run.strategy !== 'rolling' || !run.original || !run.target?.launchTemplateVersion || !DRIFT_PHASES.has(run.phase)) return undefined;
  const asg = g.asgName || run.ref.nodegroup;
  const ours = run.target.launchTemplateVersion;
  if (g.launchTemplate.version !== ours) {
    return (
      `the launch template of ${asg} is at version ${g.launchTemplate.version}, not ${ours} that mngbot set for ${run.plan.toRelease}: ` +
      `someone else changed it during the run, so new nodes would not get the new image. mngbot leaves version ${g.launchTemplate.version} as it is; ` +
      `to upgrade, run the upgrade again once the group is as you want it`
    );
  }
  const lowest = lowestDesiredByRun(run, ctx.byState.decrements());
  if (g.sizes.desired < lowest) {
    return (
      `the desired capacity is ${g.sizes.desired}, below the ${lowest} mngbot set: someone else lowered it during the run ` +
      `(Terraform, a person, an autoscaler), and the group may terminate nodes nobody drained. mngbot stops here; ` +
      `the group was ${run.original.sizes.min}/${run.original.sizes.max}/${run.original.sizes.desired} (min/max/desired) before the run`
    );
  }
  return undefined;
}

/** New instances the group launched on another image than the run's target. */
export function wrongImageInstances(run: Run, instances: GroupInstance[], old: ReadonlySet<string>): string | undefined {
  const target = run.target?.imageId;
  if (!target) return undefined;
  const wrong = instances.filter((i) => !old.has(i.instanceId) && /^(Pending|InService)/.test(i.lifecycleState) && i.imageId && i.imageId !== target);
  if (wrong.length === 0) return undefined;
  return (
    `${wrong.length} new instance(s) came up on ${wrong[0].imageId}, not ${target} (${run.plan.toRelease}): ${wrong.slice(0, 5).map((i) => i.instanceId).join(', ')}. ` +
    `The group no longer launches the image mngbot set (its launch template was changed, or the group was replaced); mngbot stops rather than replace nodes with old ones`
  );
}

/** A new node of the group that joined with the wrong kubelet (seen from the cluster, between looks at the group). */
export function wrongNewNode(run: Run, node: NodeInfo): string | undefined {
  const image = node.labels[NODEGROUP_IMAGE_LABEL];
  let minor: string | undefined;
  try {
    minor = kubeletMinor(node.kubeletVersion);
  } catch {
    minor = undefined;
  }
  const what =
    image && run.target?.imageId && image !== run.target.imageId
      ? `image ${image}, not ${run.target.imageId}`
      : minor && minor !== run.plan.toVersion
        ? `kubelet ${node.kubeletVersion}, not ${run.plan.toVersion}`
        : undefined;
  if (!what) return undefined;
  return (
    `new node ${node.name} joined with ${what} (${run.plan.toRelease}): the group no longer launches the image mngbot set ` +
    `(its launch template was changed, or the group was replaced); mngbot stops rather than replace nodes with old ones`
  );
}

/** EKS labels a managed group's nodes with the AMI they boot (the simulator does it for every group). */
const NODEGROUP_IMAGE_LABEL = 'eks.amazonaws.com/nodegroup-image';

/** Looks at the group once and says what changed, if anything. */
export async function checkGroup(ctx: StepContext): Promise<string | undefined> {
  if (!DRIFT_PHASES.has(ctx.run.phase) || ctx.run.strategy !== 'rolling') return undefined;
  return groupDrift(ctx, await ctx.nodeGroups.describeNodegroup(ctx.run.ref));
}
