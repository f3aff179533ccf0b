import { describe, expect, it } from 'vitest';
import { translateAwsError } from '../../src/aws/aws-errors.js';
import { RetryableError } from '../../src/engine/errors.js';

/** An error shaped as the SDK throws them. */
function sdkError(name: string, message: string, status = 400): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

describe('translateAwsError', () => {
  it('names the call, the resource and the permission for access errors', () => {
    const err = translateAwsError(sdkError('AccessDenied', 'not authorized', 403), {
      service: 'Auto Scaling',
      operation: 'TerminateInstanceInAutoScalingGroup',
      resource: 'i-0abc in eks-workers-1234',
    });
    expect(err.message).toBe(
      "Auto Scaling TerminateInstanceInAutoScalingGroup i-0abc in eks-workers-1234: AccessDenied — check the bot's IAM policy allows autoscaling:TerminateInstanceInAutoScalingGroup (AWS: not authorized)",
    );
    expect(err).not.toBeInstanceOf(RetryableError);
  });

  it('names the assumed role when there is one', () => {
    const err = translateAwsError(sdkError('UnauthorizedOperation', 'nope', 403), {
      service: 'EC2',
      operation: 'CreateLaunchTemplateVersion',
      resource: 'lt-1',
      roleArn: 'arn:aws:iam::1:role/mngbot',
    });
    expect(err.message).toMatch(/check role arn:aws:iam::1:role\/mngbot allows ec2:CreateLaunchTemplateVersion/);
  });

  it('explains a refused AssumeRole and bad credentials', () => {
    expect(
      translateAwsError(sdkError('AccessDenied', 'x'), { service: 'STS', operation: 'AssumeRole', resource: 'arn:aws:iam::1:role/r' })
        .message,
    ).toMatch(/trust policy/);
    expect(
      translateAwsError(sdkError('ExpiredToken', 'x'), { service: 'EKS', operation: 'DescribeCluster', resource: 'cluster c' }).message,
    ).toMatch(/^EKS DescribeCluster cluster c: ExpiredToken — check the bot's AWS credentials/);
  });

  it('makes throttling, server errors and network failures retryable', () => {
    for (const code of ['ThrottlingException', 'Throttling', 'RequestLimitExceeded', 'TooManyRequestsException']) {
      expect(translateAwsError(sdkError(code, 'slow down'), { service: 'EC2', operation: 'DescribeInstances', resource: 'x' })).toBeInstanceOf(
        RetryableError,
      );
    }
    expect(translateAwsError(sdkError('InternalFailure', 'oops', 500), { service: 'EKS', operation: 'DescribeNodegroup', resource: 'c/n' })).toBeInstanceOf(
      RetryableError,
    );
    const net = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const err = translateAwsError(net, { service: 'SSM', operation: 'GetParameters', resource: '/aws/service/x' });
    expect(err).toBeInstanceOf(RetryableError);
    expect(err.message).toMatch(/^SSM GetParameters \/aws\/service\/x: ECONNREFUSED — check the network path/);
  });

  it("keeps AWS's message for other errors", () => {
    const err = translateAwsError(sdkError('ValidationError', 'AutoScalingGroup name not found - null'), {
      service: 'Auto Scaling',
      operation: 'UpdateAutoScalingGroup',
      resource: 'gone-asg',
    });
    expect(err.message).toBe('Auto Scaling UpdateAutoScalingGroup gone-asg: ValidationError: AutoScalingGroup name not found - null');
  });
});
