// The simulated API server's stored objects, served as the API server serves them: CustomResource-
// Definitions (apiextensions.k8s.io/v1), the custom resources they define, and Leases
// (coordination.k8s.io/v1). Create, get, list, watch, update (PUT), merge/JSON patch and delete;
// every write bumps the object's resourceVersion, and a write naming an older one answers 409
// Conflict. kubectl reads them: discovery lists every group, and lists come as Tables with the CRD's
// printer columns. Nothing here belongs to the simulated world: these are what a client stored.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorMessage } from '../../engine/errors.js';
import { kubeTime, type KubeObject } from './kube-objects.js';
import { applyPatch, PatchError, patchTypeOf } from './patch.js';
import { labelSelector, SelectorError, fieldSelector } from './selectors.js';
import { humanDuration, includeObjectParam, wantsTable } from './tables.js';

export interface ObjectRequest {
  verb: 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';
  /** e.g. leases, nodegroupupgrades */
  resource: string;
  group: string;
  namespace?: string;
  name?: string;
}

interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
}

interface Kind {
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  columns: PrinterColumn[];
}

interface Change {
  rv: number;
  key: string;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
}

class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

const CRD_KIND: Kind = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  plural: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  kind: 'CustomResourceDefinition',
  namespaced: false,
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  columns: [{ name: 'Created At', type: 'date', jsonPath: '.metadata.creationTimestamp' }],
};

const LEASE_KIND: Kind = {
  group: 'coordination.k8s.io',
  version: 'v1',
  plural: 'leases',
  singular: 'lease',
  kind: 'Lease',
  namespaced: true,
  columns: [
    { name: 'Holder', type: 'string', jsonPath: '.spec.holderIdentity' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
};

const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

export interface ObjectApiOptions {
  /** Times the server stamps (creationTimestamp, ages in Tables). */
  now: () => number;
  /** Definitions present from the start, as if applied before the bot came. */
  crds?: readonly Record<string, unknown>[];
  /** Changes kept for watches to resume from. */
  historyLimit?: number;
  /** RBAC stand-in: a request it refuses answers 403 Forbidden. */
  authorize?: (request: ObjectRequest) => boolean;
}

export class ObjectApi {
  /** By `${group}/${plural}`. */
  private readonly kinds = new Map<string, Kind>([
    [`${CRD_KIND.group}/${CRD_KIND.plural}`, CRD_KIND],
    [`${LEASE_KIND.group}/${LEASE_KIND.plural}`, LEASE_KIND],
  ]);
  /** By `${group}/${plural}/${namespace}/${name}`. */
  private readonly objects = new Map<string, KubeObject>();
  private rv = 500_000;
  private history: Change[] = [];
  private compactedRv = this.rv;
  private readonly subscribers = new Set<(c: Change) => void>();
  private readonly watches = new Set<ServerResponse>();
  private readonly historyLimit: number;

  constructor(private readonly opts: ObjectApiOptions) {
    this.historyLimit = Math.max(1, opts.historyLimit ?? 5000);
    for (const crd of opts.crds ?? []) this.store(CRD_KIND, structuredClone(crd) as KubeObject, undefined);
  }

  /** The groups for /apis, beside the world's own. */
  groups(): Record<string, unknown>[] {
    const byGroup = new Map<string, Set<string>>();
    for (const k of this.kinds.values()) byGroup.set(k.group, (byGroup.get(k.group) ?? new Set()).add(k.version));
    return [...byGroup].map(([name, versions]) => this.groupDoc(name, [...versions]));
  }

  /** Whether the path is one of this API's: /apis/<group>[/<version>[/…]] of a group it serves. */
  owns(parts: string[]): boolean {
    return parts[0] === 'apis' && parts.length >= 2 && [...this.kinds.values()].some((k) => k.group === parts[1]);
  }

  /** Every open watch is cut, as an API server restart would. */
  dropWatches(): void {
    for (const res of [...this.watches]) {
      this.watches.delete(res);
      res.destroy();
    }
  }

  compact(): void {
    this.history = [];
    this.compactedRv = this.rv;
  }

  close(): void {
    this.dropWatches();
    this.subscribers.clear();
  }

  async handle(req: IncomingMessage, res: ServerResponse, parts: string[], q: URLSearchParams): Promise<void> {
    try {
      await this.route(req, res, parts, q);
    } catch (err) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof ApiError) send(res, err.code, statusBody(err.code, err.reason, err.message, err.details));
      else send(res, 500, statusBody(500, 'InternalError', `Internal error occurred: ${errorMessage(err)}`));
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse, parts: string[], q: URLSearchParams): Promise<void> {
    const method = req.method ?? 'GET';
    const [, group, version] = parts;
    if (parts.length === 2 && method === 'GET') {
      const versions = [...new Set([...this.kinds.values()].filter((k) => k.group === group).map((k) => k.version))];
      return send(res, 200, { kind: 'APIGroup', apiVersion: 'v1', ...this.groupDoc(group, versions) });
    }
    const kindsHere = [...this.kinds.values()].filter((k) => k.group === group && k.version === version);
    if (kindsHere.length === 0) throw notFound();
    if (parts.length === 3 && method === 'GET') return send(res, 200, this.resourceList(group, version, kindsHere));

    let rest = parts.slice(3);
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const [plural, name, sub, ...extra] = rest;
    const kind = this.kinds.get(`${group}/${plural}`);
    if (!kind || kind.version !== version || sub !== undefined || extra.length > 0) throw notFound();
    if (!kind.namespaced && namespace !== undefined) throw notFound();
    const watching = q.get('watch') === 'true' || q.get('watch') === '1';
    const verb: ObjectRequest['verb'] | undefined =
      method === 'GET'
        ? name
          ? 'get'
          : watching
            ? 'watch'
            : 'list'
        : method === 'POST' && !name
          ? 'create'
          : method === 'PUT' && name
            ? 'update'
            : method === 'PATCH' && name
              ? 'patch'
              : method === 'DELETE' && name
                ? 'delete'
                : undefined;
    if (!verb) throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    if (kind.namespaced && namespace === undefined && verb !== 'list' && verb !== 'watch') throw notFound();
    const request: ObjectRequest = { verb, resource: plural, group, ...(namespace !== undefined ? { namespace } : {}), ...(name !== undefined ? { name } : {}) };
    if (this.opts.authorize && !this.opts.authorize(request)) {
      const scope = namespace !== undefined ? `in the namespace "${namespace}"` : 'at the cluster scope';
      throw new ApiError(
        403,
        'Forbidden',
        `${plural}.${group}${name ? ` "${name}"` : ''} is forbidden: User "system:serviceaccount:mngbot:mngbot" cannot ${verb} resource "${plural}" in API group "${group}" ${scope}`,
        { name: name ?? '', group, kind: plural },
      );
    }
    switch (verb) {
      case 'get': {
        const obj = this.objects.get(key(kind, namespace, name!));
        if (!obj) throw notFound(kind, name!);
        if (wantsTable(req.headers.accept)) return send(res, 200, this.table(kind, [obj], q));
        return send(res, 200, obj);
      }
      case 'list': {
        const items = this.list(kind, namespace).filter(selectorOf(q));
        if (wantsTable(req.headers.accept)) return send(res, 200, this.table(kind, items, q));
        return send(res, 200, { kind: `${kind.kind}List`, apiVersion: `${kind.group}/${kind.version}`, metadata: { resourceVersion: String(this.rv) }, items });
      }
      case 'watch':
        return this.watch(req, res, kind, namespace, q);
      case 'create': {
        const body = await jsonBody(req);
        return send(res, 201, this.create(kind, namespace, body));
      }
      case 'update': {
        const body = await jsonBody(req);
        return send(res, 200, this.update(kind, namespace, name!, body));
      }
      case 'patch': {
        let type;
        try {
          type = patchTypeOf(req.headers['content-type']);
        } catch (err) {
          throw new ApiError(415, 'UnsupportedMediaType', errorMessage(err));
        }
        const body = await jsonBody(req);
        const before = this.objects.get(key(kind, namespace, name!));
        if (!before) throw notFound(kind, name!);
        const wantRv = type !== 'json' ? (body as { metadata?: { resourceVersion?: unknown } })?.metadata?.resourceVersion : undefined;
        let after: KubeObject;
        try {
          after = applyPatch(type === 'strategic' ? 'merge' : type, before, body) as KubeObject;
        } catch (err) {
          if (err instanceof PatchError) throw new ApiError(err.code, err.code === 422 ? 'Invalid' : 'BadRequest', err.message);
          throw err;
        }
        after.metadata = { ...after.metadata, resourceVersion: wantRv === undefined || wantRv === null ? before.metadata.resourceVersion : String(wantRv) };
        return send(res, 200, this.update(kind, namespace, name!, after));
      }
      case 'delete': {
        const k = key(kind, namespace, name!);
        const obj = this.objects.get(k);
        if (!obj) throw notFound(kind, name!);
        this.remove(kind, k, obj);
        return send(res, 200, obj);
      }
    }
  }

  private list(kind: Kind, namespace?: string): KubeObject[] {
    const prefix = namespace === undefined ? `${kind.group}/${kind.plural}/` : `${kind.group}/${kind.plural}/${namespace}/`;
    return [...this.objects].filter(([k]) => k.startsWith(prefix)).map(([, o]) => o);
  }

  private create(kind: Kind, namespace: string | undefined, body: unknown): KubeObject {
    const obj = asObject(body, kind);
    if (obj.metadata.name === undefined && typeof obj.metadata.generateName === 'string') obj.metadata.name = `${obj.metadata.generateName}${randomUUID().slice(0, 5)}`;
    const name = obj.metadata.name;
    if (typeof name !== 'string' || !NAME.test(name)) {
      throw invalid(kind, String(name), `metadata.name: Invalid value: "${String(name)}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`);
    }
    if (obj.metadata.namespace !== undefined && obj.metadata.namespace !== namespace) {
      throw new ApiError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
    }
    const k = key(kind, namespace, name);
    if (this.objects.has(k)) throw new ApiError(409, 'AlreadyExists', `${kind.plural}.${kind.group} "${name}" already exists`, { name, group: kind.group, kind: kind.plural });
    if (kind === CRD_KIND) this.checkCrd(obj);
    return this.store(kind, obj, namespace);
  }

  private update(kind: Kind, namespace: string | undefined, name: string, body: unknown): KubeObject {
    const obj = asObject(body, kind);
    if (obj.metadata.name !== undefined && obj.metadata.name !== name) throw new ApiError(400, 'BadRequest', 'the name of the object does not match the name on the URL');
    const k = key(kind, namespace, name);
    const before = this.objects.get(k);
    if (!before) throw notFound(kind, name);
    const wantRv = obj.metadata.resourceVersion;
    if (wantRv !== undefined && wantRv !== '' && String(wantRv) !== before.metadata.resourceVersion) {
      throw new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${kind.plural}.${kind.group} "${name}": the object has been modified; please apply your changes to the latest version and try again`, {
        name,
        group: kind.group,
        kind: kind.plural,
      });
    }
    if (kind === CRD_KIND) this.checkCrd(obj);
    const rv = ++this.rv;
    const stored: KubeObject = {
      ...obj,
      apiVersion: `${kind.group}/${kind.version}`,
      kind: kind.kind,
      metadata: {
        ...obj.metadata,
        name,
        ...(namespace !== undefined ? { namespace } : {}),
        uid: before.metadata.uid,
        creationTimestamp: before.metadata.creationTimestamp,
        resourceVersion: String(rv),
        generation: Number(before.metadata.generation ?? 1) + (JSON.stringify(obj.spec) === JSON.stringify(before.spec) ? 0 : 1),
      },
    };
    tooLarge(stored);
    this.objects.set(k, stored);
    if (kind === CRD_KIND) this.register(stored);
    this.record({ rv, key: k, type: 'MODIFIED', object: stored });
    return stored;
  }

  private store(kind: Kind, obj: KubeObject, namespace: string | undefined): KubeObject {
    const rv = ++this.rv;
    const k = key(kind, namespace, obj.metadata.name);
    const stored: KubeObject = {
      ...obj,
      apiVersion: `${kind.group}/${kind.version}`,
      kind: kind.kind,
      metadata: {
        ...obj.metadata,
        ...(namespace !== undefined ? { namespace } : {}),
        uid: randomUUID(),
        creationTimestamp: kubeTime(this.opts.now()),
        resourceVersion: String(rv),
        generation: 1,
      },
    };
    tooLarge(stored);
    this.objects.set(k, stored);
    if (kind === CRD_KIND) this.register(stored);
    this.record({ rv, key: k, type: 'ADDED', object: stored });
    return stored;
  }

  private remove(kind: Kind, k: string, obj: KubeObject): void {
    this.objects.delete(k);
    this.record({ rv: ++this.rv, key: k, type: 'DELETED', object: { ...obj, metadata: { ...obj.metadata, resourceVersion: String(this.rv) } } });
    if (kind === CRD_KIND) {
      // Deleting a definition deletes its objects, as the API server does.
      const spec = obj.spec as { group: string; names: { plural: string } };
      const defined = this.kinds.get(`${spec.group}/${spec.names.plural}`);
      if (defined) {
        for (const o of this.list(defined)) this.remove(defined, key(defined, o.metadata.namespace, o.metadata.name), o);
        this.kinds.delete(`${spec.group}/${spec.names.plural}`);
      }
    }
  }

  private checkCrd(obj: KubeObject): void {
    const spec = obj.spec as { group?: unknown; names?: { plural?: unknown; kind?: unknown }; scope?: unknown; versions?: { name?: unknown }[] } | undefined;
    const plural = spec?.names?.plural;
    if (typeof spec?.group !== 'string' || typeof plural !== 'string' || typeof spec.names?.kind !== 'string' || !Array.isArray(spec.versions) || spec.versions.length === 0) {
      throw invalid(CRD_KIND, obj.metadata.name, 'spec.group, spec.names.plural, spec.names.kind and spec.versions are required');
    }
    if (obj.metadata.name !== `${plural}.${spec.group}`) throw invalid(CRD_KIND, obj.metadata.name, `metadata.name: Invalid value: "${obj.metadata.name}": must be spec.names.plural+"."+spec.group`);
    if (spec.group === LEASE_KIND.group || spec.group === CRD_KIND.group) throw invalid(CRD_KIND, obj.metadata.name, `spec.group: Invalid value: "${spec.group}": is a built-in group`);
  }

  private register(crd: KubeObject): void {
    const spec = crd.spec as {
      group: string;
      scope?: string;
      names: { plural: string; singular?: string; kind: string; shortNames?: string[]; categories?: string[] };
      versions: { name: string; served?: boolean; storage?: boolean; additionalPrinterColumns?: PrinterColumn[] }[];
    };
    const version = spec.versions.find((v) => v.storage) ?? spec.versions[0];
    this.kinds.set(`${spec.group}/${spec.names.plural}`, {
      group: spec.group,
      version: version.name,
      plural: spec.names.plural,
      singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
      kind: spec.names.kind,
      namespaced: spec.scope !== 'Cluster',
      ...(spec.names.shortNames ? { shortNames: spec.names.shortNames } : {}),
      ...(spec.names.categories ? { categories: spec.names.categories } : {}),
      columns: version.additionalPrinterColumns ?? [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }],
    });
  }

  private record(change: Change): void {
    this.history.push(change);
    if (this.history.length > this.historyLimit + Math.ceil(this.historyLimit / 4)) {
      const drop = this.history.length - this.historyLimit;
      this.compactedRv = this.history[drop - 1].rv;
      this.history.splice(0, drop);
    }
    for (const s of this.subscribers) s(change);
  }

  private watch(req: IncomingMessage, res: ServerResponse, kind: Kind, namespace: string | undefined, q: URLSearchParams): void {
    const selector = selectorOf(q);
    const prefix = namespace === undefined ? `${kind.group}/${kind.plural}/` : `${kind.group}/${kind.plural}/${namespace}/`;
    const matches = (c: Change) => c.key.startsWith(prefix) && selector(c.object);
    const rvParam = q.get('resourceVersion');
    let backlog: Change[] = [];
    if (!rvParam || rvParam === '0') {
      backlog = this.list(kind, namespace).map((object) => ({ rv: Number(object.metadata.resourceVersion), key: key(kind, object.metadata.namespace, object.metadata.name), type: 'ADDED' as const, object }));
    } else {
      const rv = Number(rvParam);
      if (!Number.isInteger(rv) || rv < 0) throw new ApiError(400, 'BadRequest', `invalid resource version: "${rvParam}"`);
      if (rv < this.compactedRv) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(`${JSON.stringify({ type: 'ERROR', object: statusBody(410, 'Expired', `too old resource version: ${rv} (${this.rv})`) })}\n`);
        return;
      }
      backlog = this.history.filter((c) => c.rv > rv);
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const table = wantsTable(req.headers.accept);
    const write = (c: Change) => {
      if (!matches(c)) return;
      res.write(`${JSON.stringify({ type: c.type, object: table ? this.table(kind, [c.object], q) : c.object })}\n`);
    };
    for (const c of backlog) write(c);
    this.subscribers.add(write);
    this.watches.add(res);
    const timers: NodeJS.Timeout[] = [];
    const timeoutSeconds = Number(q.get('timeoutSeconds') ?? '');
    if (timeoutSeconds > 0) timers.push(setTimeout(() => res.end(), timeoutSeconds * 1000));
    if (q.get('allowWatchBookmarks') === 'true' && !table) {
      timers.push(
        setInterval(() => {
          res.write(`${JSON.stringify({ type: 'BOOKMARK', object: { kind: kind.kind, apiVersion: `${kind.group}/${kind.version}`, metadata: { resourceVersion: String(this.rv) } } })}\n`);
        }, 10_000),
      );
    }
    res.on('close', () => {
      this.subscribers.delete(write);
      this.watches.delete(res);
      for (const t of timers) clearTimeout(t);
    });
  }

  private table(kind: Kind, objects: KubeObject[], q: URLSearchParams): Record<string, unknown> {
    const include = includeObjectParam(q.get('includeObject'));
    const now = this.opts.now();
    const columns = [{ name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0, jsonPath: '.metadata.name' }, ...kind.columns];
    return {
      kind: 'Table',
      apiVersion: 'meta.k8s.io/v1',
      metadata: { resourceVersion: String(this.rv) },
      columnDefinitions: columns.map((c) => ({ name: c.name, type: c.type === 'date' ? 'date' : c.type, format: (c as { format?: string }).format ?? '', description: c.description ?? '', priority: c.priority ?? 0 })),
      rows: objects.map((o) => ({
        cells: columns.map((c) => {
          const v = valueAt(o, c.jsonPath);
          if (c.type === 'date') return typeof v === 'string' ? humanDuration(now - Date.parse(v)) : '<unknown>';
          return v === undefined ? '<none>' : v;
        }),
        ...(include === 'None' ? {} : { object: include === 'Object' ? o : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata } }),
      })),
    };
  }

  private groupDoc(name: string, versions: string[]): Record<string, unknown> {
    const list = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
    return { name, versions: list, preferredVersion: list[0] };
  }

  private resourceList(group: string, version: string, kinds: Kind[]): Record<string, unknown> {
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: `${group}/${version}`,
      resources: kinds.map((k) => ({
        name: k.plural,
        singularName: k.singular,
        namespaced: k.namespaced,
        kind: k.kind,
        verbs: VERBS,
        ...(k.shortNames ? { shortNames: k.shortNames } : {}),
        ...(k.categories ? { categories: k.categories } : {}),
      })),
    };
  }
}

function key(kind: Kind, namespace: string | undefined, name: string): string {
  return `${kind.group}/${kind.plural}/${kind.namespaced ? (namespace ?? '') : ''}/${name}`;
}

/** A simple JSONPath as printer columns use: .a.b.c, with [n] for list items. */
function valueAt(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.replace(/^\./, '').split(/\.|\[(\d+)\]/).filter((p) => p !== undefined && p !== '')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function selectorOf(q: URLSearchParams): (o: KubeObject) => boolean {
  try {
    const byLabel = labelSelector(q.get('labelSelector'));
    const byField = fieldSelector(q.get('fieldSelector'));
    return (o) => byLabel(o) && byField(o);
  } catch (err) {
    if (err instanceof SelectorError) throw new ApiError(400, 'BadRequest', err.message);
    throw err;
  }
}

function asObject(body: unknown, kind: Kind): KubeObject {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError(400, 'BadRequest', `the body is not a ${kind.kind} object`);
  const obj = body as KubeObject;
  if (typeof obj.metadata !== 'object' || obj.metadata === null) obj.metadata = {} as KubeObject['metadata'];
  return obj;
}

function notFound(kind?: Kind, name?: string): ApiError {
  if (!kind || name === undefined) return new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  return new ApiError(404, 'NotFound', `${kind.plural}.${kind.group} "${name}" not found`, { name, group: kind.group, kind: kind.plural });
}

function invalid(kind: Kind, name: string, message: string): ApiError {
  return new ApiError(422, 'Invalid', `${kind.kind}.${kind.group} "${name}" is invalid: ${message}`, { name, group: kind.group, kind: kind.kind });
}

function statusBody(code: number, reason: string, message: string, details?: Record<string, unknown>): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code, ...(details ? { details } : {}) };
}

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** etcd refuses a value above 1.5 MiB, and the API server passes its words on. */
const ETCD_VALUE_LIMIT = 1.5 * 1024 * 1024;

function tooLarge(obj: KubeObject): void {
  if (Buffer.byteLength(JSON.stringify(obj)) > ETCD_VALUE_LIMIT) throw new ApiError(500, 'InternalError', 'etcdserver: request is too large');
}

/** Large enough for a 450-node run (etcd's own limit is 1.5 MB a value). */
const BODY_LIMIT = 3 << 20;

async function jsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT) throw new ApiError(413, 'RequestEntityTooLarge', 'the request body is too large');
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    throw new ApiError(400, 'BadRequest', `error decoding the body: ${errorMessage(err)}`);
  }
}
