// Kubernetes objects → the engine's NodeInfo, PodInfo and PdbInfo. Accepts both the client's
// deserialized models (dates as Date) and the raw JSON a watch delivers (dates as strings).
import type { V1Node, V1Pod, V1PodDisruptionBudget } from '@kubernetes/client-node';
import type { ContainerTrouble, NodeInfo, PdbInfo, PodInfo, Taint } from '../engine/ports.js';

const PHASES = new Set<PodInfo['phase']>(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown']);
const EFFECTS = new Set<Taint['effect']>(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);
/** Host paths of container runtime sockets a pod can mount to drive the node's runtime. */
const RUNTIME_SOCKETS = /(^|\/)(docker|dockershim)\.sock$/;

const time = (t: Date | string | undefined): number => (t === undefined ? 0 : new Date(t).getTime());

/** aws:///us-west-2a/i-0abc… → { az, instanceId }. Other providers: the last path segment. */
export function parseProviderId(providerID: string | undefined): { az?: string; instanceId: string } {
  if (!providerID) return { instanceId: '' };
  const m = /^aws:\/\/\/([^/]*)\/([^/]+)$/.exec(providerID);
  if (m) return { ...(m[1] ? { az: m[1] } : {}), instanceId: m[2] };
  return { instanceId: providerID.split('/').pop() ?? '' };
}

export function toTaint(t: { key: string; value?: string; effect: string }): Taint {
  return {
    key: t.key,
    ...(t.value !== undefined && t.value !== '' ? { value: t.value } : {}),
    effect: EFFECTS.has(t.effect as Taint['effect']) ? (t.effect as Taint['effect']) : 'NoSchedule',
  };
}

export function toNodeInfo(n: V1Node): NodeInfo {
  const meta = n.metadata ?? {};
  const labels = { ...(meta.labels ?? {}) };
  const provider = parseProviderId(n.spec?.providerID);
  const nodegroup = labels['eks.amazonaws.com/nodegroup'] ?? labels['alpha.eksctl.io/nodegroup-name'];
  const ready = (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
  const pods = Number.parseInt(String(n.status?.allocatable?.pods ?? '0'), 10);
  return {
    name: meta.name ?? '',
    instanceId: provider.instanceId,
    az: labels['topology.kubernetes.io/zone'] ?? labels['failure-domain.beta.kubernetes.io/zone'] ?? provider.az ?? '',
    ...(nodegroup !== undefined ? { nodegroup } : {}),
    kubeletVersion: n.status?.nodeInfo?.kubeletVersion ?? '',
    ready,
    unschedulable: n.spec?.unschedulable === true,
    taints: (n.spec?.taints ?? []).map(toTaint),
    labels,
    annotations: { ...(meta.annotations ?? {}) },
    allocatablePods: Number.isFinite(pods) ? pods : 0,
    createdAt: time(meta.creationTimestamp as Date | string | undefined),
  };
}

export function toPodInfo(p: V1Pod): PodInfo {
  const meta = p.metadata ?? {};
  const controller = (meta.ownerReferences ?? []).find((o) => o.controller === true);
  const volumes = p.spec?.volumes ?? [];
  const phase = p.status?.phase as PodInfo['phase'] | undefined;
  const statuses = [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])];
  const restarts = statuses.reduce((n, c) => n + (c.restartCount ?? 0), 0);
  const troubled = statuses.flatMap((c) => {
    const t = containerTrouble(c);
    return t ? [t] : [];
  });
  return {
    namespace: meta.namespace ?? 'default',
    name: meta.name ?? '',
    uid: meta.uid ?? `${meta.namespace}/${meta.name}`,
    ...(p.spec?.nodeName ? { nodeName: p.spec.nodeName } : {}),
    phase: phase && PHASES.has(phase) ? phase : 'Unknown',
    ready: (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
    terminating: meta.deletionTimestamp !== undefined && meta.deletionTimestamp !== null,
    ...(controller ? { owner: { kind: controller.kind, name: controller.name } } : {}),
    labels: { ...(meta.labels ?? {}) },
    mirror: meta.annotations?.['kubernetes.io/config.mirror'] !== undefined,
    emptyDir: volumes.some((v) => v.emptyDir !== undefined && v.emptyDir !== null),
    dockerSocket: volumes.some((v) => v.hostPath?.path !== undefined && RUNTIME_SOCKETS.test(v.hostPath.path)),
    gracePeriodSeconds: p.spec?.terminationGracePeriodSeconds ?? 30,
    ...(restarts > 0 ? { restarts } : {}),
    ...(troubled.length > 0 ? { troubled } : {}),
  };
}

type ContainerStatus = NonNullable<NonNullable<V1Pod['status']>['containerStatuses']>[number];

/**
 * A container waiting for a reason other than being created, or that ended with a non-zero exit code
 * (now or last time): what the health gate names. Undefined for a container running or starting well.
 */
function containerTrouble(c: ContainerStatus): ContainerTrouble | undefined {
  const waiting = c.state?.waiting?.reason;
  const ended = c.state?.terminated ?? c.lastState?.terminated;
  const badWait = waiting !== undefined && waiting !== 'ContainerCreating' && waiting !== 'PodInitializing';
  const badEnd = ended !== undefined && (ended.exitCode !== 0 || ended.reason === 'OOMKilled');
  if (!badWait && !badEnd) return undefined;
  return {
    name: c.name,
    ...(badWait ? { waiting } : {}),
    ...(badEnd ? { terminated: { ...(ended.reason ? { reason: ended.reason } : {}), exitCode: ended.exitCode } } : {}),
    restarts: c.restartCount ?? 0,
  };
}

export function toPdbInfo(b: V1PodDisruptionBudget): PdbInfo {
  const spec = b.spec ?? {};
  const s = b.status;
  return {
    namespace: b.metadata?.namespace ?? 'default',
    name: b.metadata?.name ?? '',
    selector: { ...(spec.selector?.matchLabels ?? {}) },
    ...(spec.minAvailable !== undefined ? { minAvailable: spec.minAvailable } : {}),
    ...(spec.maxUnavailable !== undefined ? { maxUnavailable: spec.maxUnavailable } : {}),
    disruptionsAllowed: s?.disruptionsAllowed ?? 0,
    currentHealthy: s?.currentHealthy ?? 0,
    desiredHealthy: s?.desiredHealthy ?? 0,
    expectedPods: s?.expectedPods ?? 0,
  };
}
