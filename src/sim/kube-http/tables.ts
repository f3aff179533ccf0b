// Server-side printing: kubectl asks for meta.k8s.io/v1 Tables (Accept: application/json;as=Table;…)
// and prints their cells as they come, so `kubectl get nodes` shows STATUS, ROLES, AGE and VERSION and
// `-o wide` adds the priority-1 columns (a pod's NODE). Ages are counted on the simulated clock.
import type { KubeObject } from './kube-objects.js';
import type { Resource } from './resource-store.js';

interface Column {
  name: string;
  type: 'string' | 'integer' | 'date';
  format: string;
  description: string;
  priority: number;
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export type TableResource = Resource | 'poddisruptionbudgets' | 'daemonsets';

const col = (name: string, description: string, priority = 0, type: Column['type'] = 'string', format = ''): Column => ({
  name,
  type,
  format,
  description,
  priority,
});

const NAME = col('Name', 'Name must be unique within a namespace.', 0, 'string', 'name');
const AGE = col('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created.');

const COLUMNS: Record<TableResource, Column[]> = {
  nodes: [
    NAME,
    col('Status', 'The status of the node'),
    col('Roles', 'The roles of the node'),
    AGE,
    col('Version', 'Kubelet Version reported by the node.'),
    col('Internal-IP', 'List of addresses reachable to the node.', 1),
    col('External-IP', 'List of addresses reachable to the node.', 1),
    col('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', 1),
    col('Kernel-Version', 'Kernel Version reported by the node from `uname -r` (e.g. 3.16.0-0.bpo.4-amd64).', 1),
    col('Container-Runtime', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', 1),
  ],
  pods: [
    NAME,
    col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'The aggregate status of the containers in this pod.'),
    col('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    AGE,
    col('IP', 'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', 1),
    col('Node', "NodeName is a request to schedule this pod onto a specific node.", 1),
    col('Nominated Node', 'nominatedNodeName is set only when this pod preempts other pods on the node.', 1),
    col('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness.', 1),
  ],
  poddisruptionbudgets: [
    NAME,
    col('Min Available', 'The minimum number of pods that must be available simultaneously.'),
    col('Max Unavailable', 'The maximum number of pods that may be unavailable simultaneously.'),
    col('Allowed Disruptions', 'Calculated number of pods that may be disrupted at this time.', 0, 'integer'),
    AGE,
  ],
  daemonsets: [
    NAME,
    col('Desired', 'The number of nodes that should be running the daemon pod.', 0, 'integer'),
    col('Current', 'The number of nodes that are running at least one daemon pod and are supposed to.', 0, 'integer'),
    col('Ready', 'The number of nodes that should be running the daemon pod and have one or more running and ready.', 0, 'integer'),
    col('Up-to-date', 'The total number of nodes that are running updated daemon pod.', 0, 'integer'),
    col('Available', 'The number of nodes that should be running the daemon pod and have one or more available.', 0, 'integer'),
    col('Node Selector', 'NodeSelector is a selector which must be true for the pod to fit on a node.'),
    AGE,
  ],
};

/** k8s.io/apimachinery/pkg/util/duration.HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${hours / 24}d` : `${Math.trunc(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  const years = Math.trunc(hours / 24 / 365);
  if (hours < 24 * 365 * 8) {
    const days = Math.trunc(hours / 24) % 365;
    return days === 0 ? `${years}y` : `${years}y${days}d`;
  }
  return `${years}y`;
}

function age(obj: KubeObject, nowMs: number): string {
  const created = obj.metadata.creationTimestamp;
  return created ? humanDuration(nowMs - Date.parse(created)) : '<unknown>';
}

function nodeCells(n: KubeObject, nowMs: number): unknown[] {
  const ready = (n.status?.conditions ?? []).find((c: { type: string }) => c.type === 'Ready');
  let status = ready?.status === 'True' ? 'Ready' : ready?.status === 'False' ? 'NotReady' : 'Unknown';
  if (n.spec?.unschedulable) status += ',SchedulingDisabled';
  const labels = n.metadata.labels ?? {};
  const roles = Object.keys(labels)
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length))
    .concat(labels['kubernetes.io/role'] ? [labels['kubernetes.io/role']] : [])
    .sort();
  const address = (type: string) =>
    (n.status?.addresses ?? []).find((a: { type: string }) => a.type === type)?.address ?? '<none>';
  const info = n.status?.nodeInfo ?? {};
  return [
    n.metadata.name,
    status,
    roles.length > 0 ? roles.join(',') : '<none>',
    age(n, nowMs),
    info.kubeletVersion ?? '',
    address('InternalIP'),
    address('ExternalIP'),
    info.osImage ?? '<unknown>',
    info.kernelVersion ?? '<unknown>',
    info.containerRuntimeVersion ?? '<unknown>',
  ];
}

function podCells(p: KubeObject, nowMs: number): unknown[] {
  const statuses: { ready: boolean; restartCount: number; state?: { waiting?: { reason?: string } } }[] =
    p.status?.containerStatuses ?? [];
  const containers = (p.spec?.containers ?? []).length;
  const readyCount = statuses.filter((s) => s.ready).length;
  let reason: string = p.status?.reason ?? p.status?.phase ?? 'Unknown';
  const waiting = statuses.find((s) => s.state?.waiting?.reason)?.state?.waiting?.reason;
  if (waiting && p.status?.phase === 'Pending') reason = waiting;
  if (p.metadata.deletionTimestamp) reason = 'Terminating';
  return [
    p.metadata.name,
    `${readyCount}/${containers}`,
    reason,
    statuses.reduce((n, s) => n + s.restartCount, 0),
    age(p, nowMs),
    p.status?.podIP ?? '<none>',
    p.spec?.nodeName ?? '<none>',
    p.status?.nominatedNodeName ?? '<none>',
    '<none>',
  ];
}

function pdbCells(b: KubeObject, nowMs: number): unknown[] {
  return [
    b.metadata.name,
    b.spec?.minAvailable !== undefined ? String(b.spec.minAvailable) : 'N/A',
    b.spec?.maxUnavailable !== undefined ? String(b.spec.maxUnavailable) : 'N/A',
    b.status?.disruptionsAllowed ?? 0,
    age(b, nowMs),
  ];
}

function daemonSetCells(d: KubeObject, nowMs: number): unknown[] {
  const s = d.status ?? {};
  return [d.metadata.name, s.desiredNumberScheduled, s.currentNumberScheduled, s.numberReady, s.updatedNumberScheduled, s.numberAvailable, '<none>', age(d, nowMs)];
}

const CELLS: Record<TableResource, (obj: KubeObject, nowMs: number) => unknown[]> = {
  nodes: nodeCells,
  pods: podCells,
  poddisruptionbudgets: pdbCells,
  daemonsets: daemonSetCells,
};

function rowObject(obj: KubeObject, include: IncludeObject): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return obj;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

export function toTable(
  resource: TableResource,
  objects: KubeObject[],
  opts: { resourceVersion: number; nowMs: number; include: IncludeObject },
): Record<string, unknown> {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: String(opts.resourceVersion) },
    columnDefinitions: COLUMNS[resource],
    rows: objects.map((o) => {
      const object = rowObject(o, opts.include);
      return { cells: CELLS[resource](o, opts.nowMs), ...(object ? { object } : {}) };
    }),
  };
}

/** Accept: application/json;as=Table;v=v1;g=meta.k8s.io (or v1beta1) anywhere in the list. */
export function wantsTable(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => {
    const params = part.split(';').map((s) => s.trim());
    return params.includes('as=Table') && params.includes('g=meta.k8s.io');
  });
}

export function includeObjectParam(value: string | null): IncludeObject {
  return value === 'None' || value === 'Object' ? value : 'Metadata';
}
