// SSM (awsJson1_1): GetParameters and GetParametersByPath for the public EKS-optimized image parameters
// (published-images.ts). Names AWS does not publish come back in InvalidParameters, as SSM answers
// them; each parameter's LastModifiedDate is when its release was published.
import type { CallContext, Routed } from './call-context.js';
import { imageParameter, imageParametersUnder, type ParameterValue } from './published-images.js';
import { AwsError, type WireReply } from './wire-errors.js';

export function routeSsm(target: string | undefined, body: string, ctx: CallContext): Routed | undefined {
  if (target === 'AmazonSSM.GetParameters') return { operation: 'GetParameters', run: () => getParameters(body, ctx) };
  if (target === 'AmazonSSM.GetParametersByPath') return { operation: 'GetParametersByPath', run: () => getParametersByPath(body, ctx) };
  return undefined;
}

function readJson(body: string): unknown {
  try {
    return JSON.parse(body || '{}');
  } catch {
    throw new AwsError('SerializationException', 'The request body is not valid JSON');
  }
}

function wireParameter(name: string, found: ParameterValue, ctx: CallContext): unknown {
  return {
    Name: name,
    Type: 'String',
    Value: found.value,
    Version: 1,
    LastModifiedDate: found.publishedAt / 1000,
    ARN: `arn:aws:ssm:${ctx.region}::parameter${name}`,
    DataType: found.dataType,
  };
}

const reply = (out: unknown): WireReply => ({ status: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify(out) });

/** SSM's page size: at most 10 parameters a call. */
const PAGE = 10;

function getParametersByPath(body: string, ctx: CallContext): WireReply {
  const input = readJson(body) as { Path?: unknown; Recursive?: unknown; MaxResults?: unknown; NextToken?: unknown } | null;
  const path = input?.Path;
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new AwsError('ValidationException', "1 validation error detected: Value at 'path' failed to satisfy constraint: Member must not be null and must start with /");
  }
  const max = typeof input?.MaxResults === 'number' ? input.MaxResults : PAGE;
  if (!Number.isInteger(max) || max < 1 || max > PAGE) {
    throw new AwsError('ValidationException', `1 validation error detected: Value '${String(max)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 10`);
  }
  // The token is the offset into the sorted list: the catalog never changes while a client pages.
  const from = typeof input?.NextToken === 'string' ? Number(input.NextToken) : 0;
  if (!Number.isInteger(from) || from < 0) throw new AwsError('ValidationException', 'The specified token is not valid.');
  const all = imageParametersUnder(path, input?.Recursive === true);
  const page = all.slice(from, from + max);
  return reply({
    Parameters: page.map((p) => wireParameter(p.name, p.parameter, ctx)),
    ...(from + max < all.length ? { NextToken: String(from + max) } : {}),
  });
}

function getParameters(body: string, ctx: CallContext): WireReply {
  const input = readJson(body);
  const names = (input as { Names?: unknown } | null)?.Names;
  if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) {
    throw new AwsError('ValidationException', "1 validation error detected: Value at 'names' failed to satisfy constraint: Member must not be null and must be a list of strings");
  }
  if (names.length < 1 || names.length > 10) {
    throw new AwsError('ValidationException', `1 validation error detected: Value '[${names.join(', ')}]' at 'names' failed to satisfy constraint: Member must have length between 1 and 10`);
  }
  const parameters: unknown[] = [];
  const invalid: string[] = [];
  for (const name of new Set(names as string[])) {
    const found = imageParameter(name);
    if (found) parameters.push(wireParameter(name, found, ctx));
    else invalid.push(name);
  }
  return reply({ Parameters: parameters, InvalidParameters: invalid });
}
