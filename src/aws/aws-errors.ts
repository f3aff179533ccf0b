// Turns SDK errors into errors a person can act on: which call, on what, and what to check.
import { RetryableError, UserError } from '../engine/errors.js';

export type AwsService = 'EKS' | 'Auto Scaling' | 'EC2' | 'SSM' | 'STS';

/** The call being made, for the message when it fails. */
export interface CallContext {
  service: AwsService;
  operation: string;
  /** What the call acts on, e.g. "i-0abc in eks-workers-1234". */
  resource: string;
  /** The role the call runs as, when the cluster is reached through one. */
  roleArn?: string;
}

const IAM_PREFIX: Record<AwsService, string> = {
  EKS: 'eks',
  'Auto Scaling': 'autoscaling',
  EC2: 'ec2',
  SSM: 'ssm',
  STS: 'sts',
};

/** Throttling codes; the SDK's retry strategy already backs off on these, so seeing one means it gave up. */
const THROTTLING = new Set(['ThrottlingException', 'Throttling', 'RequestLimitExceeded', 'TooManyRequestsException']);
const ACCESS = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnauthorizedException',
  'AuthFailure',
]);
const CREDENTIALS = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'CredentialsProviderError',
]);
const NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

interface SdkErrorShape {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** The AWS error code of an SDK error ("AccessDenied", "ValidationError", …), or the Node error code. */
export function awsErrorCode(err: unknown): string {
  if (typeof err !== 'object' || err === null) return 'Error';
  const e = err as SdkErrorShape;
  if (e.code && NETWORK.has(e.code)) return e.code;
  return e.Code ?? e.name ?? e.code ?? 'Error';
}

export function awsErrorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function isThrottling(err: unknown): boolean {
  return THROTTLING.has(awsErrorCode(err));
}

function describeCall(ctx: CallContext): string {
  return `${ctx.service} ${ctx.operation} ${ctx.resource}`;
}

/** What to check for an error code, or undefined when the AWS message says it best. */
function hintFor(code: string, ctx: CallContext): string | undefined {
  const action = `${IAM_PREFIX[ctx.service]}:${ctx.operation}`;
  if (ctx.service === 'STS' && ctx.operation === 'AssumeRole' && ACCESS.has(code)) {
    return `check that ${ctx.resource} exists and its trust policy lets the bot's identity assume it, and that the bot may sts:AssumeRole`;
  }
  if (ACCESS.has(code)) {
    const who = ctx.roleArn ? `role ${ctx.roleArn}` : "the bot's IAM policy";
    return `check ${who} allows ${action}`;
  }
  if (CREDENTIALS.has(code)) return "check the bot's AWS credentials (expired or wrong keys, or the wrong partition)";
  if (NETWORK.has(code)) return 'check the network path to the AWS endpoint (proxy, VPC endpoints, DNS)';
  return undefined;
}

/** Translates an SDK error from the call into an engine error with a message that names call, resource and fix. */
export function translateAwsError(err: unknown, ctx: CallContext): Error {
  if (err instanceof UserError || err instanceof RetryableError) return err;
  const code = awsErrorCode(err);
  const detail = awsErrorMessage(err);
  const hint = hintFor(code, ctx);
  const head = `${describeCall(ctx)}: ${code}`;
  if (THROTTLING.has(code)) {
    return new RetryableError(`${head} — AWS is still throttling after the SDK's retries; try again shortly (AWS: ${detail})`);
  }
  const status = (err as SdkErrorShape | null)?.$metadata?.httpStatusCode ?? 0;
  if (NETWORK.has(code) || code === 'TimeoutError' || status >= 500) {
    return new RetryableError(`${head} — ${hint ?? 'AWS had a server-side problem; try again shortly'} (${detail})`);
  }
  const message = hint ? `${head} — ${hint} (AWS: ${detail})` : `${head}: ${detail}`;
  const out = new Error(message, { cause: err });
  return out;
}

/** Per error code, an error to raise instead of the generic one (e.g. a UserError for an unknown name). */
export type ErrorOverrides = Partial<Record<string, (err: unknown) => Error | undefined>>;

/** Runs one SDK call, translating any failure. */
export async function awsCall<T>(ctx: CallContext, call: () => Promise<T>, overrides?: ErrorOverrides): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const special = overrides?.[awsErrorCode(err)]?.(err);
    throw special ?? translateAwsError(err, ctx);
  }
}
