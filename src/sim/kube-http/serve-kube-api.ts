// The simulated world's Kubernetes API over HTTP: the subset mngbot uses (nodes, pods, evictions, PDBs,
// watches with resourceVersions and 410 Gone) plus what kubectl needs to read it (discovery, Tables).
// Calls go through the world's SimCluster where one exists, so they are metered and throttled alike.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorMessage, RetryableError } from '../../engine/errors.js';
import type { NodePatch, Taint } from '../../engine/ports.js';
import type { SimWorld } from '../world.js';
import { apiGroups, appsGroup, appsResources, apiVersions, coreResources, policyGroup, policyResources, versionInfo } from './discovery.js';
import { eventsApi } from './events-api.js';
import { daemonSetObject, pdbObject, type KubeObject } from './kube-objects.js';
import { applyPatch, PatchError, patchTypeOf } from './patch.js';
import { ObjectApi, type ObjectRequest } from './object-api.js';
import { ResourceStore, type Change, type Resource } from './resource-store.js';
import { fieldSelector, labelSelector, SelectorError, type Selector } from './selectors.js';
import { includeObjectParam, toTable, wantsTable, type TableResource } from './tables.js';

export interface KubeApiOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** Changes kept for watches to resume from; a resourceVersion older than these answers 410 Gone. */
  historyLimit?: number;
  /** Real milliseconds between BOOKMARK events on watches that ask for them (allowWatchBookmarks). */
  bookmarkIntervalMs?: number;
  /** When set, every request must carry `Authorization: Bearer <token>`; 401 otherwise. */
  token?: string;
  /**
   * Count reads in the world's API meter (and subject them to its throttling faults), as calls of the
   * bot under test. Off for onlookers (kubectl beside an in-process run). Writes always count. Default true.
   */
  meter?: boolean;
  /** RBAC stand-in: a request it refuses answers 403 Forbidden. */
  authorize?: (request: ApiRequest) => boolean;
  /** Stored objects (CRDs, custom resources, Leases): definitions present from the start, and their RBAC stand-in. */
  objects?: { crds?: readonly Record<string, unknown>[]; authorize?: (request: ObjectRequest) => boolean };
}

export interface ApiRequest {
  verb: 'get' | 'list' | 'watch' | 'patch' | 'delete' | 'create';
  /** nodes, pods, pods/eviction, poddisruptionbudgets */
  resource: string;
  namespace?: string;
  name?: string;
}

export interface KubeApiServer {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  /** The newest resourceVersion. */
  readonly resourceVersion: number;
  readonly openWatches: number;
  /** Watch requests answered so far (each reconnection is one more). */
  readonly watchesServed: number;
  /** Cuts every open watch connection, as a load balancer or an API server restart would. */
  dropWatches(): void;
  /** Forgets the change history (an etcd compaction): a watch resuming from before now gets 410 Gone. */
  compact(): void;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function status(code: number, reason: string, message: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: code < 300 ? 'Success' : 'Failure', message, reason, code, ...extra };
}

const notFound = (resource: string, name: string) =>
  new HttpError(404, 'NotFound', `${resource} "${name}" not found`, { details: { name, kind: resource } });

const RESOURCES: Record<string, string[]> = { '': ['nodes', 'pods'], policy: ['poddisruptionbudgets'], apps: ['daemonsets'] };

const EFFECTS = new Set(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);

export async function serveKubeApi(world: SimWorld, opts: KubeApiOptions = {}): Promise<KubeApiServer> {
  const sim = world.cluster;
  const state = sim.state;
  const clock = world.clock;
  const store = new ResourceStore(state, clock, Math.max(1, opts.historyLimit ?? 5000));
  const bookmarkIntervalMs = opts.bookmarkIntervalMs ?? 10_000;
  const worldCreatedAt = Math.min(clock.now(), ...world.nodes().map((n) => n.createdAt));
  const watches = new Set<ServerResponse>();
  const meterRead = opts.meter === false ? () => {} : (method: string) => sim.meterCall(method);
  let watchesServed = 0;
  const events = eventsApi(state.events, {
    now: () => clock.now(),
    ...(opts.authorize ? { authorize: opts.authorize } : {}),
    forbidden: (r) => `events${r.name ? ` "${r.name}"` : ''} is forbidden: User "system:serviceaccount:mngbot:mngbot" cannot ${r.verb} resource "events" in API group "" ${r.namespace !== undefined ? `in the namespace "${r.namespace}"` : 'at the cluster scope'}`,
  });
  const objects = new ObjectApi({ now: () => clock.now(), historyLimit: opts.historyLimit, ...opts.objects });

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof HttpError) {
        send(res, err.code, status(err.code, err.reason, err.message, err.extra), err.headers);
      } else if (err instanceof RetryableError) {
        const seconds = Math.max(1, Math.ceil((err.retryAfterMs ?? 1000) / 1000));
        send(res, 429, status(429, 'TooManyRequests', err.message, { details: { retryAfterSeconds: seconds } }), {
          'Retry-After': String(seconds),
        });
      } else {
        send(res, 500, status(500, 'InternalError', `Internal error occurred: ${errorMessage(err)}`));
      }
    });
  });
  server.keepAliveTimeout = 30_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const q = url.searchParams;
    const parts = url.pathname.split('/').filter((p) => p.length > 0).map(decodeURIComponent);
    const method = req.method ?? 'GET';

    if (['healthz', 'livez', 'readyz'].includes(parts[0]) && parts.length === 1) {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
      return;
    }
    if (opts.token !== undefined && req.headers.authorization !== `Bearer ${opts.token}`) {
      throw new HttpError(401, 'Unauthorized', 'Unauthorized');
    }
    if (objects.owns(parts)) return objects.handle(req, res, parts, q);
    if (method === 'GET') {
      const doc = discovery(parts, req);
      if (doc) return send(res, 200, doc);
    }

    // /api/v1/… or /apis/{policy,apps}/v1/…, then optional namespaces/{ns}, then resource[/name[/sub]].
    let rest: string[];
    let group: string;
    if (parts[0] === 'api' && parts[1] === 'v1') [group, rest] = ['', parts.slice(2)];
    else if (parts[0] === 'apis' && (parts[1] === 'policy' || parts[1] === 'apps') && parts[2] === 'v1') [group, rest] = [parts[1], parts.slice(3)];
    else throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    if (group === '' && (await events.handle(req, res, { ...(namespace !== undefined ? { namespace } : {}), rest, query: q }))) return;
    const [resource, name, sub, ...extra] = rest;
    const known = (RESOURCES[group] ?? []).includes(resource);
    if (!known || extra.length > 0 || (resource === 'nodes' && namespace !== undefined)) {
      throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    }
    const watching = q.get('watch') === 'true' || q.get('watch') === '1';
    let request: ApiRequest;
    if (sub === 'eviction' && resource === 'pods' && method === 'POST') request = { verb: 'create', resource: 'pods/eviction' };
    else if (sub !== undefined) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    else if (method === 'GET') request = { verb: name ? 'get' : watching ? 'watch' : 'list', resource };
    else if (method === 'PATCH' && resource === 'nodes' && name) request = { verb: 'patch', resource };
    else if (method === 'DELETE' && resource === 'pods' && name) request = { verb: 'delete', resource };
    else throw new HttpError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
    if (namespace !== undefined) request.namespace = namespace;
    if (name !== undefined) request.name = name;
    if (opts.authorize && !opts.authorize(request)) {
      const scope = namespace !== undefined ? `in the namespace "${namespace}"` : 'at the cluster scope';
      throw new HttpError(
        403,
        'Forbidden',
        `${request.resource}${name ? ` "${name}"` : ''} is forbidden: User "system:serviceaccount:mngbot:mngbot" cannot ${request.verb} resource "${request.resource.split('/')[0]}"${request.resource.includes('/') ? ` subresource "${request.resource.split('/')[1]}"` : ''} in API group "${group}" ${scope}`,
        { details: { name: name ?? '', kind: resource } },
      );
    }

    const table = wantsTable(req.headers.accept);
    const include = includeObjectParam(q.get('includeObject'));
    switch (request.verb) {
      case 'list':
      case 'get': {
        meterRead(request.verb === 'get' ? `get:${resource}` : `list:${resource}`);
        let objects = current(resource as TableResource, namespace);
        if (name !== undefined) {
          const obj = objects.find((o) => o.metadata.name === name);
          if (!obj) throw notFound(resource, name);
          objects = [obj];
        } else {
          const filter = selectors(q);
          objects = objects.filter(filter);
        }
        const rv = store.resourceVersion;
        if (table) return send(res, 200, toTable(resource as TableResource, objects, { resourceVersion: rv, nowMs: clock.now(), include }));
        if (name !== undefined) return send(res, 200, objects[0]);
        return send(res, 200, {
          kind: `${objects[0]?.kind ?? kindOf(resource)}List`,
          apiVersion: group === '' ? 'v1' : `${group}/v1`,
          metadata: { resourceVersion: String(rv) },
          items: objects,
        });
      }
      case 'watch':
        if (resource !== 'nodes' && resource !== 'pods') throw new HttpError(405, 'MethodNotAllowed', `watching ${resource} is not supported by the simulator`);
        return watch(req, res, resource as Resource, namespace, q, table ? include : undefined);
      case 'patch':
        return patchNode(req, res, name!);
      case 'delete':
        return deletePod(req, res, namespace!, name!, q);
      case 'create':
        return evict(req, res, namespace!, name!);
    }
  }

  function discovery(parts: string[], req: IncomingMessage): Record<string, unknown> | undefined {
    const path = parts.join('/');
    switch (path) {
      case 'version':
        return versionInfo(world.scenario.cluster.version);
      case 'api':
        return apiVersions(req.socket.localAddress ? `${req.socket.localAddress}:${req.socket.localPort}` : '127.0.0.1');
      case 'api/v1':
        return coreResources();
      case 'apis': {
        const list = apiGroups() as { groups: unknown[] };
        return { ...list, groups: [...list.groups, ...objects.groups()] };
      }
      case 'apis/policy':
        return policyGroup();
      case 'apis/policy/v1':
        return policyResources();
      case 'apis/apps':
        return appsGroup();
      case 'apis/apps/v1':
        return appsResources();
      default:
        return undefined;
    }
  }

  function kindOf(resource: string): string {
    return { nodes: 'Node', pods: 'Pod', poddisruptionbudgets: 'PodDisruptionBudget', daemonsets: 'DaemonSet' }[resource] ?? resource;
  }

  function current(resource: TableResource, namespace?: string): KubeObject[] {
    if (resource === 'nodes') return [...store.nodes.values()];
    if (resource === 'pods') {
      const all = [...store.pods.values()];
      return namespace === undefined ? all : all.filter((p) => p.metadata.namespace === namespace);
    }
    const rv = store.resourceVersion;
    if (resource === 'daemonsets') {
      const desired = [...state.nodes.values()].filter((n) => !n.going).length;
      return state.workloads
        .filter((w) => w.spec.kind === 'DaemonSet' && (namespace === undefined || w.spec.namespace === namespace))
        .map((w) => {
          // active: its pods not terminating; healthy: those of them Ready.
          return daemonSetObject({ ...w.spec, scheduled: w.active, ready: w.healthy, desired }, rv, worldCreatedAt);
        });
    }
    return state
      .pdbs()
      .filter((b) => namespace === undefined || b.namespace === namespace)
      .map((b) => pdbObject(b, rv, worldCreatedAt));
  }

  function selectors(q: URLSearchParams): Selector {
    try {
      const byLabel = labelSelector(q.get('labelSelector'));
      const byField = fieldSelector(q.get('fieldSelector'));
      return (o) => byLabel(o) && byField(o);
    } catch (err) {
      if (err instanceof SelectorError) throw new HttpError(400, 'BadRequest', err.message);
      throw err;
    }
  }

  function watch(req: IncomingMessage, res: ServerResponse, resource: Resource, namespace: string | undefined, q: URLSearchParams, table?: ReturnType<typeof includeObjectParam>): void {
    watchesServed++;
    const filter = selectors(q);
    const matches = (o: KubeObject) => (namespace === undefined || o.metadata.namespace === namespace) && filter(o);
    const rvParam = q.get('resourceVersion');
    let backlog: Change[] = [];
    let initial: KubeObject[] = [];
    if (!rvParam || rvParam === '0') {
      // "Any version": the current state as synthetic ADDED events, then changes.
      initial = current(resource).filter(matches);
    } else {
      const rv = Number(rvParam);
      if (!Number.isInteger(rv) || rv < 0) throw new HttpError(400, 'BadRequest', `invalid resource version: "${rvParam}"`);
      const since = store.since(rv);
      if (since !== 'expired') backlog = since;
      else {
        // As the API server does: 200, then one ERROR event carrying 410 Gone, then the end.
        res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
        const gone = status(410, 'Expired', `too old resource version: ${rv} (${store.resourceVersion})`);
        res.end(`${JSON.stringify({ type: 'ERROR', object: gone })}\n`);
        return;
      }
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const write = (type: string, object: KubeObject) => {
      const body = table ? toTable(resource, [object], { resourceVersion: Number(object.metadata.resourceVersion), nowMs: clock.now(), include: table }) : object;
      res.write(`${JSON.stringify({ type, object: body })}\n`);
    };
    for (const o of initial) write('ADDED', o);
    const deliver = (c: Change) => {
      if (c.resource === resource && matches(c.object)) write(c.type, c.object);
    };
    for (const c of backlog) deliver(c);
    const unsubscribe = store.subscribe(deliver);
    watches.add(res);

    const timers: NodeJS.Timeout[] = [];
    const timeoutSeconds = Number(q.get('timeoutSeconds') ?? '');
    if (timeoutSeconds > 0) timers.push(setTimeout(() => res.end(), timeoutSeconds * 1000));
    if (q.get('allowWatchBookmarks') === 'true' && !table) {
      const kind = kindOf(resource);
      const bookmark = setInterval(() => {
        res.write(`${JSON.stringify({ type: 'BOOKMARK', object: { kind, apiVersion: 'v1', metadata: { resourceVersion: String(store.resourceVersion) } } })}\n`);
      }, bookmarkIntervalMs);
      timers.push(bookmark);
    }
    const cleanup = () => {
      unsubscribe();
      watches.delete(res);
      for (const t of timers) clearTimeout(t);
    };
    // The response's close, not the request's: a request 'close's once its (empty) body is read.
    res.on('close', cleanup);
  }

  async function patchNode(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    let type;
    let body;
    try {
      type = patchTypeOf(req.headers['content-type']);
      body = JSON.parse(await readBody(req));
    } catch (err) {
      if (err instanceof PatchError) throw new HttpError(err.code, 'UnsupportedMediaType', err.message);
      throw new HttpError(400, 'BadRequest', `error decoding patch: ${errorMessage(err)}`);
    }
    const before = store.nodes.get(name);
    if (!before) throw notFound('nodes', name);
    const wantRv = type !== 'json' ? (body as { metadata?: { resourceVersion?: unknown } })?.metadata?.resourceVersion : undefined;
    if (wantRv !== undefined && wantRv !== null && String(wantRv) !== before.metadata.resourceVersion) {
      throw new HttpError(409, 'Conflict', `Operation cannot be fulfilled on nodes "${name}": the object has been modified; please apply your changes to the latest version and try again`, {
        details: { name, kind: 'nodes' },
      });
    }
    let after: KubeObject;
    try {
      after = applyPatch(type, before, body) as KubeObject;
    } catch (err) {
      if (err instanceof PatchError) throw new HttpError(err.code, err.code === 422 ? 'Invalid' : 'BadRequest', err.message);
      throw err;
    }
    const patch = nodeChanges(name, before, after);
    if (Object.keys(patch).length > 0) await sim.patchNode(name, patch);
    else sim.meterCall('patchNode');
    send(res, 200, store.nodes.get(name) ?? before);
  }

  /** What changed between the node and its patched form, as the simulator's NodePatch. */
  function nodeChanges(name: string, before: KubeObject, after: KubeObject): NodePatch {
    const invalid = (msg: string) => new HttpError(422, 'Invalid', `Node "${name}" is invalid: ${msg}`);
    const patch: NodePatch = {};
    const taints: Taint[] = (after.spec?.taints ?? []).map((t: Record<string, unknown>, i: number) => {
      if (typeof t?.key !== 'string' || t.key === '') throw invalid(`spec.taints[${i}].key: Required value`);
      if (typeof t.effect !== 'string' || !EFFECTS.has(t.effect)) throw invalid(`spec.taints[${i}].effect: Unsupported value: "${String(t.effect)}"`);
      return { key: t.key, ...(typeof t.value === 'string' && t.value !== '' ? { value: t.value } : {}), effect: t.effect as Taint['effect'] };
    });
    const seen = new Set(taints.map((t) => `${t.key}:${t.effect}`));
    if (seen.size !== taints.length) throw invalid('spec.taints: Duplicate value: taints must be unique by key and effect pair');
    const oldTaints: Taint[] = before.spec?.taints ?? [];
    if (JSON.stringify(oldTaints) !== JSON.stringify(taints)) {
      // Remove every key, then add the new list: the simulator ends with exactly `taints`.
      patch.removeTaints = [...new Set(oldTaints.map((t) => t.key))];
      patch.addTaints = taints;
    }
    const unschedulable = after.spec?.unschedulable === true;
    if (unschedulable !== (before.spec?.unschedulable === true)) patch.unschedulable = unschedulable;
    const oldAnn = before.metadata.annotations ?? {};
    const newAnn = after.metadata?.annotations ?? {};
    const annotations: Record<string, string | null> = {};
    for (const k of Object.keys(oldAnn)) if (!(k in newAnn)) annotations[k] = null;
    for (const [k, v] of Object.entries(newAnn)) if (oldAnn[k] !== v) annotations[k] = String(v);
    if (Object.keys(annotations).length > 0) patch.annotations = annotations;
    const oldLabels = before.metadata.labels ?? {};
    const newLabels = after.metadata?.labels ?? {};
    const labels: Record<string, string | null> = {};
    for (const k of Object.keys(oldLabels)) if (!(k in newLabels)) labels[k] = null;
    for (const [k, v] of Object.entries(newLabels)) if (oldLabels[k] !== v) labels[k] = String(v);
    if (Object.keys(labels).length > 0) patch.labels = labels;
    return patch;
  }

  async function deletePod(req: IncomingMessage, res: ServerResponse, namespace: string, name: string, q: URLSearchParams): Promise<void> {
    const raw = await readBody(req);
    let grace: number | undefined = q.has('gracePeriodSeconds') ? Number(q.get('gracePeriodSeconds')) : undefined;
    if (raw.trim().length > 0) {
      try {
        const options = JSON.parse(raw) as { gracePeriodSeconds?: number };
        if (typeof options.gracePeriodSeconds === 'number') grace ??= options.gracePeriodSeconds;
      } catch (err) {
        throw new HttpError(400, 'BadRequest', `error decoding DeleteOptions: ${errorMessage(err)}`);
      }
    }
    const before = store.pods.get(`${namespace}/${name}`);
    if (!before) throw notFound('pods', name);
    if (grace !== undefined && !(Number.isInteger(grace) && grace >= 0)) {
      throw new HttpError(400, 'BadRequest', `gracePeriodSeconds must be a whole number ≥ 0, got ${grace}`);
    }
    // Any DELETE skips the PodDisruptionBudget: it is a forced deletion, with the grace period asked for or the pod's own.
    sim.meterCall('deletePod');
    state.deletePod(namespace, name, grace);
    send(res, 200, store.pods.get(`${namespace}/${name}`) ?? before);
  }

  async function evict(req: IncomingMessage, res: ServerResponse, namespace: string, name: string): Promise<void> {
    const raw = await readBody(req);
    try {
      const body = JSON.parse(raw || '{}') as { metadata?: { name?: string } };
      if (body.metadata?.name !== undefined && body.metadata.name !== name) {
        throw new HttpError(400, 'BadRequest', `name in URL does not match name in Eviction object`);
      }
    } catch (err) {
      if (err instanceof HttpError) throw err;
      throw new HttpError(400, 'BadRequest', `error decoding Eviction: ${errorMessage(err)}`);
    }
    const result = await sim.evict({ namespace, name });
    if (result.outcome === 'gone') throw notFound('pods', name);
    if (result.outcome === 'blocked') {
      throw new HttpError(429, 'TooManyRequests', result.message, {
        details: { causes: [{ reason: 'DisruptionBudget', message: result.message }] },
      });
    }
    send(res, 201, status(201, '', '', { status: 'Success' }));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    get resourceVersion() {
      return store.resourceVersion;
    },
    get openWatches() {
      return watches.size;
    },
    get watchesServed() {
      return watchesServed;
    },
    dropWatches() {
      objects.dropWatches();
      for (const res of [...watches]) {
        watches.delete(res);
        res.destroy();
      }
    },
    compact() {
      store.compact();
      objects.compact();
    },
    close() {
      store.close();
      events.close();
      objects.close();
      for (const res of [...watches]) res.destroy();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function send(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

async function readBody(req: IncomingMessage, limit = 1 << 20): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, 'RequestEntityTooLarge', 'the request body is too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
