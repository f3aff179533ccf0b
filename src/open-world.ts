// The world the engine acts on, from the configuration: the simulator (a scenario on a simulated
// clock) or AWS and Kubernetes for real. Used by main.ts and the headless CLI, so both run against
// exactly the same adapters.
// The AWS SDK and the Kubernetes client are loaded only for the AWS world: they take most of a
// second to load, which a simulated run (and every CLI call on it) would otherwise pay.
import { readFileSync } from 'node:fs';
import type { EKSClient } from '@aws-sdk/client-eks';
import type { AwsClientOptions } from './aws/clients.js';
import type { EksClusterSettings } from './aws/eks-node-groups.js';
import type { ClusterConfig, WorldConfig } from './config.js';
import { errorMessage, UserError } from './engine/errors.js';
import type { Clock, Cluster, ClusterEvent, ClusterWatch, NodeGroups } from './engine/ports.js';
import type { KubeConnection, kubeConfigFor } from './kube/connect.js';
import type { Logger } from './log.js';
import { PacedClock, type SimClock } from './sim/clock.js';
import { loadScenario } from './sim/scenario.js';
import { createWorld, type SimWorld } from './sim/world.js';
import { systemClock } from './real-clock.js';

/** How the Kubernetes API of each cluster is reached (AWS only). */
export interface KubeAccess {
  /**
   * auto (default): a kubeconfig when one is named (kubeconfig, context or $KUBECONFIG); else the
   * service account when the bot runs in the very cluster (its CA is the cluster's); else the EKS
   * endpoint with a token for the bot's IAM identity (or the cluster's role).
   */
  mode?: 'auto' | 'in-cluster' | 'kubeconfig' | 'eks';
  /** A kubeconfig file; default $KUBECONFIG or ~/.kube/config. */
  kubeconfig?: string;
  /** A context of that kubeconfig; default: the one named after the cluster. */
  context?: string;
}

export interface OpenWorldOptions {
  /** Simulator only: the clock the world runs on; default a PacedClock at world.simSpeed. */
  clock?: SimClock;
  kube?: KubeAccess;
  /** Where KUBECONFIG, KUBERNETES_SERVICE_HOST, AWS_REGION and AWS_DEFAULT_REGION are read; default process.env. */
  env?: Record<string, string | undefined>;
  log?: Logger;
  /** AWS only: one endpoint for every service (tests), fixed credentials; default the SDK's own (AWS_ENDPOINT_URL, the credential chain). */
  aws?: Pick<AwsClientOptions, 'endpoint' | 'credentials'>;
  /** Tests: the service account's CA file; default the one Kubernetes mounts. */
  serviceAccountCaFile?: string;
}

export interface OpenedWorld {
  kind: 'sim' | 'aws';
  /** Simulated seconds per real second: 1 for the real cloud; a simulated one's pace. */
  speed: number;
  nodeGroups: NodeGroups;
  /** The Kubernetes API of a cluster, one per cluster name, connected on first use. */
  clusterFor(cluster: string): Cluster;
  clock: Clock;
  /** The configured clusters; in the simulator without any, the scenario's cluster and node group. */
  clusters: ClusterConfig[];
  /** The simulated world, when kind is sim. */
  sim?: SimWorld;
  /** Closes connections; the world cannot be used afterwards. */
  close(): Promise<void>;
}

export const SERVICE_ACCOUNT_CA = '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt';

export { systemClock };

export async function openWorld(config: { world: WorldConfig; clusters: ClusterConfig[] }, opts: OpenWorldOptions = {}): Promise<OpenedWorld> {
  return config.world.kind === 'sim' ? openSim(config.world, config.clusters, opts) : openAws(config.world, config.clusters, opts);
}

// ---------------------------------------------------------------------------------------------
// The simulator

async function openSim(world: Extract<WorldConfig, { kind: 'sim' }>, configured: ClusterConfig[], opts: OpenWorldOptions): Promise<OpenedWorld> {
  const scenario = await loadScenario(world.scenario);
  // From the real now, as npm run world does: the times people read of the world start at theirs.
  const clock = opts.clock ?? new PacedClock(world.simSpeed, Date.now());
  const sim = createWorld(scenario, { clock });
  const name = scenario.cluster.name;
  const clusters = configured.length > 0 ? configured : [{ name, nodegroups: [scenario.nodegroup.name] }];
  return {
    kind: 'sim',
    speed: clock instanceof PacedClock ? clock.speed : world.simSpeed,
    nodeGroups: sim.nodeGroups,
    clusterFor(cluster) {
      if (cluster !== name) {
        throw new UserError(`the simulated world has no cluster ${cluster}: ${world.scenario} simulates cluster ${name}`);
      }
      return sim.cluster;
    },
    clock,
    clusters,
    sim,
    close: async () => {},
  };
}

// ---------------------------------------------------------------------------------------------
// AWS and Kubernetes

function regionOf(c: ClusterConfig, env: Record<string, string | undefined>): string {
  const region = c.region || env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim();
  if (!region) {
    throw new UserError(`cluster ${c.name} has no region: set AWS_REGION, or give the cluster a region in the file MNG_CONFIG names`);
  }
  return region;
}

async function openAws(world: Extract<WorldConfig, { kind: 'aws' }>, configured: ClusterConfig[], opts: OpenWorldOptions): Promise<OpenedWorld> {
  const clock = world.clockUrl ? await worldClock(world.clockUrl) : systemClock;
  const [{ DescribeClusterCommand, EKSClient }, { awsCall }, { EksNodeGroups }, { eksToken }, { connectCluster, kubeConfigFor }] = await Promise.all([
    import('@aws-sdk/client-eks'),
    import('./aws/aws-errors.js'),
    import('./aws/eks-node-groups.js'),
    import('./aws/eks-token.js'),
    import('./kube/connect.js'),
  ]);
  const env = opts.env ?? process.env;
  const log = opts.log;
  const settings: Record<string, EksClusterSettings> = {};
  for (const c of configured) {
    settings[c.name] = {
      region: regionOf(c, env),
      ...(c.roleArn ? { roleArn: c.roleArn } : {}),
      ...(c.externalId ? { externalId: c.externalId } : {}),
      ...(c.selfManaged ? { selfManaged: c.selfManaged } : {}),
    };
  }
  // The SDK's default credential chain; AWS_ENDPOINT_URL[_<SERVICE>] is honoured by the SDK itself.
  const nodeGroups = new EksNodeGroups({
    clusters: settings,
    ...opts.aws,
    ...(log ? { log: (msg: string, fields?: Record<string, unknown>) => log.info(msg, fields) } : {}),
  });
  const eksClients = new Map<string, EKSClient>();
  const cache = new Map<string, Cluster>();

  const connection = async (name: string): Promise<{ conn: KubeConnection; via: string }> => {
    const access = opts.kube ?? {};
    const mode = access.mode ?? 'auto';
    // A path given here is read alone; $KUBECONFIG (which may list several files) is client-node's to read.
    const path = access.kubeconfig;
    if (mode === 'kubeconfig' || (mode === 'auto' && (path || access.context || env.KUBECONFIG?.trim()))) {
      const context = access.context ?? contextFor(kubeConfigFor, name, path);
      return { conn: { kind: 'kubeconfig', ...(path ? { path } : {}), context }, via: `kubeconfig context ${context}` };
    }
    if (mode === 'in-cluster') return { conn: { kind: 'in-cluster' }, via: "the pod's service account" };
    const { region, credentials } = nodeGroups.credentialsFor(name);
    let eks = eksClients.get(name);
    if (!eks) {
      eks = new EKSClient({ region, credentials, maxAttempts: 8, ...(opts.aws?.endpoint ? { endpoint: opts.aws.endpoint } : {}) });
      eksClients.set(name, eks);
    }
    const client = eks;
    const out = await awsCall({ service: 'EKS', operation: 'DescribeCluster', resource: `cluster ${name}` }, () =>
      client.send(new DescribeClusterCommand({ name })),
      { ResourceNotFoundException: () => new UserError(`EKS cluster ${name} not found in ${region}: check the cluster's name and region`) },
    );
    const endpoint = out.cluster?.endpoint;
    const caData = out.cluster?.certificateAuthority?.data;
    if (!endpoint || !caData) {
      throw new UserError(`EKS reports no API endpoint for cluster ${name} (status ${out.cluster?.status ?? 'unknown'}): wait until it is ACTIVE`);
    }
    if (mode === 'auto' && env.KUBERNETES_SERVICE_HOST && sameCa(opts.serviceAccountCaFile ?? SERVICE_ACCOUNT_CA, caData)) {
      return { conn: { kind: 'in-cluster' }, via: "the pod's service account (mngbot runs in this cluster)" };
    }
    return {
      conn: { kind: 'eks', name, endpoint, caData, token: () => eksToken(name, region, credentials) },
      via: `the EKS endpoint ${endpoint} with a token for ${settings[name]?.roleArn ?? "mngbot's IAM identity"}`,
    };
  };

  const connect = async (name: string): Promise<Cluster> => {
    if (!Object.hasOwn(settings, name)) {
      const known = Object.keys(settings);
      throw new UserError(
        `cluster ${name} is not configured: ${known.length ? `the configured ones are ${known.join(', ')}` : 'list it under "clusters" in the file MNG_CONFIG names'}`,
      );
    }
    let chosen: { conn: KubeConnection; via: string };
    try {
      chosen = await connection(name);
    } catch (err) {
      throw named(err, name, 'cannot find out how to reach its Kubernetes API');
    }
    let cluster: Cluster;
    try {
      cluster = connectCluster(chosen.conn, { ...(log ? { log: log.child({ cluster: name }) } : {}) });
    } catch (err) {
      throw named(err, name, `cannot set up its Kubernetes client (via ${chosen.via})`);
    }
    log?.info('kubernetes API', { cluster: name, via: chosen.via });
    return cluster;
  };

  return {
    kind: 'aws',
    speed: clock instanceof PacedClock ? clock.speed : 1,
    nodeGroups,
    clusterFor(name) {
      let cluster = cache.get(name);
      if (!cluster) {
        cluster = new DeferredCluster(name, () => connect(name));
        cache.set(name, cluster);
      }
      return cluster;
    },
    clock,
    clusters: configured,
    close: async () => {
      nodeGroups.destroy();
      for (const c of eksClients.values()) c.destroy();
      eksClients.clear();
      cache.clear();
    },
  };
}

/**
 * A clock that keeps a simulated cloud's time (npm run world): its now and pace are read once, and
 * both then run on real time, so drain timeouts and waits mean the same on both sides.
 */
export async function worldClock(url: string): Promise<PacedClock> {
  const sent = performance.now();
  let body: unknown;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    body = await res.json();
  } catch (err) {
    throw new UserError(`MNG_CLOCK_URL: cannot read the world's clock at ${url} (${errorMessage(err)}): is npm run world running there?`);
  }
  const { now, speed } = (body ?? {}) as { now?: unknown; speed?: unknown };
  if (typeof now !== 'number' || typeof speed !== 'number' || !(speed > 0)) {
    throw new UserError(`MNG_CLOCK_URL: ${url} answered ${JSON.stringify(body)}, not { now, speed }: it should be a world's /world/clock`);
  }
  // The answer is as old as half the round trip.
  const halfTrip = (performance.now() - sent) / 2;
  return new PacedClock(speed, now + halfTrip * speed);
}

/** The context of a kubeconfig that points at the cluster: named after it, as eksctl and `aws eks update-kubeconfig` name them. */
function contextFor(load: typeof kubeConfigFor, cluster: string, path: string | undefined): string {
  const kc = load({ kind: 'kubeconfig', ...(path ? { path } : {}) });
  const contexts = kc.getContexts();
  const matches = (name: string) =>
    name === cluster || name.endsWith(`:cluster/${cluster}`) || name.startsWith(`${cluster}.`) || name.includes(`@${cluster}.`);
  const found = contexts.find((c) => matches(c.name)) ?? contexts.find((c) => matches(c.cluster));
  if (!found) {
    throw new UserError(
      `the kubeconfig${path ? ` ${path}` : ''} has no context for cluster ${cluster} (it has: ${contexts.map((c) => c.name).join(', ') || 'none'}):` +
        ` name one with --context, or add one with aws eks update-kubeconfig --name ${cluster}`,
    );
  }
  return found.name;
}

function sameCa(file: string, caData: string): boolean {
  try {
    return readFileSync(file, 'utf8').trim() === Buffer.from(caData, 'base64').toString('utf8').trim();
  } catch {
    return false;
  }
}

/** The error, its message prefixed with the cluster (and what was being done), its class kept. */
function named(err: unknown, cluster: string, doing?: string): Error {
  const prefix = `cluster ${cluster}: ${doing ? `${doing}: ` : ''}`;
  if (err instanceof Error) {
    if (!err.message.startsWith(`cluster ${cluster}:`)) err.message = prefix + err.message;
    return err;
  }
  return new Error(prefix + errorMessage(err));
}

/**
 * A Cluster connected on first use (finding the EKS endpoint takes a call), so opening the world
 * needs no network. A failed connection is retried by the next call; errors name the cluster.
 */
class DeferredCluster implements Cluster {
  private connected?: Promise<Cluster>;

  constructor(
    private readonly name: string,
    private readonly connect: () => Promise<Cluster>,
  ) {}

  private cluster(): Promise<Cluster> {
    if (!this.connected) {
      const attempt = this.connect();
      this.connected = attempt;
      attempt.catch(() => {
        if (this.connected === attempt) this.connected = undefined;
      });
    }
    return this.connected;
  }

  private async call<T>(fn: (c: Cluster) => Promise<T>): Promise<T> {
    try {
      return await fn(await this.cluster());
    } catch (err) {
      throw named(err, this.name);
    }
  }

  listNodes: Cluster['listNodes'] = () => this.call((c) => c.listNodes());
  listPods: Cluster['listPods'] = (opts) => this.call((c) => c.listPods(opts));
  listPdbs: Cluster['listPdbs'] = () => this.call((c) => c.listPdbs());
  patchNode: Cluster['patchNode'] = (name, patch) => this.call((c) => c.patchNode(name, patch));
  evict: Cluster['evict'] = (pod) => this.call((c) => c.evict(pod));
  deletePod: Cluster['deletePod'] = (pod) => this.call((c) => c.deletePod(pod));

  watch(onEvent: (event: ClusterEvent) => void): ClusterWatch {
    let stopped = false;
    let inner: ClusterWatch | undefined;
    const ready = this.cluster().then((c) => {
      if (stopped) return;
      inner = c.watch(onEvent);
      return inner.ready;
    });
    const named$ = ready.catch((err: unknown) => {
      throw named(err, this.name);
    });
    named$.catch(() => {});
    return {
      ready: named$,
      stop() {
        stopped = true;
        inner?.stop();
      },
    };
  }
}
