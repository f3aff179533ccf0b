// The simulated world's nodes, pods and PDBs as the Kubernetes API returns them (v1 Node, v1 Pod,
// policy/v1 PodDisruptionBudget): plain JSON, with the fields mngbot and kubectl read.
import type { NodeInfo, PdbInfo, PodInfo } from '../../engine/ports.js';
import { imageById } from '../images.js';
import { hashString, stableHex } from '../rng.js';

/** Any Kubernetes object, as JSON. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    deletionGracePeriodSeconds?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: OwnerReference[];
    [key: string]: unknown;
  };
  spec?: Record<string, any>;
  status?: Record<string, any>;
  [key: string]: unknown;
}

interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller: boolean;
  blockOwnerDeletion: boolean;
}

/** RFC 3339 to the second, as metav1.Time marshals. */
export function kubeTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** A stable UUID-shaped id for objects the simulator does not give one (nodes, owners, PDBs). */
export function stableUid(seed: string): string {
  const h = stableHex(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
}

const OS_IMAGES: Record<string, string> = {
  AL2: 'Amazon Linux 2',
  AL2023: 'Amazon Linux 2023.6.20250107',
  BOTTLEROCKET: 'Bottlerocket OS 1.29.0 (aws-k8s)',
  CUSTOM: 'Linux',
};

/** The node's private IP, from its EC2 private DNS name (ip-10-0-1-23.<region>.compute.internal). */
export function nodeIp(name: string): string | undefined {
  const m = /^ip-(\d+)-(\d+)-(\d+)-(\d+)\./.exec(name);
  return m ? `${m[1]}.${m[2]}.${m[3]}.${m[4]}` : undefined;
}

/** `going`: its instance is shutting down, the kubelet stopped reporting (Ready Unknown, not False). */
export function nodeObject(n: NodeInfo, resourceVersion: number, at: { heartbeatMs: number; going: boolean }): KubeObject {
  const heartbeatMs = at.heartbeatMs;
  const image = imageById(n.labels['eks.amazonaws.com/nodegroup-image'] ?? '');
  const ip = nodeIp(n.name);
  const created = kubeTime(n.createdAt);
  const readyStatus = n.ready ? 'True' : at.going ? 'Unknown' : 'False';
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: n.name,
      uid: stableUid(`node/${n.name}/${n.instanceId}`),
      resourceVersion: String(resourceVersion),
      creationTimestamp: created,
      labels: { ...n.labels },
      annotations: { ...n.annotations },
    },
    spec: {
      providerID: `aws:///${n.az}/${n.instanceId}`,
      ...(n.unschedulable ? { unschedulable: true } : {}),
      ...(n.taints.length > 0 ? { taints: n.taints.map((t) => ({ ...t })) } : {}),
    },
    status: {
      capacity: { cpu: '2', memory: '7910Mi', pods: String(n.allocatablePods), 'ephemeral-storage': '20959212Ki' },
      allocatable: { cpu: '1930m', memory: '7220Mi', pods: String(n.allocatablePods), 'ephemeral-storage': '18242267924' },
      conditions: [
        {
          type: 'Ready',
          status: readyStatus,
          lastHeartbeatTime: kubeTime(heartbeatMs),
          lastTransitionTime: created,
          reason: n.ready ? 'KubeletReady' : readyStatus === 'Unknown' ? 'NodeStatusUnknown' : 'KubeletNotReady',
          message: n.ready
            ? 'kubelet is posting ready status'
            : readyStatus === 'Unknown'
              ? 'Kubelet stopped posting node status.'
              : 'container runtime network not ready: NetworkReady=false',
        },
      ],
      addresses: [
        ...(ip ? [{ type: 'InternalIP', address: ip }] : []),
        { type: 'InternalDNS', address: n.name },
        { type: 'Hostname', address: n.name },
      ],
      nodeInfo: {
        machineID: stableHex(`machine/${n.instanceId}`, 32),
        systemUUID: stableUid(`system/${n.instanceId}`),
        bootID: stableUid(`boot/${n.instanceId}`),
        kernelVersion: image?.family === 'AL2' ? '5.10.230-223.885.amzn2.x86_64' : '6.1.119-129.201.amzn2023.x86_64',
        osImage: OS_IMAGES[image?.family ?? 'CUSTOM'],
        containerRuntimeVersion: 'containerd://1.7.23',
        kubeletVersion: n.kubeletVersion,
        kubeProxyVersion: n.kubeletVersion,
        operatingSystem: 'linux',
        architecture: n.labels['kubernetes.io/arch'] ?? 'amd64',
      },
    },
  };
}

const OWNER_API: Record<string, string> = { ReplicaSet: 'apps/v1', StatefulSet: 'apps/v1', DaemonSet: 'apps/v1', Node: 'v1', Job: 'batch/v1' };

export interface PodTimes {
  createdAt: number;
  /** When the pod began terminating; its deletionTimestamp is this plus the grace period. */
  deletingAt?: number;
}

export function podObject(p: PodInfo, resourceVersion: number, times: PodTimes): KubeObject {
  const h = hashString(p.uid);
  const ip = p.nodeName ? `10.0.${128 + (h % 120)}.${((h >>> 8) % 250) + 4}` : undefined;
  const hostIp = p.nodeName ? nodeIp(p.nodeName) : undefined;
  const container = p.owner?.name.replace(/-[a-z0-9]{10}$/, '') ?? p.name;
  const mounts = [
    ...(p.emptyDir ? [{ name: 'scratch', mountPath: '/scratch' }] : []),
    ...(p.dockerSocket ? [{ name: 'docker-sock', mountPath: '/var/run/docker.sock' }] : []),
  ];
  const started = times.createdAt;
  const running = p.phase === 'Running';
  // The simulator's pods have one container: its trouble, if any, is that container's.
  const trouble = p.troubled?.[0];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.name,
      namespace: p.namespace,
      uid: p.uid,
      resourceVersion: String(resourceVersion),
      creationTimestamp: kubeTime(times.createdAt),
      ...(p.terminating && times.deletingAt !== undefined
        ? { deletionTimestamp: kubeTime(times.deletingAt + p.gracePeriodSeconds * 1000), deletionGracePeriodSeconds: p.gracePeriodSeconds }
        : {}),
      labels: { ...p.labels },
      ...(p.mirror ? { annotations: { 'kubernetes.io/config.mirror': stableHex(p.uid, 32) } } : {}),
      ...(p.owner
        ? {
            ownerReferences: [
              {
                apiVersion: OWNER_API[p.owner.kind] ?? 'v1',
                kind: p.owner.kind,
                name: p.owner.name,
                uid: stableUid(`${p.namespace}/${p.owner.kind}/${p.owner.name}`),
                controller: true,
                blockOwnerDeletion: true,
              },
            ],
          }
        : {}),
    },
    spec: {
      ...(p.nodeName ? { nodeName: p.nodeName } : {}),
      containers: [
        {
          name: container,
          image: `public.ecr.aws/mngbot-sim/${container}:1.0`,
          ...(mounts.length > 0 ? { volumeMounts: mounts } : {}),
        },
      ],
      volumes: [
        ...(p.emptyDir ? [{ name: 'scratch', emptyDir: {} }] : []),
        ...(p.dockerSocket ? [{ name: 'docker-sock', hostPath: { path: '/var/run/docker.sock', type: 'Socket' } }] : []),
      ],
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      terminationGracePeriodSeconds: p.gracePeriodSeconds,
      ...(p.owner?.kind === 'DaemonSet' ? { tolerations: [{ operator: 'Exists' }] } : {}),
    },
    status: {
      phase: p.phase,
      conditions: [
        { type: 'PodScheduled', status: p.nodeName ? 'True' : 'False', lastTransitionTime: kubeTime(started) },
        { type: 'Ready', status: p.ready ? 'True' : 'False', lastTransitionTime: kubeTime(started) },
      ],
      ...(hostIp ? { hostIP: hostIp } : {}),
      ...(ip ? { podIP: ip, podIPs: [{ ip }] } : {}),
      ...(p.nodeName ? { startTime: kubeTime(started) } : {}),
      ...(p.nodeName
        ? {
            containerStatuses: [
              {
                name: container,
                ready: p.ready,
                restartCount: p.restarts ?? 0,
                started: running && !trouble?.waiting,
                image: `public.ecr.aws/mngbot-sim/${container}:1.0`,
                state: trouble?.waiting
                  ? { waiting: { reason: trouble.waiting, ...(trouble.waiting === 'CrashLoopBackOff' ? { message: `back-off restarting failed container ${container}` } : {}) } }
                  : running
                    ? { running: { startedAt: kubeTime(started) } }
                    : { waiting: { reason: 'ContainerCreating' } },
                ...(trouble?.terminated
                  ? { lastState: { terminated: { exitCode: trouble.terminated.exitCode, ...(trouble.terminated.reason ? { reason: trouble.terminated.reason } : {}) } } }
                  : {}),
              },
            ],
          }
        : {}),
    },
  };
}

export function pdbObject(b: PdbInfo, resourceVersion: number, createdAt: number): KubeObject {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: {
      name: b.name,
      namespace: b.namespace,
      uid: stableUid(`${b.namespace}/pdb/${b.name}`),
      resourceVersion: String(resourceVersion),
      creationTimestamp: kubeTime(createdAt),
      generation: 1,
    },
    spec: {
      selector: { matchLabels: { ...b.selector } },
      ...(b.minAvailable !== undefined ? { minAvailable: b.minAvailable } : {}),
      ...(b.maxUnavailable !== undefined ? { maxUnavailable: b.maxUnavailable } : {}),
    },
    status: {
      observedGeneration: 1,
      disruptionsAllowed: b.disruptionsAllowed,
      currentHealthy: b.currentHealthy,
      desiredHealthy: b.desiredHealthy,
      expectedPods: b.expectedPods,
      conditions: [
        {
          type: 'DisruptionAllowed',
          status: b.disruptionsAllowed > 0 ? 'True' : 'False',
          reason: b.disruptionsAllowed > 0 ? 'SufficientPods' : 'InsufficientPods',
          message: '',
          observedGeneration: 1,
          lastTransitionTime: kubeTime(createdAt),
        },
      ],
    },
  };
}

export function daemonSetObject(
  d: { namespace: string; name: string; labels: Record<string, string>; scheduled: number; ready: number; desired: number },
  resourceVersion: number,
  createdAt: number,
): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: {
      name: d.name,
      namespace: d.namespace,
      // The same uid the pods' ownerReferences carry.
      uid: stableUid(`${d.namespace}/DaemonSet/${d.name}`),
      resourceVersion: String(resourceVersion),
      creationTimestamp: kubeTime(createdAt),
      generation: 1,
    },
    spec: {
      selector: { matchLabels: { ...d.labels } },
      template: { metadata: { labels: { ...d.labels } }, spec: { containers: [{ name: d.name, image: `public.ecr.aws/mngbot-sim/${d.name}:1.0` }] } },
      updateStrategy: { type: 'RollingUpdate' },
    },
    status: {
      currentNumberScheduled: d.scheduled,
      desiredNumberScheduled: d.desired,
      numberAvailable: d.ready,
      numberReady: d.ready,
      numberMisscheduled: 0,
      observedGeneration: 1,
      updatedNumberScheduled: d.scheduled,
    },
  };
}
