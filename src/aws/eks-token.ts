// A Kubernetes bearer token for EKS, as `aws eks get-token` and aws-iam-authenticator make it:
// "k8s-aws-v1." + base64url of a presigned STS GetCallerIdentity URL whose signature covers the
// x-k8s-aws-id header naming the cluster. No external binary.
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentials, AwsCredentialsProvider } from './clients.js';

export const EKS_TOKEN_PREFIX = 'k8s-aws-v1.';
/** What aws-iam-authenticator presigns with; the API server accepts the token for 15 minutes regardless. */
const PRESIGN_EXPIRES_S = 60;

/** SHA-256 (or HMAC-SHA-256 with a secret) over node:crypto, in the shape the signer expects. */
class Sha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    if (this.secret === undefined) return createHash('sha256');
    const key =
      typeof this.secret === 'string'
        ? this.secret
        : ArrayBuffer.isView(this.secret)
          ? Buffer.from(this.secret.buffer, this.secret.byteOffset, this.secret.byteLength)
          : Buffer.from(this.secret);
    return createHmac('sha256', key);
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    if (typeof data === 'string') this.hash.update(data, 'utf8');
    else if (ArrayBuffer.isView(data)) this.hash.update(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    else this.hash.update(Buffer.from(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

function stsHost(region: string): string {
  return region.startsWith('cn-') ? `sts.${region}.amazonaws.com.cn` : `sts.${region}.amazonaws.com`;
}

/** RFC 3986 encoding, as SigV4 canonicalises query strings. */
function encode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The token the Kubernetes API server of an EKS cluster accepts for these credentials. */
export async function eksToken(
  clusterName: string,
  region: string,
  credentials: AwsCredentials | AwsCredentialsProvider,
  now: Date = new Date(),
): Promise<string> {
  const hostname = stsHost(region);
  const signer = new SignatureV4({
    service: 'sts',
    region,
    credentials: typeof credentials === 'function' ? credentials : async () => credentials,
    sha256: Sha256,
    uriEscapePath: true,
  });
  const signed = await signer.presign(
    {
      method: 'GET',
      protocol: 'https:',
      hostname,
      path: '/',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      headers: { host: hostname, 'x-k8s-aws-id': clusterName },
    },
    { expiresIn: PRESIGN_EXPIRES_S, signingDate: now },
  );
  const query = Object.entries(signed.query ?? {})
    .flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : v == null ? [] : [[k, v]]))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${encode(k)}=${encode(v)}`)
    .join('&');
  const url = `https://${hostname}/?${query}`;
  return EKS_TOKEN_PREFIX + Buffer.from(url, 'utf8').toString('base64url');
}
