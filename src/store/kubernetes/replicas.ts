// Several replicas of mngbot on one state (MNG_STORE=kubernetes): the store in the Kubernetes API and
// the Lease that makes one of them the leader. compose.ts opens them (and fences the world's ports,
// app/fenced-ports.ts); bot.ts starts and stops the leader's work.
import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import type { StoreConfig } from '../../config.js';
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
