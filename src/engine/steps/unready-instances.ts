// A failed or cancelled surge leaves instances that never became Ready nodes, and a desired capacity
// the group could not reach. Neither runs pods (a node that is not Ready gets none), so both go at
// once: the instances terminated with decrement, the unreachable rest of desired lowered to what is there.
import { shapedRecord, type NodeRecord } from '../run.js';
import type { StepContext } from '../step-context.js';
import { oldInstanceIds } from './new-nodes.js';

const LIVE = /^(Pending|InService)/;

/** True when it changed something (the step then ends, saved). */
export async function removeUnreadyNewInstances(ctx: StepContext): Promise<boolean> {
  const { run } = ctx;
  const o = run.original!.sizes;
  let g = await ctx.nodeGroups.describeNodegroup(run.ref);
  if (g.sizes.desired <= o.desired) return false;
  const old = oldInstanceIds(ctx);
  const known = new Set(run.nodes.map((n) => n.instanceId));
  let instances = await ctx.nodeGroups.listInstances(run.ref);
  const unready = instances
    .filter((i) => LIVE.test(i.lifecycleState) && !old.has(i.instanceId) && !known.has(i.instanceId) && !ctx.view.nodeByInstance(i.instanceId)?.ready)
    .slice(0, g.sizes.desired - o.desired);
  if (unready.length > 0) {
    const records: NodeRecord[] = unready.map((i) => {
      const node = ctx.view.nodeByInstance(i.instanceId);
      return shapedRecord({
        name: node?.name ?? i.instanceId,
        instanceId: i.instanceId,
        az: i.az,
        role: 'surplus',
        state: 'terminating',
        at: { terminating: ctx.now },
        evicted: 0,
        forced: 0,
        decrement: true,
        termination: { requestedAt: ctx.now, decrement: true },
        note: 'never became a Ready node: removed without a drain (it ran no pods)',
      });
    });
    run.nodes.push(...records);
    for (const rec of records) {
      ctx.emit({ kind: 'node', node: rec.name, state: 'terminating', detail: `${rec.name}: instance ${rec.instanceId} never became Ready; terminating it, desired size −1` });
    }
    // The intent is on record before any call: a bot killed meanwhile looks instead of sending again.
    await ctx.checkpoint();
    for (const rec of records) {
      await ctx.nodeGroups.terminateInstance(run.ref, rec.instanceId, { decrement: true });
      rec.termination!.sentAt = ctx.now;
      ctx.touch(rec);
    }
    g = await ctx.nodeGroups.describeNodegroup(run.ref);
    instances = await ctx.nodeGroups.listInstances(run.ref);
  }
  // Launches that never happened: lowering desired to what is there (never below) terminates nothing.
  const live = instances.filter((i) => LIVE.test(i.lifecycleState)).length;
  const reachable = Math.max(o.desired, live);
  if (g.sizes.desired > reachable) {
    await ctx.nodeGroups.setSizes(run.ref, { desired: reachable });
    ctx.emit({ kind: 'warning', detail: `desired capacity lowered from ${g.sizes.desired} to ${reachable}: the group could not launch the rest` });
    return true;
  }
  return unready.length > 0;
}
