// Follows the instances the group launches, from the Auto Scaling group (launching) and the cluster (joined, ready).
import type { NodeInfo } from '../ports.js';
import type { NewNodeRecord } from '../run.js';
import { SCALE_DOWN_DISABLED, type StepContext } from '../step-context.js';
import { wrongImageInstances, wrongNewNode } from './group-drift.js';

export function oldInstanceIds(ctx: StepContext): Set<string> {
  return new Set(ctx.run.nodes.filter((n) => n.role === 'old').map((n) => n.instanceId));
}

export interface NewNodesSeen {
  /** Ms until the next look at the group's instances. */
  pollIn: number;
  /** Set when the instances were looked at in this call. */
  polled: boolean;
  /** New instances or nodes on another image than the target: the run must stop. */
  wrongImage?: string;
}

/** Records new nodes' progress; keeps the autoscaler off them for the run. */
export async function trackNewNodes(ctx: StepContext, opts: { pollInstances: boolean }): Promise<NewNodesSeen> {
  const { run, view } = ctx;
  const old = oldInstanceIds(ctx);
  const known = new Map(run.newNodes.map((n) => [n.instanceId, n]));
  let pollIn = Infinity;
  let polled = false;
  let wrongImage: string | undefined;
  if (opts.pollInstances) {
    const due = (run.instancesPolledAt ?? -Infinity) + ctx.settings.instancePollMs;
    if (ctx.now >= due) {
      run.instancesPolledAt = ctx.now;
      polled = true;
      ctx.touch();
      const instances = await ctx.nodeGroups.listInstances(run.ref);
      wrongImage = wrongImageInstances(run, instances, old);
      for (const inst of instances) {
        if (old.has(inst.instanceId) || known.has(inst.instanceId)) continue;
        if (inst.lifecycleState !== 'Pending' && inst.lifecycleState !== 'InService') continue;
        const rec: NewNodeRecord = { instanceId: inst.instanceId, az: inst.az, state: 'launching', at: { launching: ctx.now } };
        run.newNodes.push(rec);
        known.set(inst.instanceId, rec);
        ctx.emit({ kind: 'new-node', node: inst.instanceId, state: 'launching', detail: `instance ${inst.instanceId} launching in ${inst.az}` });
      }
      pollIn = ctx.settings.instancePollMs;
    } else {
      pollIn = due - ctx.now;
    }
  }
  for (const node of view.allNodes()) {
    if (node.nodegroup !== run.ref.nodegroup || old.has(node.instanceId)) continue;
    let rec = known.get(node.instanceId);
    if (!rec) {
      rec = { instanceId: node.instanceId, az: node.az, name: node.name, state: 'launching', at: { launching: node.createdAt } };
      run.newNodes.push(rec);
      known.set(node.instanceId, rec);
    }
    if (!rec.name) rec.name = node.name;
    wrongImage ??= wrongNewNode(run, node);
    if (rec.state === 'launching') ctx.setNewNodeState(rec, 'joined', `${node.name} joined the cluster in ${node.az}`);
    if (node.ready && rec.state !== 'ready') ctx.setNewNodeState(rec, 'ready', `${node.name} is Ready`);
    if (node.ready && node.annotations[SCALE_DOWN_DISABLED] !== 'true') {
      await ctx.cluster.patchNode(node.name, { annotations: { [SCALE_DOWN_DISABLED]: 'true' } });
    }
  }
  return { pollIn, polled, ...(wrongImage ? { wrongImage } : {}) };
}

/** New nodes that are Ready now, by the cluster's account. */
export function readyNewNodes(ctx: StepContext, nodes: Iterable<NodeInfo> = ctx.view.allNodes()) {
  const old = oldInstanceIds(ctx);
  return [...nodes].filter((n) => n.nodegroup === ctx.run.ref.nodegroup && n.ready && !old.has(n.instanceId));
}
