// A simulated world served over HTTP on 127.0.0.1 (a free port), and a KubeCluster talking to it.
import { connectCluster, type KubeConnection } from '../../src/kube/connect.js';
import type { KubeCluster, KubeClusterOptions } from '../../src/kube/kube-cluster.js';
import { serveKubeApi, type KubeApiOptions, type KubeApiServer } from '../../src/sim/kube-http/serve-kube-api.js';
import type { SimWorld } from '../../src/sim/world.js';

export interface Served {
  api: KubeApiServer;
  kube: KubeCluster;
}

const open: KubeApiServer[] = [];

export async function serve(world: SimWorld, apiOpts: KubeApiOptions = {}, conn?: Partial<Extract<KubeConnection, { kind: 'server' }>>, opts?: KubeClusterOptions): Promise<Served> {
  const api = await serveKubeApi(world, { host: '127.0.0.1', port: 0, ...apiOpts });
  open.push(api);
  const kube = connectCluster({ kind: 'server', server: api.url, ...conn }, { requestTimeoutMs: 5000, ...opts });
  return { api, kube };
}

export async function closeAll(): Promise<void> {
  await Promise.all(open.splice(0).map((a) => a.close()));
}

/** Polls until cond holds (real time). */
export async function until(cond: () => boolean, what = 'condition', timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const byUid = <T extends { uid: string }>(xs: T[]) => [...xs].sort((a, b) => a.uid.localeCompare(b.uid));
export const byName = <T extends { name: string }>(xs: T[]) => [...xs].sort((a, b) => a.name.localeCompare(b.name));
