// STS (awsQuery): GetCallerIdentity and AssumeRole with made-up credentials. The server remembers the
// keys it handed out, so a caller signing with an assumed role's keys is told it is that role.
import { randomBytes } from 'node:crypto';
import { ACCOUNT_ID, type CallContext, type Routed } from './call-context.js';
import { QueryParams } from './query-params.js';
import { queryReply } from './query-reply.js';
import { AwsError, type WireReply } from './wire-errors.js';

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/((?:[\w+=,.@-]+\/)*)([\w+=,.@-]{1,64})$/;

interface Session {
  arn: string;
  userId: string;
  account: string;
}

export class SimSts {
  private readonly sessions = new Map<string, Session>();

  route(body: string, ctx: CallContext): Routed | undefined {
    const p = new QueryParams(body, 'ValidationError', 'MissingParameter');
    if (p.action === 'GetCallerIdentity') return { operation: 'GetCallerIdentity', run: () => this.getCallerIdentity(ctx) };
    if (p.action === 'AssumeRole') return { operation: 'AssumeRole', run: () => this.assumeRole(p, ctx) };
    return undefined;
  }

  private getCallerIdentity(ctx: CallContext): WireReply {
    const s = this.sessions.get(ctx.accessKeyId) ?? { arn: `arn:aws:iam::${ACCOUNT_ID}:user/mngbot`, userId: 'AIDASIMULATEDMNGBOT01', account: ACCOUNT_ID };
    return queryReply('sts', 'GetCallerIdentity', ctx.requestId, { Arn: s.arn, UserId: s.userId, Account: s.account });
  }

  private assumeRole(p: QueryParams, ctx: CallContext): WireReply {
    const roleArn = p.require('RoleArn');
    const sessionName = p.require('RoleSessionName');
    const m = ROLE_ARN.exec(roleArn);
    if (!m) throw new AwsError('ValidationError', `${roleArn} is invalid`);
    if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
      throw new AwsError('ValidationError', `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`);
    }
    const duration = p.int('DurationSeconds', 900, 43_200) ?? 3600;
    const [, account, , roleName] = m;
    const roleId = `AROA${randomBytes(8).toString('hex').toUpperCase()}`;
    const accessKeyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
    const arn = `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`;
    this.sessions.set(accessKeyId, { arn, userId: `${roleId}:${sessionName}`, account });
    return queryReply('sts', 'AssumeRole', ctx.requestId, {
      Credentials: {
        AccessKeyId: accessKeyId,
        SecretAccessKey: randomBytes(20).toString('base64'),
        SessionToken: randomBytes(48).toString('base64'),
        // Credentials expire in real time: the SDK compares their expiry with the machine's clock.
        Expiration: new Date(Date.now() + duration * 1000),
      },
      AssumedRoleUser: { AssumedRoleId: `${roleId}:${sessionName}`, Arn: arn },
      PackedPolicySize: 0,
    });
  }
}
