// SDK clients per region and role, created on first use. One bot can serve clusters in several
// accounts: a cluster with a roleArn is reached through STS AssumeRole from the bot's own identity.
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { meterAwsClient } from '../metrics/aws-middleware.js';
import { awsCall } from './aws-errors.js';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export type AwsCredentialsProvider = () => Promise<AwsCredentials>;

export interface AwsClientOptions {
  /** Overrides every service endpoint (tests, VPC endpoints). Without it the SDK honours AWS_ENDPOINT_URL[_<SERVICE>]. */
  endpoint?: string;
  /** The bot's own identity; the SDK's default credential chain when absent. */
  credentials?: AwsCredentials | AwsCredentialsProvider;
  /** Attempts per call, throttling included; the SDK backs off between them. */
  maxAttempts?: number;
}

export interface RegionClients {
  region: string;
  roleArn?: string;
  eks: EKSClient;
  asg: AutoScalingClient;
  ec2: EC2Client;
  ssm: SSMClient;
  /** The credentials these clients sign with (the assumed role's when there is one), for EKS tokens. */
  credentials: AwsCredentialsProvider;
}

/** Renew assumed-role credentials this long before they expire. */
const REFRESH_BEFORE_MS = 5 * 60_000;

export class AwsClients {
  private readonly byKey = new Map<string, RegionClients>();
  private readonly maxAttempts: number;

  constructor(private readonly opts: AwsClientOptions = {}) {
    this.maxAttempts = opts.maxAttempts ?? 8;
  }

  /** The clients for a region, signing as the role when one is given. */
  for(region: string, roleArn?: string, externalId?: string): RegionClients {
    const key = `${region}|${roleArn ?? ''}`;
    let clients = this.byKey.get(key);
    if (!clients) {
      clients = this.create(region, roleArn, externalId);
      this.byKey.set(key, clients);
    }
    return clients;
  }

  destroy(): void {
    for (const c of this.byKey.values()) {
      c.eks.destroy();
      c.asg.destroy();
      c.ec2.destroy();
      c.ssm.destroy();
    }
    this.byKey.clear();
  }

  private baseConfig(region: string) {
    return {
      region,
      maxAttempts: this.maxAttempts,
      // Adaptive adds client-side rate limiting on top of standard backoff: kinder to shared API quotas.
      retryMode: 'adaptive',
      ...(this.opts.endpoint ? { endpoint: this.opts.endpoint } : {}),
    };
  }

  private baseCredentials(region: string): AwsCredentialsProvider {
    const given = this.opts.credentials;
    if (typeof given === 'function') return given;
    if (given) return async () => given;
    // The default chain, resolved by a client that has nothing else to do: env, SSO, profile, web identity, IMDS.
    const sts = new STSClient(this.baseConfig(region));
    return () => sts.config.credentials();
  }

  private create(region: string, roleArn?: string, externalId?: string): RegionClients {
    const base = this.baseCredentials(region);
    const credentials = roleArn ? this.assumeRole(region, roleArn, base, externalId) : base;
    const config = { ...this.baseConfig(region), credentials };
    return {
      region,
      roleArn,
      eks: meterAwsClient(new EKSClient(config)),
      asg: meterAwsClient(new AutoScalingClient(config)),
      ec2: meterAwsClient(new EC2Client(config)),
      ssm: meterAwsClient(new SSMClient(config)),
      credentials,
    };
  }

  private assumeRole(
    region: string,
    roleArn: string,
    base: AwsCredentialsProvider,
    externalId?: string,
  ): AwsCredentialsProvider {
    const sts = meterAwsClient(new STSClient({ ...this.baseConfig(region), credentials: base }));
    let cached: AwsCredentials | undefined;
    let pending: Promise<AwsCredentials> | undefined;
    const fetch = async (): Promise<AwsCredentials> => {
      const out = await awsCall({ service: 'STS', operation: 'AssumeRole', resource: roleArn }, () =>
        sts.send(
          new AssumeRoleCommand({
            RoleArn: roleArn,
            RoleSessionName: 'mngbot',
            DurationSeconds: 3600,
            ...(externalId ? { ExternalId: externalId } : {}),
          }),
        ),
      );
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`STS AssumeRole ${roleArn}: no credentials returned`);
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration,
      };
    };
    return async () => {
      const fresh = cached && (!cached.expiration || cached.expiration.getTime() - Date.now() > REFRESH_BEFORE_MS);
      if (fresh && cached) return cached;
      // One AssumeRole at a time, however many calls are waiting for it.
      pending ??= fetch().finally(() => {
        pending = undefined;
      });
      cached = await pending;
      return cached;
    };
  }
}
