// Several replicas of mngbot on one state (MNG_STORE=kubernetes): the store in the Kubernetes API,
// the Lease that makes one of them the leader, and the fence that keeps a replica that is no longer
// the leader from changing the world. compose.ts puts these in; bot.ts starts and stops the leader's work.
import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import type { StoreConfig } from '../../config.js';
import { ConflictError } from '../../engine/errors.js';
import type { Cluster, NodeGroups } from '../../engine/ports.js';
import type { Leadership } from '../../engine/runner.js';
import type { Logger } from '../../log.js';
import { KubernetesRunStore } from './kubernetes-run-store.js';
import { LeaseElector } from './lease-elector.js';

export const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';
export const DEFAULT_NAMESPACE = 'mngbot';

/** The leader's lease as bot.ts drives it. */
export interface Replicas extends Leadership {
  readonly identity: string;
  onChange(fn: (leading: boolean) => void): () => void;
  start(): void;
  stop(): Promise<void>;
}

export interface OpenedReplicas {
  store: KubernetesRunStore;
  elector: LeaseElector;
  namespace: string;
}

/** The namespace of mngbot's objects: MNG_NAMESPACE (or the pod's), else its service account's, else mngbot. */
function namespaceOf(config: Extract<StoreConfig, { kind: 'kubernetes' }>): string {
  if (config.namespace) return config.namespace;
  try {
    return readFileSync(SERVICE_ACCOUNT_NAMESPACE, 'utf8').trim() || DEFAULT_NAMESPACE;
  } catch {
    return DEFAULT_NAMESPACE;
  }
}

/** The cluster mngbot runs in: $KUBECONFIG's current context when set, else the pod's service account. */
function ownCluster(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return kc;
}

export async function openReplicas(config: Extract<StoreConfig, { kind: 'kubernetes' }>, o: { log: Logger; now: () => number }): Promise<OpenedReplicas> {
  const kubeConfig = ownCluster();
  const namespace = namespaceOf(config);
  const log = o.log.child({ component: 'store' });
  const store = await KubernetesRunStore.open({ kubeConfig, namespace, now: o.now, log: (m) => log.warn(m) });
  const elector = new LeaseElector({
    kubeConfig,
    namespace,
    ...(config.leaseDurationMs !== undefined ? { leaseDurationMs: config.leaseDurationMs } : {}),
    ...(config.renewMs !== undefined ? { renewMs: config.renewMs } : {}),
    log: o.log.child({ component: 'lease' }),
  });
  o.log.info('state in the Kubernetes API', { namespace, identity: elector.identity, ...elector.settings });
  return { store, elector, namespace };
}

const notLeading = (what: string) => new ConflictError(`this replica no longer leads: ${what} not sent (the new leader carries on from the store)`);

/** The calls that change the world; reads go through whatever this replica's role. */
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
