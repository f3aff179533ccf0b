// Strategy eks with update strategy MINIMAL: EKS reads the strategy from the group's update config,
// not from UpdateNodegroupVersion. So the run sets it (UpdateNodegroupConfig) before it asks for the
// update, and puts it back after, however the run ends. What it was is recorded, and saved, before the
// change; each call has its own token, so a bot killed around a call repeats it harmlessly.
import type { StepContext, StepResult } from '../step-context.js';

/** The wait between looks while EKS applies a config change (the group is UPDATING meanwhile). */
const CONFIG_POLL_MS = 10_000;

/**
 * Before UpdateNodegroupVersion: the group's update strategy is MINIMAL and the group ACTIVE again.
 * Undefined when it is; otherwise the step's result (one bounded thing done, or a wait).
 */
export async function ensureMinimal(ctx: StepContext): Promise<StepResult | undefined> {
  const { run } = ctx;
  if (run.plan.updateStrategy !== 'minimal') return undefined;
  const g = await ctx.nodeGroups.describeNodegroup(run.ref);
  const current = g.updateStrategy ?? 'DEFAULT';
  if (!run.eks?.updateStrategy) {
    run.eks = { ...run.eks, updateStrategy: { original: current } };
    ctx.touch();
    return { next: true };
  }
  const record = run.eks.updateStrategy;
  if (current === 'MINIMAL' && g.status === 'ACTIVE') return undefined;
  if (current !== 'MINIMAL' && record.setAt === undefined) {
    // Saved before the call: from here on the group may be MINIMAL, and the run's end puts it back.
    record.setAt = ctx.now;
    ctx.touch();
    return { next: true };
  }
  if (current !== 'MINIMAL' && g.status === 'ACTIVE') {
    await ctx.nodeGroups.setUpdateStrategy(run.ref, 'MINIMAL', `${run.id}-minimal`);
    ctx.emit({
      kind: 'warning',
      detail: `update strategy of ${run.ref.nodegroup} set to MINIMAL for this run (it was ${record.original}): EKS launches no surge; mngbot puts it back when the run ends`,
    });
    return { wait: 0, reason: 'EKS applies the update strategy MINIMAL' };
  }
  return { wait: CONFIG_POLL_MS, reason: `waiting for ${run.ref.nodegroup} to be ACTIVE with update strategy MINIMAL (it is ${g.status}, ${current})` };
}

/**
 * Puts the group's update strategy back as recorded. Undefined when it is back (or was never changed);
 * otherwise what is left, in words: EKS refuses config changes while an update runs.
 */
export async function restoreUpdateStrategy(ctx: StepContext): Promise<string | undefined> {
  const { run } = ctx;
  const record = run.eks?.updateStrategy;
  if (!record || record.setAt === undefined || record.restoredAt !== undefined) return undefined;
  const g = await ctx.nodeGroups.describeNodegroup(run.ref);
  const current = g.updateStrategy ?? 'DEFAULT';
  if (current !== record.original) {
    if (g.status !== 'ACTIVE') {
      return (
        `${run.ref.nodegroup}'s update strategy is left at ${current} (it was ${record.original}): EKS changes no config while the group is ${g.status}; ` +
        `once it is ACTIVE: aws eks update-nodegroup-config --cluster-name ${run.ref.cluster} --nodegroup-name ${run.ref.nodegroup} --update-config updateStrategy=${record.original}`
      );
    }
    await ctx.nodeGroups.setUpdateStrategy(run.ref, record.original, `${run.id}-restore`);
    ctx.emit({ kind: 'warning', detail: `update strategy of ${run.ref.nodegroup} back to ${record.original}` });
  }
  record.restoredAt = ctx.now;
  ctx.touch();
  return undefined;
}
