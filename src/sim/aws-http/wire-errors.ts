// AWS errors as each service's protocol writes them: awsQuery XML (Auto Scaling, STS), ec2Query XML,
// restJson1 with x-amzn-errortype (EKS) and awsJson1_1 with __type (SSM). The SDK reads the code from
// exactly these places, so its retry strategy and our adapters' error translation run as against AWS.
import { errorMessage } from '../../engine/errors.js';
import { escapeXml } from './xml.js';

export type AwsService = 'eks' | 'autoscaling' | 'ec2' | 'ssm' | 'sts';

export const QUERY_NAMESPACES = {
  autoscaling: 'http://autoscaling.amazonaws.com/doc/2011-01-01/',
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
  ec2: 'http://ec2.amazonaws.com/doc/2016-11-15/',
} as const;

/** An error to answer with: the service's code, its message, the HTTP status it comes with. */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    /** Extra members of a JSON error body (EKS names the cluster and node group). */
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
  }
}

export interface WireReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Per service: its throttling error, which the SDK's retry strategy recognises by code (and EKS's also by 429). */
const THROTTLING: Record<AwsService, () => AwsError> = {
  autoscaling: () => new AwsError('Throttling', 'Rate exceeded', 400),
  sts: () => new AwsError('Throttling', 'Rate exceeded', 400),
  ec2: () => new AwsError('RequestLimitExceeded', 'Request limit exceeded.', 503),
  eks: () => new AwsError('ThrottlingException', 'Rate exceeded', 429),
  ssm: () => new AwsError('ThrottlingException', 'Rate exceeded', 400),
};

export function throttlingError(service: AwsService): AwsError {
  return THROTTLING[service]();
}

/** A request without a SigV4 signature, answered as each service answers one. */
const MISSING_AUTH: Record<AwsService, () => AwsError> = {
  autoscaling: () => new AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403),
  sts: () => new AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403),
  ec2: () => new AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 401),
  eks: () => new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403),
  ssm: () => new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token', 400),
};

export function missingAuthError(service: AwsService): AwsError {
  return MISSING_AUTH[service]();
}

/** The code and status of an unexpected failure, per service. */
const INTERNAL: Record<AwsService, string> = {
  autoscaling: 'InternalFailure',
  sts: 'InternalFailure',
  ec2: 'InternalError',
  eks: 'ServerException',
  ssm: 'InternalServerError',
};

/**
 * The simulator's refusals read "Code: message" (its UserErrors quote AWS); those become that error,
 * anything else `fallback` with the whole message.
 */
export function fromSimError(err: unknown, fallback: string, status = 400): AwsError {
  if (err instanceof AwsError) return err;
  const text = errorMessage(err);
  const m = /^([A-Z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)*): ([\s\S]*)$/.exec(text);
  return m ? new AwsError(m[1], m[2], status) : new AwsError(fallback, text, status);
}

export function internalError(service: AwsService, err: unknown): AwsError {
  return new AwsError(INTERNAL[service], `simulated ${service}: ${errorMessage(err)}`, 500);
}

export function errorReply(service: AwsService, err: AwsError, requestId: string): WireReply {
  switch (service) {
    case 'autoscaling':
    case 'sts': {
      const type = err.status >= 500 ? 'Receiver' : 'Sender';
      return xml(
        err.status,
        `<ErrorResponse xmlns="${QUERY_NAMESPACES[service]}"><Error><Type>${type}</Type><Code>${escapeXml(err.code)}</Code>` +
          `<Message>${escapeXml(err.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      );
    }
    case 'ec2':
      return xml(
        err.status,
        `<Response><Errors><Error><Code>${escapeXml(err.code)}</Code><Message>${escapeXml(err.message)}</Message></Error></Errors>` +
          `<RequestID>${requestId}</RequestID></Response>`,
      );
    case 'eks':
      return {
        status: err.status,
        headers: { 'content-type': 'application/json', 'x-amzn-errortype': err.code, 'x-amzn-requestid': requestId },
        body: JSON.stringify({ message: err.message, ...err.fields }),
      };
    case 'ssm':
      return {
        status: err.status,
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId },
        body: JSON.stringify({ __type: err.code, message: err.message }),
      };
  }
}

function xml(status: number, body: string): WireReply {
  return { status, headers: { 'content-type': 'text/xml' }, body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}` };
}
