// The world process's own endpoints beside the AWS APIs (JSON): what the world has suffered and how it
// stands (GET /world/ledger), its time (GET /world/clock), and faults to inject while it runs
// (POST /world/faults). They are the harness's view, not the bot's: never metered.
import type { LedgerReport } from './ledger.js';
import type { KubeApiServer } from './kube-http/serve-kube-api.js';
import type { WorldRequest } from './aws-http/serve-aws-api.js';
import type { WireReply } from './aws-http/wire-errors.js';
import type { SimWorld } from './world.js';

export interface WorldLedger extends LedgerReport {
  group: { min: number; max: number; desired: number };
  /** Live nodes (their instance not terminating) per kubelet minor, e.g. { "1.29": 6, "1.30": 3 }. */
  versions: Record<string, number>;
  /** TerminateInstanceInAutoScalingGroup requests per instance id, accepted or refused. */
  terminationRequests: Record<string, number>;
  launchTemplateVersion: string;
  suspendedProcesses: string[];
  /** The Auto Scaling group's members. */
  instances: { id: string; state: string; imageId: string; az: string }[];
  /** World time, ms since the epoch. */
  now: number;
}

export interface WorldClockReport {
  now: number;
  /** Simulated seconds per real second; null on a virtual clock, which moves only when driven. */
  speed: number | null;
}

export interface FaultsRequest {
  throttle?: { aws?: number; kube?: number };
  dropWatches?: boolean;
  compact?: boolean;
}

export function worldLedger(world: SimWorld): WorldLedger {
  const instances = world.instances();
  const leaving = new Set(instances.filter((i) => i.lifecycleState !== 'Pending' && i.lifecycleState !== 'InService').map((i) => i.nodeName));
  const versions: Record<string, number> = {};
  for (const n of world.nodes()) {
    if (leaving.has(n.name)) continue;
    const minor = /^v?(\d+\.\d+)/.exec(n.kubeletVersion)?.[1] ?? n.kubeletVersion;
    versions[minor] = (versions[minor] ?? 0) + 1;
  }
  return {
    ...world.ledger(),
    group: world.groupSizes(),
    versions,
    terminationRequests: world.terminationRequests(),
    launchTemplateVersion: world.launchTemplateVersion(),
    suspendedProcesses: world.suspendedProcesses(),
    instances: instances.map((i) => ({ id: i.instanceId, state: i.lifecycleState, imageId: i.imageId, az: i.az })),
    now: world.clock.now(),
  };
}

/** The request's faults, or a message saying what is wrong with it. */
export function parseFaults(body: string): FaultsRequest | string {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return 'the body must be JSON, e.g. {"throttle":{"aws":0.2}}';
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'the body must be a JSON object with throttle, dropWatches or compact';
  const o = raw as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !['throttle', 'dropWatches', 'compact'].includes(k));
  if (unknown.length > 0) return `unknown field ${unknown[0]} (expected throttle, dropWatches, compact)`;
  if (Object.keys(o).length === 0) return 'nothing to do: give throttle, dropWatches or compact';
  const out: FaultsRequest = {};
  if (o.throttle !== undefined) {
    const t = o.throttle;
    if (typeof t !== 'object' || t === null || Array.isArray(t)) return 'throttle must be an object like {"aws":0.2,"kube":0.1}';
    const throttle: { aws?: number; kube?: number } = {};
    for (const [k, v] of Object.entries(t)) {
      if (k !== 'aws' && k !== 'kube') return `throttle.${k}: unknown API (expected aws or kube)`;
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) return `throttle.${k} must be a probability from 0 to 1, got ${JSON.stringify(v)}`;
      throttle[k] = v;
    }
    out.throttle = throttle;
  }
  for (const k of ['dropWatches', 'compact'] as const) {
    if (o[k] === undefined) continue;
    if (typeof o[k] !== 'boolean') return `${k} must be true or false, got ${JSON.stringify(o[k])}`;
    out[k] = o[k];
  }
  return out;
}

/** The handler serve-aws-api.ts calls for /world/…; kube is the world's Kubernetes API server (watches, history). */
export function worldControl(world: SimWorld, kube: KubeApiServer): (req: WorldRequest) => WireReply {
  return (req) => {
    const route = `${req.method} ${req.path}`;
    switch (route) {
      case 'GET /world/ledger':
        return json(200, worldLedger(world));
      case 'GET /world/clock': {
        const speed = (world.clock as { speed?: unknown }).speed;
        const report: WorldClockReport = { now: world.clock.now(), speed: typeof speed === 'number' ? speed : null };
        return json(200, report);
      }
      case 'POST /world/faults': {
        const faults = parseFaults(req.body);
        if (typeof faults === 'string') return json(400, { error: 'BadRequest', message: `POST /world/faults: ${faults}` });
        if (faults.throttle?.aws !== undefined) world.meter.setThrottle('aws', faults.throttle.aws);
        if (faults.throttle?.kube !== undefined) world.meter.setThrottle('kube', faults.throttle.kube);
        // Compact before cutting the watches: the clients that reconnect then meet 410 Gone.
        if (faults.compact) kube.compact();
        if (faults.dropWatches) kube.dropWatches();
        return json(200, { throttle: world.meter.throttling(), ...(faults.compact ? { compacted: true } : {}), ...(faults.dropWatches ? { droppedWatches: true } : {}) });
      }
    }
    const known = ['/world/ledger', '/world/clock', '/world/faults'];
    if (known.includes(req.path)) {
      const allow = req.path === '/world/faults' ? 'POST' : 'GET';
      return { status: 405, headers: { 'content-type': 'application/json', allow }, body: JSON.stringify({ error: 'MethodNotAllowed', message: `${req.path} takes ${allow}` }) };
    }
    return json(404, { error: 'NotFound', message: `no ${req.path}: try GET /world/ledger, GET /world/clock or POST /world/faults` });
  };
}

function json(status: number, body: unknown): WireReply {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
