// Which AWS service a request is for, as moto_server decides it: from the SigV4 credential scope
// (Credential=AKID/yyyymmdd/region/service/aws4_request), in the Authorization header or a presigned
// URL. Signatures are not checked: the world trusts anyone on 127.0.0.1.
import type { IncomingHttpHeaders } from 'node:http';
import type { AwsService } from './wire-errors.js';

export interface CredentialScope {
  accessKeyId: string;
  region: string;
  service: string;
}

const SCOPE = /Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request/;

export function credentialScope(headers: IncomingHttpHeaders, query: URLSearchParams): CredentialScope | undefined {
  const auth = headers.authorization;
  const m = (typeof auth === 'string' && auth.startsWith('AWS4-HMAC-SHA256') ? SCOPE.exec(auth) : null) ?? presigned(query);
  return m ? { accessKeyId: m[1], region: m[3], service: m[4] } : undefined;
}

function presigned(query: URLSearchParams): RegExpExecArray | null {
  const credential = query.get('X-Amz-Credential');
  return credential ? SCOPE.exec(`Credential=${credential}`) : null;
}

const QUERY_VERSIONS: Record<string, AwsService> = { '2011-01-01': 'autoscaling', '2016-11-15': 'ec2', '2011-06-15': 'sts' };

/**
 * An unsigned request's service, from its shape, so that it can be refused in that service's own
 * words: SSM's target header, EKS's REST paths, the query protocols' API version.
 */
export function serviceFromShape(headers: IncomingHttpHeaders, path: string, body: string): AwsService | undefined {
  const target = headers['x-amz-target'];
  if (typeof target === 'string' && target.startsWith('AmazonSSM.')) return 'ssm';
  if (path === '/clusters' || path.startsWith('/clusters/')) return 'eks';
  const version = new URLSearchParams(body).get('Version');
  return version ? QUERY_VERSIONS[version] : undefined;
}
