// The Cluster port over the Kubernetes API with @kubernetes/client-node 2. Returns engine types only;
// failures become the engine's errors (kube-errors.ts).
import {
  CoreV1Api,
  Observable,
  PatchStrategy,
  PolicyV1Api,
  Watch,
  setHeaderMiddleware,
  type ConfigurationOptions,
  type KubeConfig,
  type ObservableMiddleware,
  type V1Node,
  type V1Pod,
} from '@kubernetes/client-node';
import { UserError } from '../engine/errors.js';
import { countKubeCall, countKubeError, kubeRequest, type KubeRequest } from '../metrics/kube-requests.js';
import type {
  Cluster,
  ClusterEvent,
  ClusterWatch,
  EvictionResult,
  NodeInfo,
  NodeNote,
  NodePatch,
  PdbInfo,
  PodInfo,
  Taint,
} from '../engine/ports.js';
import { ResumableClusterWatch, type Listed } from './cluster-watch.js';
import { KubeEventSink } from './kube-event-sink.js';
import { codeOf, kubeError, statusOf } from './kube-errors.js';
import { toNodeInfo, toPdbInfo, toPodInfo, toTaint } from './to-engine.js';

export interface KubeClusterOptions {
  /** Each API request (not a watch) gives up after this long, as a RetryableError. Default 30 s. */
  requestTimeoutMs?: number;
  /** Read-modify-write attempts of a node's taints before a 409 Conflict is given up on. Default 5. */
  patchAttempts?: number;
  /** Items per page when listing pods. Default 500. */
  pageSize?: number;
  /**
   * A watch with no bytes for this long is considered dead and resumed (the server's bookmarks keep a
   * quiet watch alive). Default 90 s.
   */
  watchIdleTimeoutMs?: number;
  log?: { warn(msg: string, fields?: Record<string, unknown>): void };
  /** reportingInstance of the Events it records (the pod's name). */
  eventsInstance?: string;
}

/** A Status-like body the 429 of an eviction carries. */
const DISRUPTION_BUDGET = 'DisruptionBudget';

function timeoutMiddleware(ms: number): ObservableMiddleware {
  return {
    pre: (ctx) => {
      ctx.setSignal(AbortSignal.timeout(ms));
      return new Observable(Promise.resolve(ctx));
    },
    post: (res) => new Observable(Promise.resolve(res)),
  };
}

/** Counts the request and its error status: made per request, as it carries the request to its answer. */
function metricsMiddleware(): ObservableMiddleware {
  let req: KubeRequest | undefined;
  return {
    pre: (ctx) => {
      req = kubeRequest(ctx.getHttpMethod(), ctx.getUrl());
      countKubeCall(req);
      return new Observable(Promise.resolve(ctx));
    },
    post: (res) => {
      if (req && res.httpStatusCode >= 400) countKubeError(req, res.httpStatusCode);
      return new Observable(Promise.resolve(res));
    },
  };
}

/** metav1.Time: RFC 3339 to the second. */
const kubeTime = (t: Date | string) => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');

export class KubeCluster implements Cluster {
  private readonly core: CoreV1Api;
  private readonly policy: PolicyV1Api;
  private readonly watcher: Watch;
  private readonly requestTimeoutMs: number;
  private readonly patchAttempts: number;
  private readonly pageSize: number;
  private readonly events: KubeEventSink;

  constructor(
    kubeConfig: KubeConfig,
    private readonly opts: KubeClusterOptions = {},
  ) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.policy = kubeConfig.makeApiClient(PolicyV1Api);
    this.watcher = new Watch(kubeConfig);
    // Private in the typings but read on every watch: the default 30 s is shorter than the minute
    // between an API server's bookmarks, so quiet watches would be cut and resumed twice a minute.
    (this.watcher as unknown as { requestTimeoutMs: number }).requestTimeoutMs = opts.watchIdleTimeoutMs ?? 90_000;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.patchAttempts = opts.patchAttempts ?? 5;
    this.pageSize = opts.pageSize ?? 500;
    this.events = new KubeEventSink((body) => this.core.createNamespacedEvent({ namespace: 'default', body }, this.options()), {
      ...(opts.log ? { log: opts.log } : {}),
      ...(opts.eventsInstance ? { instance: opts.eventsInstance } : {}),
    });
  }

  recordEvent(note: NodeNote): void {
    this.events.push(note);
  }

  /** Resolves once every Event recorded so far was sent (or dropped). */
  eventsSent(): Promise<void> {
    return this.events.flushed();
  }

  async listNodes(): Promise<NodeInfo[]> {
    return (await this.nodeList()).items;
  }

  async listPods(opts: { nodeName?: string } = {}): Promise<PodInfo[]> {
    return (await this.podList(opts.nodeName)).items;
  }

  async listPdbs(): Promise<PdbInfo[]> {
    try {
      const list = await this.policy.listPodDisruptionBudgetForAllNamespaces({}, this.options());
      return list.items.map(toPdbInfo);
    } catch (err) {
      throw kubeError(err, 'list', 'poddisruptionbudgets');
    }
  }

  watch(onEvent: (event: ClusterEvent) => void): ClusterWatch {
    return new ResumableClusterWatch(
      {
        listNodes: () => this.nodeList(),
        listPods: () => this.podList(),
        watch: (path, params, onEvt, done) => {
          countKubeCall(kubeRequest('GET', `${path}?watch=true`));
          return this.watcher.watch(path, params, onEvt, done);
        },
        toNode: (raw) => toNodeInfo(raw as V1Node),
        toPod: (raw) => toPodInfo(raw as V1Pod),
        isFatal: (err) => {
          const code = codeOf(err) ?? codeOf((err as { cause?: unknown })?.cause);
          return code === 401 || code === 403 || (err instanceof Error && err.name === 'FatalError');
        },
        ...(this.opts.log ? { log: this.opts.log } : {}),
      },
      onEvent,
    );
  }

  async patchNode(name: string, patch: NodePatch): Promise<void> {
    const touchesTaints = (patch.addTaints?.length ?? 0) > 0 || (patch.removeTaints?.length ?? 0) > 0;
    if (!touchesTaints) {
      // unschedulable, annotations and labels merge field by field: no read, no precondition needed.
      const body: { spec?: { unschedulable: boolean }; metadata?: { annotations?: Record<string, string | null>; labels?: Record<string, string | null> } } = {};
      if (patch.unschedulable !== undefined) body.spec = { unschedulable: patch.unschedulable };
      if (patch.annotations && Object.keys(patch.annotations).length > 0) body.metadata = { annotations: patch.annotations };
      if (patch.labels && Object.keys(patch.labels).length > 0) body.metadata = { ...body.metadata, labels: patch.labels };
      if (!body.spec && !body.metadata) return;
      await this.mergePatchNode(name, body);
      return;
    }
    // spec.taints is an atomic list: read, change, write back with the resourceVersion it was read at.
    for (let attempt = 1; ; attempt++) {
      const node = await this.readNode(name);
      const body = nodeChanges(node, patch);
      if (!body) return;
      try {
        await this.mergePatchNode(name, body, false);
        return;
      } catch (err) {
        if (codeOf(err) !== 409) throw kubeError(err, 'patch', 'nodes', name);
        if (attempt >= this.patchAttempts) {
          throw kubeError(err, 'patch', 'nodes', name);
        }
      }
    }
  }

  async evict(pod: { namespace: string; name: string }): Promise<EvictionResult> {
    try {
      await this.core.createNamespacedPodEviction(
        {
          name: pod.name,
          namespace: pod.namespace,
          body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod.name, namespace: pod.namespace } },
        },
        this.options(),
      );
      return { outcome: 'accepted' };
    } catch (err) {
      const s = statusOf(err);
      if (s.code === 404) return { outcome: 'gone' };
      if (s.code === 429) {
        const budget = s.causes?.some((c) => c.reason === DISRUPTION_BUDGET) ?? false;
        // API priority and fairness also answers 429, with Retry-After and no budget cause: that is throttling.
        if (budget || s.retryAfterMs === undefined) {
          const message = [s.message ?? 'Cannot evict pod as it would violate the pod\'s disruption budget.']
            .concat((s.causes ?? []).map((c) => c.message ?? '').filter((m) => m !== '' && !(s.message ?? '').includes(m)))
            .join(' ');
          return { outcome: 'blocked', message };
        }
      }
      throw kubeError(err, 'create', 'pods/eviction', `${pod.namespace}/${pod.name}`);
    }
  }

  /**
   * No grace period given: the pod keeps its own terminationGracePeriodSeconds to shut down, as
   * kubectl drain --force and EKS keep it (0 would kill a StatefulSet's pod mid-write). Already gone is fine.
   */
  async deletePod(pod: { namespace: string; name: string }): Promise<void> {
    try {
      await this.core.deleteNamespacedPod({ name: pod.name, namespace: pod.namespace }, this.options());
    } catch (err) {
      if (codeOf(err) === 404) return;
      throw kubeError(err, 'delete', 'pods', `${pod.namespace}/${pod.name}`);
    }
  }

  // ---- internals ----

  private options(contentType?: string): ConfigurationOptions {
    const middleware = [timeoutMiddleware(this.requestTimeoutMs), metricsMiddleware()];
    if (contentType) middleware.push(setHeaderMiddleware('Content-Type', contentType));
    return { middleware, middlewareMergeStrategy: 'append' };
  }

  private async nodeList(): Promise<Listed<NodeInfo>> {
    try {
      const list = await this.core.listNode({}, this.options());
      return { items: list.items.map(toNodeInfo), resourceVersion: list.metadata?.resourceVersion ?? '' };
    } catch (err) {
      throw kubeError(err, 'list', 'nodes');
    }
  }

  /** Every pod (or the node's), page by page; the version is the first page's (a consistent snapshot). */
  private async podList(nodeName?: string): Promise<Listed<PodInfo>> {
    const items: PodInfo[] = [];
    let resourceVersion = '';
    let cont: string | undefined;
    try {
      do {
        const page = await this.core.listPodForAllNamespaces(
          {
            limit: this.pageSize,
            ...(cont ? { _continue: cont } : {}),
            ...(nodeName !== undefined ? { fieldSelector: `spec.nodeName=${nodeName}` } : {}),
          },
          this.options(),
        );
        if (!resourceVersion) resourceVersion = page.metadata?.resourceVersion ?? '';
        for (const p of page.items) items.push(toPodInfo(p));
        cont = page.metadata?._continue || undefined;
      } while (cont);
    } catch (err) {
      throw kubeError(err, 'list', 'pods');
    }
    return { items, resourceVersion };
  }

  private async readNode(name: string): Promise<V1Node> {
    try {
      return await this.core.readNode({ name }, this.options());
    } catch (err) {
      if (codeOf(err) === 404) throw new UserError(`nodes "${name}" not found`);
      throw kubeError(err, 'get', 'nodes', name);
    }
  }

  /** A JSON merge patch (RFC 7386): maps merge, null deletes, lists are replaced whole. */
  private async mergePatchNode(name: string, body: object, mapErrors = true): Promise<void> {
    try {
      await this.core.patchNode({ name, body }, this.options(PatchStrategy.MergePatch));
    } catch (err) {
      if (!mapErrors) throw err;
      if (codeOf(err) === 404) throw new UserError(`nodes "${name}" not found`);
      throw kubeError(err, 'patch', 'nodes', name);
    }
  }
}

type TaintJson = { key: string; value?: string; effect: string; timeAdded?: string };

/**
 * The merge patch that applies `patch` to the node as read, with its resourceVersion as the
 * precondition; undefined when the node already matches (taint changes are idempotent).
 */
export function nodeChanges(node: V1Node, patch: NodePatch): Record<string, any> | undefined {
  const current: TaintJson[] = (node.spec?.taints ?? []).map((t) => ({
    key: t.key,
    ...(t.value !== undefined && t.value !== '' ? { value: t.value } : {}),
    effect: t.effect,
    ...(t.timeAdded ? { timeAdded: kubeTime(t.timeAdded) } : {}),
  }));
  const remove = new Set(patch.removeTaints ?? []);
  let next: TaintJson[] = current.filter((t) => !remove.has(t.key));
  for (const add of patch.addTaints ?? []) {
    const t: Taint = toTaint(add);
    const at = next.findIndex((x) => x.key === t.key && x.effect === t.effect);
    const json: TaintJson = { key: t.key, ...(t.value !== undefined ? { value: t.value } : {}), effect: t.effect };
    if (at >= 0) next[at] = { ...json, ...(next[at].timeAdded ? { timeAdded: next[at].timeAdded } : {}) };
    else next = [...next, json];
  }
  const body: { metadata: Record<string, any>; spec?: Record<string, any> } = {
    metadata: { resourceVersion: node.metadata?.resourceVersion },
  };
  let changed = false;
  const comparable = (ts: TaintJson[]) => JSON.stringify(ts.map((t) => [t.key, t.value ?? '', t.effect]));
  if (comparable(next) !== comparable(current)) {
    body.spec = { taints: next.length > 0 ? next : null };
    changed = true;
  }
  if (patch.unschedulable !== undefined && patch.unschedulable !== (node.spec?.unschedulable === true)) {
    body.spec = { ...body.spec, unschedulable: patch.unschedulable };
    changed = true;
  }
  const annotations = node.metadata?.annotations ?? {};
  const annotationChanges: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(patch.annotations ?? {})) {
    if (v === null ? k in annotations : annotations[k] !== v) annotationChanges[k] = v;
  }
  if (Object.keys(annotationChanges).length > 0) {
    body.metadata.annotations = annotationChanges;
    changed = true;
  }
  const labels = node.metadata?.labels ?? {};
  const labelChanges: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(patch.labels ?? {})) {
    if (v === null ? k in labels : labels[k] !== v) labelChanges[k] = v;
  }
  if (Object.keys(labelChanges).length > 0) {
    body.metadata.labels = labelChanges;
    changed = true;
  }
  return changed ? body : undefined;
}
