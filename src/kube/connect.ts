// Where the Kubernetes API is and how mngbot proves who it is: in-cluster (service account), a
// kubeconfig context, an EKS cluster (endpoint + CA from DescribeCluster, a bearer token from a
// function, refreshed before its 15 minutes run out), or a plain server URL (the simulator).
import { KubeConfig, type Cluster as KubeConfigCluster, type User } from '@kubernetes/client-node';
import { KubeCluster, type KubeClusterOptions } from './kube-cluster.js';

export type KubeConnection =
  /** The pod's service account (KUBERNETES_SERVICE_HOST/PORT, /var/run/secrets/kubernetes.io/serviceaccount). */
  | { kind: 'in-cluster' }
  /** A kubeconfig file (default: $KUBECONFIG or ~/.kube/config) and optionally one of its contexts. */
  | { kind: 'kubeconfig'; path?: string; context?: string }
  | {
      kind: 'eks';
      /** The EKS cluster name (names the kubeconfig entries). */
      name: string;
      /** DescribeCluster cluster.endpoint, https://… */
      endpoint: string;
      /** DescribeCluster cluster.certificateAuthority.data: the CA bundle, base64. */
      caData: string;
      /** A fresh token (aws/eks-token.ts eksToken(cluster, region, credentials)). */
      token: () => Promise<string>;
      /** How long a token is reused; EKS accepts one for 15 minutes. Default 10 minutes. */
      tokenTtlMs?: number;
    }
  /** A server URL; http:// (the simulator's API) needs no TLS at all. */
  | { kind: 'server'; server: string; token?: string; caData?: string; skipTLSVerify?: boolean };

export const EKS_TOKEN_TTL_MS = 10 * 60_000;

/**
 * Caches a token provider's answer for ttlMs; concurrent callers share one fetch, and a failed
 * fetch is not cached.
 */
export function cachedToken(provider: () => Promise<string>, ttlMs: number, now: () => number = Date.now): () => Promise<string> {
  let token: string | undefined;
  let expiresAt = 0;
  let inFlight: Promise<string> | undefined;
  return () => {
    if (token !== undefined && now() < expiresAt) return Promise.resolve(token);
    inFlight ??= provider().then(
      (t) => {
        token = t;
        expiresAt = now() + ttlMs;
        inFlight = undefined;
        return t;
      },
      (err) => {
        inFlight = undefined;
        throw err;
      },
    );
    return inFlight;
  };
}

function single(cluster: KubeConfigCluster, user: User): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromClusterAndUser(cluster, user);
  return kc;
}

export function kubeConfigFor(conn: KubeConnection): KubeConfig {
  switch (conn.kind) {
    case 'in-cluster': {
      const kc = new KubeConfig();
      kc.loadFromCluster();
      return kc;
    }
    case 'kubeconfig': {
      const kc = new KubeConfig();
      if (conn.path) kc.loadFromFile(conn.path);
      else kc.loadFromDefault();
      if (conn.context) {
        if (!kc.getContextObject(conn.context)) {
          throw new Error(`kubeconfig has no context "${conn.context}" (it has: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'})`);
        }
        kc.setCurrentContext(conn.context);
      }
      return kc;
    }
    case 'eks': {
      const userName = `mngbot-eks-${conn.name}`;
      const token = cachedToken(conn.token, conn.tokenTtlMs ?? EKS_TOKEN_TTL_MS);
      const kc = single(
        // EKS endpoints are https; http:// is for tests against the simulator, which client-node only allows this way.
        { name: `eks-${conn.name}`, server: conn.endpoint, caData: conn.caData, skipTLSVerify: conn.endpoint.startsWith('http://') },
        { name: userName },
      );
      // Asked on every request (and every watch connection), so the token is always fresh.
      kc.addAuthenticator({
        isAuthProvider: (user) => user.name === userName,
        applyAuthentication: async (_user, opts) => {
          opts.headers = { ...opts.headers, Authorization: `Bearer ${await token()}` };
        },
      });
      return kc;
    }
    case 'server': {
      const http = conn.server.startsWith('http://');
      return single(
        {
          name: 'server',
          server: conn.server.replace(/\/+$/, ''),
          // client-node refuses http:// unless the cluster skips TLS verification (there is no TLS to verify).
          skipTLSVerify: http || conn.skipTLSVerify === true,
          ...(conn.caData ? { caData: conn.caData } : {}),
        },
        { name: 'server-user', ...(conn.token ? { token: conn.token } : {}) },
      );
    }
  }
}

/** A KubeCluster for the connection. */
export function connectCluster(conn: KubeConnection, opts?: KubeClusterOptions): KubeCluster {
  return new KubeCluster(kubeConfigFor(conn), opts);
}
