// The world's ports as a replica that may stop leading uses them: every call that changes something is
// refused (a ConflictError, before anything is sent) while it does not lead, so a leader deposed
// mid-step stops there and the runner lets the run go to the new leader. Reads go through either way.
import { ConflictError } from '../engine/errors.js';
import type { Cluster, NodeGroups } from '../engine/ports.js';
import type { Leadership } from '../engine/runner.js';

const notLeading = (what: string) => new ConflictError(`this replica no longer leads: ${what} not sent (the new leader carries on from the store)`);

/** The calls that change the world. */
const NODE_GROUP_CHANGES = new Set<string>(['ensureLaunchTemplateVersion', 'useLaunchTemplateVersion', 'setSizes', 'terminateInstance', 'suspendProcesses', 'resumeProcesses', 'startVersionUpdate']);
const CLUSTER_CHANGES = new Set<string>(['patchNode', 'evict', 'deletePod']);

/**
 * The port with its world-changing calls refused (a ConflictError, before anything is sent) while this
 * replica does not lead: a leader deposed mid-step stops there, and the runner lets the run go.
 */
function fenced<T extends object>(inner: T, changes: ReadonlySet<string>, leadership: Leadership): T {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => unknown;
      if (typeof prop === 'string' && changes.has(prop)) {
        return (...args: unknown[]) => (leadership.held() ? fn.apply(target, args) : Promise.reject(notLeading(prop)));
      }
      return fn.bind(target);
    },
  });
}

export const fencedNodeGroups = (inner: NodeGroups, leadership: Leadership): NodeGroups => fenced(inner, NODE_GROUP_CHANGES, leadership);
export const fencedCluster = (inner: Cluster, leadership: Leadership): Cluster => fenced(inner, CLUSTER_CHANGES, leadership);
