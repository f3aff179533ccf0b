import { describe, expect, it } from 'vitest';
import { EKS_TOKEN_PREFIX, eksToken } from '../../src/aws/eks-token.js';

const creds = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'tok/en+=',
};
const at = new Date('2024-05-31T12:00:00Z');

function decode(token: string): URL {
  expect(token.startsWith(EKS_TOKEN_PREFIX)).toBe(true);
  const body = token.slice(EKS_TOKEN_PREFIX.length);
  expect(body).toMatch(/^[A-Za-z0-9_-]+$/); // base64url, no padding
  return new URL(Buffer.from(body, 'base64url').toString('utf8'));
}

describe('eksToken', () => {
  it('is k8s-aws-v1. + base64url of a presigned STS GetCallerIdentity URL', async () => {
    const url = decode(await eksToken('my-cluster', 'us-west-2', creds, at));
    expect(url.protocol).toBe('https:');
    expect(url.host).toBe('sts.us-west-2.amazonaws.com');
    expect(url.pathname).toBe('/');
    const q = url.searchParams;
    expect(q.get('Action')).toBe('GetCallerIdentity');
    expect(q.get('Version')).toBe('2011-06-15');
    expect(q.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(q.get('X-Amz-Credential')).toBe('AKIDEXAMPLE/20240531/us-west-2/sts/aws4_request');
    expect(q.get('X-Amz-Date')).toBe('20240531T120000Z');
    expect(q.get('X-Amz-Expires')).toBe('60');
    expect(q.get('X-Amz-Security-Token')).toBe('tok/en+=');
    expect(q.get('X-Amz-SignedHeaders')).toBe('host;x-k8s-aws-id');
    // The same signature botocore's presigner (what `aws eks get-token` uses) makes for these inputs.
    expect(q.get('X-Amz-Signature')).toBe('6ed7c52d4615bcd9f5b42bb007530be2882afe8b0b85ab38a6819e4f4553c869');
  });

  it('binds the cluster name into the signature and takes a credentials provider', async () => {
    const a = decode(await eksToken('cluster-a', 'eu-west-1', async () => creds, at));
    const b = decode(await eksToken('cluster-b', 'eu-west-1', creds, at));
    expect(a.host).toBe('sts.eu-west-1.amazonaws.com');
    expect(a.searchParams.get('X-Amz-Signature')).not.toBe(b.searchParams.get('X-Amz-Signature'));
  });
});
