// An HTTP proxy on 127.0.0.1 that forwards everything to one server and records each request and
// the status it got: what the adapters really sent over the wire, without touching their code.
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  method: string;
  path: string;
  /** awsQuery/ec2Query: the form's Action; awsJson: the X-Amz-Target operation; otherwise undefined. */
  action?: string;
  /** awsQuery/ec2Query form fields; empty for other bodies. */
  params: Record<string, string>;
  body: string;
  status: number;
}

export interface RecordingProxy {
  url: string;
  calls: RecordedCall[];
  close(): Promise<void>;
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const to = new URL(target);
  const calls: RecordedCall[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readAll(req);
      const text = body.toString('utf8');
      const type = String(req.headers['content-type'] ?? '');
      const params = type.startsWith('application/x-www-form-urlencoded') ? Object.fromEntries(new URLSearchParams(text)) : {};
      const target = req.headers['x-amz-target'];
      const action = params.Action ?? (typeof target === 'string' ? target.split('.').pop() : undefined);
      const call: RecordedCall = { method: req.method ?? 'GET', path: req.url ?? '/', ...(action ? { action } : {}), params, body: text, status: 0 };
      calls.push(call);
      let finished = false;
      const upstream = httpRequest(
        { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: { ...req.headers, host: to.host } },
        (up) => {
          call.status = up.statusCode ?? 0;
          res.writeHead(up.statusCode ?? 502, up.headers);
          // Streams (Kubernetes watches) pass through as they come.
          up.on('end', () => (finished = true));
          up.pipe(res);
        },
      );
      upstream.on('error', (err) => {
        call.status = 502;
        if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' });
        res.end(String(err));
      });
      // The client went away mid-stream (a watch stopped): stop the upstream request too.
      res.on('close', () => finished || upstream.destroy());
      upstream.end(body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
