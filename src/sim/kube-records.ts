// The simulated API server's objects, with the indexes the scheduler and controllers need,
// and the copies handed out (callers never hold the world's own objects).
import type { NodeInfo, PodInfo } from '../engine/ports.js';
import type { BadImageMode, WorkloadSpec } from './scenario.js';

export interface NodeRec {
  info: NodeInfo;
  /** Creation order: the scheduler's deterministic tie-break. */
  seq: number;
  /** Every pod bound to the node, terminating ones included (they still take a slot). */
  pods: Map<string, PodRec>;
  /** The instance is shutting down: nothing new lands here. */
  going: boolean;
  /** Runs another image than the world began with (a badImage fault's pods fail here). */
  newImage: boolean;
}

export interface PodRec {
  info: PodInfo;
  /** namespace/name */
  key: string;
  workload?: WorkloadRec;
  node?: NodeRec;
  daemon: boolean;
  /** A finalizer that never clears: terminating until force-deleted. */
  stuck: boolean;
  /** Deleted by force (a person's choice): its loss is counted as a forced deletion, not as harm. */
  forced?: boolean;
  cancelStart?: () => void;
  cancelRemoval?: () => void;
}

export interface WorkloadRec {
  spec: WorkloadSpec;
  /** namespace/name */
  key: string;
  /** Stable pod-template-hash of a Deployment's ReplicaSet. */
  hash: string;
  /** A new pod of the workload as created, less its name and uid: every pod shares its labels and owner objects. */
  podTemplate: Readonly<PodInfo>;
  /** Its pods that exist, terminating ones included (a StatefulSet's ordinal is taken until its pod is gone). */
  existing: number;
  /** Ready and not terminating: the PDB's currentHealthy. */
  healthy: number;
  /** Not terminating (Pending or Running): what a ReplicaSet counts. */
  active: number;
  stuck: boolean;
  /** A badImage fault: how its pods fail on new-image nodes (on every node when `everywhere`), and after how long Ready. */
  badImage?: { mode: BadImageMode; everywhere: boolean; crashAfterSeconds?: number };
}

export const isHealthy = (p: PodRec) => p.info.ready && !p.info.terminating;
export const isActive = (p: PodRec) => !p.info.terminating;

export function nodeView(n: NodeRec): NodeInfo {
  const i = n.info;
  return {
    ...i,
    taints: i.taints.map((t) => ({ ...t })),
    labels: { ...i.labels },
    annotations: { ...i.annotations },
  };
}

/** The pod as watchers see it: its current version, frozen, never changed in place (kube-state.ts mutate). */
export function podView(p: PodRec): PodInfo {
  return p.info;
}

/** Every field of T, optional ones included (undefined when absent). */
type EveryField<T> = { [K in keyof Required<T>]: T[K] };

/**
 * A copy of a pod, to change into its next version, written out field by field. V8 copies a frozen object
 * (a spread, Object.assign) the slow way, into an object that keeps four fields in itself and the rest
 * in a second array; a literal keeps every field in the object, and all versions share one shape. The
 * type makes a field added to PodInfo an error here until it is copied.
 */
export function podVersion(from: Readonly<PodInfo>): PodInfo {
  const v: EveryField<PodInfo> = {
    namespace: from.namespace,
    name: from.name,
    uid: from.uid,
    nodeName: from.nodeName,
    phase: from.phase,
    ready: from.ready,
    terminating: from.terminating,
    owner: from.owner,
    labels: from.labels,
    mirror: from.mirror,
    emptyDir: from.emptyDir,
    dockerSocket: from.dockerSocket,
    gracePeriodSeconds: from.gracePeriodSeconds,
    restarts: from.restarts,
    troubled: from.troubled,
  };
  return v;
}

/** What every pod of the workload carries when created (its name and uid are its own), frozen so that they all share the same objects. */
export function podTemplate(spec: WorkloadSpec, hash: string): Readonly<PodInfo> {
  const owner = ownerOf(spec, hash);
  return Object.freeze({
    namespace: spec.namespace,
    name: '',
    uid: '',
    phase: 'Pending',
    ready: false,
    terminating: false,
    owner: owner && Object.freeze(owner),
    labels: Object.freeze({ ...spec.labels, ...(spec.kind === 'Deployment' ? { 'pod-template-hash': hash } : {}) }),
    mirror: false,
    emptyDir: spec.emptyDir,
    dockerSocket: spec.dockerSocket,
    gracePeriodSeconds: spec.gracePeriodSeconds,
  });
}

/** The controlling owner reference pods of the workload carry. */
function ownerOf(spec: WorkloadSpec, hash: string): PodInfo['owner'] {
  switch (spec.kind) {
    case 'Deployment':
      return { kind: 'ReplicaSet', name: `${spec.name}-${hash}` };
    case 'StatefulSet':
    case 'DaemonSet':
      return { kind: spec.kind, name: spec.name };
    case 'Pod':
      return undefined;
  }
}
