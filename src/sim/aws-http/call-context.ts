// What every handler of the AWS wire server knows about the call it answers.
import type { SimWorld } from '../world.js';
import type { WireReply } from './wire-errors.js';

/** The simulated account everything lives in. */
export const ACCOUNT_ID = '123456789012';

export interface CallContext {
  world: SimWorld;
  /** From the request's credential scope. */
  region: string;
  accessKeyId: string;
  requestId: string;
  /**
   * The world lives in its scenario's region; asked in another region, the account is empty there
   * (no cluster, no group, no instances), as AWS would answer a client configured for the wrong region.
   */
  here: boolean;
  /** The Kubernetes API of the cluster, for EKS DescribeCluster's endpoint. */
  kubeUrl?: string;
}

/** A request the service understood: its operation (metered before it runs) and how to answer it. */
export interface Routed {
  operation: string;
  run(): WireReply;
}
