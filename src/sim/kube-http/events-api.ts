// core/v1 Events over the simulated API: create (what mngbot's KubeCluster posts), get, list and watch
// (what kubectl get events and kubectl describe node read), with server-side Tables as kubectl prints them.
// A module of its own beside serve-kube-api.ts, which hands it every request under .../events.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorMessage } from '../../engine/errors.js';
import type { KubeEvents, EventChange } from '../kube-events.js';
import type { KubeObject } from './kube-objects.js';
import { fieldSelector, labelSelector, SelectorError, type Selector } from './selectors.js';
import { humanDuration, includeObjectParam, wantsTable, type IncludeObject } from './tables.js';

export interface EventsRequest {
  verb: 'get' | 'list' | 'watch' | 'create';
  resource: 'events';
  namespace?: string;
  name?: string;
}

interface Column {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}
const col = (name: string, description: string, priority = 0, type = 'string'): Column => ({ name, type, format: name === 'Name' ? 'name' : '', description, priority });

// As the API server prints Events (pkg/printers/internalversion): kubectl shows the priority-0 ones.
const COLUMNS: Column[] = [
  col('Last Seen', 'Time when this Event was last observed.'),
  col('Type', 'Type of this event (Normal, Warning), new types could be added in the future.'),
  col('Reason', 'This should be a short, machine understandable string that gives the reason for the transition into the object\'s current status.'),
  col('Object', 'The object that this event is about. Mapped from event.involvedObject.'),
  col('Subobject', 'The subobject that this event is about.', 1),
  col('Source', 'The component reporting this event. Short machine understandable string.', 1),
  col('Message', 'A human-readable description of the status of this operation.'),
  col('First Seen', 'The time at which the event was first recorded.', 1),
  col('Count', 'The number of times this event has occurred.', 1, 'integer'),
  col('Name', 'Name must be unique within a namespace.', 1),
];

function cells(e: KubeObject, nowMs: number): unknown[] {
  const seen = (t: unknown) => (typeof t === 'string' ? humanDuration(nowMs - Date.parse(t)) : '<unknown>');
  const obj = (e.involvedObject ?? {}) as { kind?: string; name?: string; fieldPath?: string };
  const source = (e.source ?? {}) as { component?: string; host?: string };
  return [
    seen(e.lastTimestamp ?? e.metadata.creationTimestamp),
    e.type ?? '',
    e.reason ?? '',
    `${String(obj.kind ?? '').toLowerCase()}/${obj.name ?? ''}`,
    obj.fieldPath ?? '',
    [source.component, source.host].filter(Boolean).join(', '),
    e.message ?? '',
    seen(e.firstTimestamp ?? e.metadata.creationTimestamp),
    e.count ?? 1,
    e.metadata.name,
  ];
}

function table(objects: KubeObject[], rv: number, nowMs: number, include: IncludeObject): Record<string, unknown> {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: String(rv) },
    columnDefinitions: COLUMNS,
    rows: objects.map((o) => ({
      cells: cells(o, nowMs),
      ...(include === 'None' ? {} : { object: include === 'Object' ? o : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata } }),
    })),
  };
}

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function failure(res: ServerResponse, code: number, reason: string, message: string): void {
  send(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
}

async function readBody(req: IncomingMessage, limit = 1 << 20): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error('the request body is too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export interface EventsApi {
  /**
   * Answers the request when it is about events: `rest` is the path after /api/v1, `namespace` already
   * taken off. False: not an events path (the caller goes on).
   */
  handle(req: IncomingMessage, res: ServerResponse, at: { namespace?: string; rest: string[]; query: URLSearchParams }): Promise<boolean>;
  close(): void;
}

export function eventsApi(events: KubeEvents, o: { now: () => number; authorize?: (r: EventsRequest) => boolean; forbidden: (r: EventsRequest) => string }): EventsApi {
  const watches = new Set<ServerResponse>();

  function selectors(q: URLSearchParams): Selector {
    const byLabel = labelSelector(q.get('labelSelector'));
    const byField = fieldSelector(q.get('fieldSelector'));
    return (e) => byLabel(e) && byField(e);
  }

  function watch(req: IncomingMessage, res: ServerResponse, namespace: string | undefined, q: URLSearchParams, filter: Selector, include?: IncludeObject): void {
    const matches = (e: KubeObject) => (namespace === undefined || e.metadata.namespace === namespace) && filter(e);
    const rvParam = q.get('resourceVersion');
    let backlog: EventChange[] = [];
    let initial: KubeObject[] = [];
    if (!rvParam || rvParam === '0') initial = events.list(namespace).filter(matches);
    else {
      const since = events.since(Number(rvParam));
      if (since === 'expired') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        const gone = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Expired', code: 410, message: `too old resource version: ${rvParam} (${events.resourceVersion})` };
        res.end(`${JSON.stringify({ type: 'ERROR', object: gone })}\n`);
        return;
      }
      backlog = since;
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const write = (type: string, e: KubeObject) => {
      const body = include ? table([e], Number(e.metadata.resourceVersion), o.now(), include) : e;
      res.write(`${JSON.stringify({ type, object: body })}\n`);
    };
    for (const e of initial) write('ADDED', e);
    const deliver = (c: EventChange) => {
      if (matches(c.object)) write(c.type, c.object);
    };
    for (const c of backlog) deliver(c);
    const unsubscribe = events.subscribe(deliver);
    watches.add(res);
    const timeoutSeconds = Number(q.get('timeoutSeconds') ?? '');
    const timer = timeoutSeconds > 0 ? setTimeout(() => res.end(), timeoutSeconds * 1000) : undefined;
    const cleanup = () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
      watches.delete(res);
    };
    res.on('close', cleanup);
    req.on('close', cleanup);
  }

  return {
    async handle(req, res, { namespace, rest, query: q }) {
      const [resource, name, ...extra] = rest;
      if (resource !== 'events' || extra.length > 0) return false;
      const method = req.method ?? 'GET';
      const watching = q.get('watch') === 'true' || q.get('watch') === '1';
      let request: EventsRequest;
      if (method === 'GET') request = { verb: name ? 'get' : watching ? 'watch' : 'list', resource: 'events' };
      else if (method === 'POST' && !name && namespace !== undefined) request = { verb: 'create', resource: 'events' };
      else {
        failure(res, 405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
        return true;
      }
      if (namespace !== undefined) request.namespace = namespace;
      if (name !== undefined) request.name = name;
      if (o.authorize && !o.authorize(request)) {
        failure(res, 403, 'Forbidden', o.forbidden(request));
        return true;
      }
      const asTable = wantsTable(req.headers.accept) ? includeObjectParam(q.get('includeObject')) : undefined;
      let filter: Selector;
      try {
        filter = selectors(q);
      } catch (err) {
        if (err instanceof SelectorError) {
          failure(res, 400, 'BadRequest', err.message);
          return true;
        }
        throw err;
      }
      switch (request.verb) {
        case 'create': {
          let body: KubeObject;
          try {
            body = JSON.parse(await readBody(req)) as KubeObject;
          } catch (err) {
            failure(res, 400, 'BadRequest', `error decoding Event: ${errorMessage(err)}`);
            return true;
          }
          const inv = body?.involvedObject as { kind?: string; name?: string } | undefined;
          if (!body?.metadata || (!body.metadata.name && !body.metadata.generateName) || !inv?.kind || !inv.name) {
            failure(res, 422, 'Invalid', 'Event is invalid: metadata.name, involvedObject.kind and involvedObject.name are required');
            return true;
          }
          if (body.metadata.namespace !== undefined && body.metadata.namespace !== namespace) {
            failure(res, 400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
            return true;
          }
          const made = events.create({ ...body, metadata: { ...body.metadata, namespace: namespace! } }, o.now());
          if (made === 'exists') failure(res, 409, 'AlreadyExists', `events "${body.metadata.name}" already exists`);
          else send(res, 201, made);
          return true;
        }
        case 'get': {
          const found = events.get(namespace ?? 'default', name!);
          if (!found) failure(res, 404, 'NotFound', `events "${name}" not found`);
          else send(res, 200, asTable ? table([found], events.resourceVersion, o.now(), asTable) : found);
          return true;
        }
        case 'list': {
          const items = events.list(namespace).filter(filter);
          if (asTable) send(res, 200, table(items, events.resourceVersion, o.now(), asTable));
          else send(res, 200, { kind: 'EventList', apiVersion: 'v1', metadata: { resourceVersion: String(events.resourceVersion) }, items });
          return true;
        }
        case 'watch':
          watch(req, res, namespace, q, filter, asTable);
          return true;
      }
    },
    close() {
      for (const res of [...watches]) res.destroy();
      watches.clear();
    },
  };
}
