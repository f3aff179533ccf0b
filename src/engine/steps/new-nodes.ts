// Follows the instances the group launches, from the Auto Scaling group (launching) and the cluster (joined, ready).
import type { ClusterView } from '../cluster-view.js';
import type { NodeInfo } from '../ports.js';
import type { NewNodeRecord, Run } from '../run.js';
import { SCALE_DOWN_DISABLED, type StepContext } from '../step-context.js';
import { wrongImageInstances, wrongNewNode } from './group-drift.js';

/**
 * What trackNewNodes knows of a run between steps, so that a step costs what changed rather than the
 * group's size: the run's records indexed (they are only ever appended), and how far into the view's
 * node changes it has looked. Keyed by the run object: a run the runner reloads starts afresh.
 */
interface Tracking {
  nodesIndexed: number;
  old: Set<string>;
  /** Every instance the run drains (old nodes and surplus ones), by instance id. */
  drained: Set<string>;
  newIndexed: number;
  known: Map<string, NewNodeRecord>;
  view?: ClusterView;
  cursor?: number;
  /** New nodes that joined on the wrong image or kubelet, by name: what to say. */
  wrong: Map<string, string>;
}

const tracking = new WeakMap<Run, Tracking>();

function tracked(run: Run): Tracking {
  let t = tracking.get(run);
  if (!t) tracking.set(run, (t = { nodesIndexed: 0, old: new Set(), drained: new Set(), newIndexed: 0, known: new Map(), wrong: new Map() }));
  for (; t.nodesIndexed < run.nodes.length; t.nodesIndexed++) {
    const n = run.nodes[t.nodesIndexed];
    if (n.role === 'old') t.old.add(n.instanceId);
    t.drained.add(n.instanceId);
  }
  for (; t.newIndexed < run.newNodes.length; t.newIndexed++) {
    const n = run.newNodes[t.newIndexed];
    if (!t.known.has(n.instanceId)) t.known.set(n.instanceId, n);
  }
  return t;
}

export function oldInstanceIds(ctx: StepContext): ReadonlySet<string> {
  return tracked(ctx.run).old;
}

/** The run's record of a node it launched and does not drain, if the instance is one. */
export function stayingNewNode(ctx: StepContext, instanceId: string): NewNodeRecord | undefined {
  const t = tracked(ctx.run);
  return t.drained.has(instanceId) ? undefined : t.known.get(instanceId);
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
  const t = tracked(run);
  const { old, known } = t;
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
        ctx.emit({ kind: 'new-node', node: inst.instanceId, state: 'launching', detail: `instance ${inst.instanceId} launching in ${inst.az}` });
      }
      tracked(run);
      pollIn = ctx.settings.instancePollMs;
    } else {
      pollIn = due - ctx.now;
    }
  }
  // Only the nodes that changed since the last look, unless the view cannot say which.
  const end = view.nodeCursor();
  const changed = t.view === view && t.cursor !== undefined ? view.nodesChangedSince(t.cursor) : undefined;
  if (!changed) t.wrong.clear();
  const nodes: Iterable<NodeInfo> = changed ? present(view, changed, t.wrong) : [...view.allNodes()];
  for (const node of nodes) {
    if (node.nodegroup !== run.ref.nodegroup || old.has(node.instanceId)) continue;
    let rec = known.get(node.instanceId);
    if (!rec) {
      rec = { instanceId: node.instanceId, az: node.az, name: node.name, state: 'launching', at: { launching: node.createdAt } };
      run.newNodes.push(rec);
      tracked(run);
    }
    if (!rec.name) rec.name = node.name;
    const wrong = wrongNewNode(run, node);
    if (wrong) t.wrong.set(node.name, wrong);
    else t.wrong.delete(node.name);
    if (rec.state === 'launching') ctx.setNewNodeState(rec, 'joined', `${node.name} joined the cluster in ${node.az}`);
    if (node.ready && rec.state !== 'ready') ctx.setNewNodeState(rec, 'ready', `${node.name} is Ready`);
    if (node.ready && node.annotations[SCALE_DOWN_DISABLED] !== 'true') {
      await ctx.cluster.patchNode(node.name, { annotations: { [SCALE_DOWN_DISABLED]: 'true' } });
    }
  }
  // Moved on only once every changed node was seen to: a step that threw looks at them again.
  t.view = view;
  t.cursor = end;
  wrongImage ??= t.wrong.values().next().value;
  return { pollIn, polled, ...(wrongImage ? { wrongImage } : {}) };
}

/** The changed nodes still in the view; those gone are no longer wrong. */
function present(view: ClusterView, names: Set<string>, wrong: Map<string, string>): NodeInfo[] {
  const out: NodeInfo[] = [];
  for (const name of names) {
    const node = view.node(name);
    if (node) out.push(node);
    else wrong.delete(name);
  }
  return out;
}

/** New nodes that are Ready now, by the cluster's account. */
export function readyNewNodes(ctx: StepContext, nodes: Iterable<NodeInfo> = ctx.view.allNodes()) {
  const old = oldInstanceIds(ctx);
  return [...nodes].filter((n) => n.nodegroup === ctx.run.ref.nodegroup && n.ready && !old.has(n.instanceId));
}
