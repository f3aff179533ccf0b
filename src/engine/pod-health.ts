// What the health gate and the plan call an unhealthy pod, and the gate's defaults.
import type { PodInfo } from './ports.js';

/** The health gate's bake when nobody says otherwise (Engine.plan hands it to makePlan). */
export const DEFAULT_BAKE_MS = 5 * 60_000;
/** A pod on a new node restarting more often than this counts as failing. */
export const DEFAULT_RESTART_THRESHOLD = 3;
/** A pod on a new node that never got Ready counts as failing after this long (it may be starting until then). */
export const POD_READY_TIMEOUT_MS = 5 * 60_000;

/** Container waiting reasons that mean it cannot run, not that it is starting. */
export const FAILING_WAIT_REASONS: ReadonlySet<string> = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'CreateContainerError',
  'CreateContainerConfigError',
  'RunContainerError',
]);

/** The workload a pod's health is judged by: its controller (a Deployment's pods share their ReplicaSet), or the pod itself. */
export function healthKey(p: Pick<PodInfo, 'namespace' | 'name' | 'owner'>): string {
  return p.owner ? `${p.namespace}/${p.owner.kind}/${p.owner.name}` : `${p.namespace}/Pod/${p.name}`;
}

/** A container of the pod waits for a reason that means it cannot run. */
export function cannotRun(p: PodInfo): boolean {
  return (p.troubled ?? []).some((c) => c.waiting !== undefined && FAILING_WAIT_REASONS.has(c.waiting));
}

/** Unhealthy as the plan sees a pod before the run: a container that cannot run, or running but not Ready. */
export function unhealthyBeforeRun(p: PodInfo): boolean {
  if (p.terminating || p.phase === 'Succeeded' || p.phase === 'Failed') return false;
  return cannotRun(p) || (p.phase === 'Running' && !p.ready);
}
