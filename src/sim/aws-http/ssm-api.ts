// SSM (awsJson1_1): GetParameters for the public EKS-optimized image parameters (published-images.ts).
// Names AWS does not publish come back in InvalidParameters, as SSM answers them.
import type { CallContext, Routed } from './call-context.js';
import { imageParameter } from './published-images.js';
import { AwsError, type WireReply } from './wire-errors.js';

export function routeSsm(target: string | undefined, body: string, ctx: CallContext): Routed | undefined {
  if (target !== 'AmazonSSM.GetParameters') return undefined;
  return { operation: 'GetParameters', run: () => getParameters(body, ctx) };
}

function getParameters(body: string, ctx: CallContext): WireReply {
  let input: unknown;
  try {
    input = JSON.parse(body || '{}');
  } catch {
    throw new AwsError('SerializationException', 'The request body is not valid JSON');
  }
  const names = (input as { Names?: unknown } | null)?.Names;
  if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) {
    throw new AwsError('ValidationException', "1 validation error detected: Value at 'names' failed to satisfy constraint: Member must not be null and must be a list of strings");
  }
  if (names.length < 1 || names.length > 10) {
    throw new AwsError('ValidationException', `1 validation error detected: Value '[${names.join(', ')}]' at 'names' failed to satisfy constraint: Member must have length between 1 and 10`);
  }
  const parameters: unknown[] = [];
  const invalid: string[] = [];
  // Public parameters exist in every region; their last change predates any world.
  const modified = Date.UTC(2024, 0, 1) / 1000;
  for (const name of new Set(names as string[])) {
    const found = imageParameter(name);
    if (!found) {
      invalid.push(name);
      continue;
    }
    parameters.push({
      Name: name,
      Type: 'String',
      Value: found.value,
      Version: 1,
      LastModifiedDate: modified,
      ARN: `arn:aws:ssm:${ctx.region}::parameter${name}`,
      DataType: found.dataType,
    });
  }
  return {
    status: 200,
    headers: { 'content-type': 'application/x-amz-json-1.1' },
    body: JSON.stringify({ Parameters: parameters, InvalidParameters: invalid }),
  };
}
