// The simulated world as a process serves it: its Kubernetes API on one port, its AWS APIs and the
// world's control endpoints on another, both on 127.0.0.1. The bot's real adapters talk to these and
// the bot can come and go while the world lives on.
import { serveAwsApi, type AwsApiServer } from './aws-http/serve-aws-api.js';
import { serveKubeApi, type KubeApiServer } from './kube-http/serve-kube-api.js';
import { mngbotCrds } from '../store/kubernetes/crds.js';
import { worldControl } from './world-control.js';
import type { SimWorld } from './world.js';

export interface WorldServerOptions {
  host?: string;
  /** The AWS APIs and /world/…; 0 (the default) picks a free port. */
  awsPort?: number;
  /** The Kubernetes API; 0 (the default) picks a free port. */
  kubePort?: number;
}

export interface WorldServer {
  /** http://127.0.0.1:A — every AWS service, and /world/ledger, /world/clock, /world/faults. */
  readonly awsUrl: string;
  /** http://127.0.0.1:K */
  readonly kubeUrl: string;
  readonly aws: AwsApiServer;
  readonly kube: KubeApiServer;
  close(): Promise<void>;
}

export async function serveWorld(world: SimWorld, opts: WorldServerOptions = {}): Promise<WorldServer> {
  const host = opts.host ?? '127.0.0.1';
  // Every caller of this API is the bot (or acts for it): metered, and throttled by the kube fault.
  // mngbot's definitions are there from the start, as `kubectl apply -k manifests/` leaves them.
  const kube = await serveKubeApi(world, { host, port: opts.kubePort ?? 0, objects: { crds: mngbotCrds() } });
  let aws: AwsApiServer;
  try {
    aws = await serveAwsApi(world, { host, port: opts.awsPort ?? 0, kubeUrl: kube.url, world: worldControl(world, kube) });
  } catch (err) {
    await kube.close();
    throw err;
  }
  return {
    awsUrl: aws.url,
    kubeUrl: kube.url,
    aws,
    kube,
    close: async () => {
      await Promise.all([aws.close(), kube.close()]);
    },
  };
}
