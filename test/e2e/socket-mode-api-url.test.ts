// SLACK_API_URL in Socket Mode: apps.connections.open, with the app-level token, goes to the URL
// the bot is given, not to slack.com. A bare stand-in answers it and opens the WebSocket with hello.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { createSimDeps } from '../../src/app/compose.js';
import { createLogger } from '../../src/log.js';
import { loadScenario } from '../../src/sim/scenario.js';
import { createSlackApp, type SlackApp } from '../../src/slack/app.js';

let server: Server | undefined;
let slack: SlackApp | undefined;

afterEach(async () => {
  await slack?.stop();
  slack = undefined;
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

it('opens the Socket Mode connection through SLACK_API_URL with the app-level token', async () => {
  const calls: { method: string; auth: string }[] = [];
  const sockets = new WebSocketServer({ noServer: true });
  server = createServer((req: IncomingMessage, res) => {
    const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0];
    calls.push({ method, auth: String(req.headers.authorization ?? '') });
    req.resume();
    const port = (server!.address() as AddressInfo).port;
    const body =
      method === 'apps.connections.open'
        ? { ok: true, url: `ws://127.0.0.1:${port}/link/?ticket=t1` }
        : method === 'auth.test'
          ? { ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1' }
          : { ok: false, error: 'unknown_method' };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  server.on('upgrade', (req, socket, head) => sockets.handleUpgrade(req, socket, head, (ws) => ws.send(JSON.stringify({ type: 'hello', num_connections: 1 }))));
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;

  const scenario = await loadScenario('scenarios/demo.json');
  const log = createLogger({ level: 'warn', write: () => {} });
  const { app } = createSimDeps(scenario, { log });
  slack = createSlackApp({ settings: { socketMode: true, port: 0, botToken: 'xoxb-t', appToken: 'xapp-1-test', apiUrl }, app, log, host: '127.0.0.1' });
  // Before the fix the client kept retrying slack.com ("fetch failed"): wait for the call, not for start().
  const started = slack.start();
  started.catch(() => {});
  const deadline = Date.now() + 20_000;
  while (!calls.some((c) => c.method === 'apps.connections.open') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(calls).toContainEqual({ method: 'apps.connections.open', auth: 'Bearer xapp-1-test' });
  await started;
  expect(slack.ready).toBe(true);
});
