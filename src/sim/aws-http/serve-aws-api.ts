// The simulated world's AWS APIs on one HTTP port, in their real wire protocols, as moto_server serves
// AWS: EKS (restJson1), Auto Scaling and STS (awsQuery), EC2 (ec2Query), SSM (awsJson1_1). Requests are
// routed by the service in their SigV4 credential scope; signatures are not verified, but a request
// without one is refused as the service refuses it. Every call goes through the world's ApiMeter:
// counted, and answered with the service's throttling error when the throttle fault strikes, so the
// SDK's own retries deal with it.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RetryableError } from '../../engine/errors.js';
import type { SimWorld } from '../world.js';
import { routeAutoScaling } from './auto-scaling-api.js';
import type { CallContext, Routed } from './call-context.js';
import { routeEc2 } from './ec2-api.js';
import { routeEks } from './eks-api.js';
import { credentialScope, serviceFromShape } from './sigv4-scope.js';
import { routeSsm } from './ssm-api.js';
import { SimSts } from './sts-api.js';
import { AwsError, errorReply, internalError, missingAuthError, throttlingError, type AwsService, type WireReply } from './wire-errors.js';

export interface WorldRequest {
  method: string;
  /** The path, e.g. /world/ledger. */
  path: string;
  body: string;
}

export interface AwsApiOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** The cluster's Kubernetes API, reported as EKS DescribeCluster's endpoint. */
  kubeUrl?: string;
  /** Answers requests under /world/ (the world process's control endpoints); without it they are 404. */
  world?: (req: WorldRequest) => WireReply | Promise<WireReply>;
}

export interface AwsApiServer {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const SERVICES: readonly AwsService[] = ['eks', 'autoscaling', 'ec2', 'ssm', 'sts'];
/** Larger than any request mngbot sends; a bigger body is refused rather than buffered. */
const MAX_BODY_BYTES = 1 << 20;

export async function serveAwsApi(world: SimWorld, opts: AwsApiOptions = {}): Promise<AwsApiServer> {
  const sts = new SimSts();

  const server = createServer((req, res) => {
    handle(req)
      .then((reply) => send(res, reply))
      .catch((err: unknown) => send(res, errorReply('autoscaling', internalError('autoscaling', err), randomUUID())));
  });
  server.keepAliveTimeout = 30_000;

  async function handle(req: IncomingMessage): Promise<WireReply> {
    const body = await readBody(req);
    if (body === undefined) return plainError(413, 'RequestEntityTooLarge', `request bodies are limited to ${MAX_BODY_BYTES} bytes`);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    if (url.pathname === '/world' || url.pathname.startsWith('/world/')) {
      return opts.world ? opts.world({ method, path: url.pathname, body }) : plainError(404, 'NotFound', `no ${url.pathname} here`);
    }

    const scope = credentialScope(req.headers, url.searchParams);
    const service = (scope?.service ?? serviceFromShape(req.headers, url.pathname, body)) as AwsService | undefined;
    if (!service || !SERVICES.includes(service)) {
      return plainError(400, 'UnknownService', `this simulated world serves ${SERVICES.join(', ')}; the request is for ${service ?? 'an unknown service (no SigV4 credential scope)'}`);
    }
    const requestId = randomUUID();
    if (!scope) return errorReply(service, missingAuthError(service), requestId);

    const ctx: CallContext = {
      world,
      region: scope.region,
      accessKeyId: scope.accessKeyId,
      requestId,
      here: scope.region === world.scenario.cluster.region,
      ...(opts.kubeUrl ? { kubeUrl: opts.kubeUrl } : {}),
    };
    const routed = route(service, req, url, body, ctx);
    if (!routed) return errorReply(service, unknownOperation(service, method, url, body), requestId);
    try {
      world.meter.call('aws', routed.operation);
    } catch (err) {
      if (err instanceof RetryableError) return errorReply(service, throttlingError(service), requestId);
      throw err;
    }
    try {
      return withRequestId(routed.run(), requestId);
    } catch (err) {
      return errorReply(service, err instanceof AwsError ? err : internalError(service, err), requestId);
    }
  }

  function route(service: AwsService, req: IncomingMessage, url: URL, body: string, ctx: CallContext): Routed | undefined {
    switch (service) {
      case 'eks': {
        let parts: string[];
        try {
          parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
        } catch {
          return undefined;
        }
        return routeEks({ method: req.method ?? 'GET', parts, query: url.searchParams, body }, ctx);
      }
      case 'autoscaling':
        return routeAutoScaling(body, ctx);
      case 'ec2':
        return routeEc2(body, ctx);
      case 'sts':
        return sts.route(body, ctx);
      case 'ssm': {
        const target = req.headers['x-amz-target'];
        return routeSsm(typeof target === 'string' ? target : undefined, body, ctx);
      }
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function unknownOperation(service: AwsService, method: string, url: URL, body: string): AwsError {
  if (service === 'eks') return new AwsError('UnknownOperationException', `No EKS operation for ${method} ${url.pathname} in this simulated world`, 404);
  if (service === 'ssm') return new AwsError('UnknownOperationException', 'This simulated SSM answers GetParameters only', 400);
  const action = new URLSearchParams(body).get('Action') ?? '(none)';
  return new AwsError('InvalidAction', `The action ${action} is not valid for this web service.`, 400);
}

function withRequestId(reply: WireReply, requestId: string): WireReply {
  return { ...reply, headers: { 'x-amzn-requestid': requestId, ...reply.headers } };
}

/** An error outside any AWS service's protocol (the control routes, unknown services): JSON. */
function plainError(status: number, code: string, message: string): WireReply {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: code, message }) };
}

function send(res: ServerResponse, reply: WireReply): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(reply.status, { ...reply.headers, 'content-length': Buffer.byteLength(reply.body) });
  res.end(reply.body);
}

/** The whole body as text; undefined when it is too large. */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (d: Buffer) => {
      size += d.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(d);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
