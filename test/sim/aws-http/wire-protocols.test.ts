// The wire details the SDK depends on: each service's throttling error (retried by the SDK, then
// surfaced with the service's code and status), its refusal of unsigned requests, STS credentials,
// EC2's ClientToken idempotency and version selectors, regions other than the world's.
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateVersionCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterEach, describe, expect, it } from 'vitest';
import { EksNodeGroups } from '../../../src/aws/eks-node-groups.js';
import { imageParameterPaths, parseImageName } from '../../../src/aws/images.js';
import { UserError } from '../../../src/engine/errors.js';
import type { GroupRef, NodeGroups } from '../../../src/engine/ports.js';
import { findImage, imagesFor } from '../../../src/sim/images.js';
import { adapterClusters, closeServed, CREDENTIALS, scenarioOf, serveWorldAws } from './aws-world-fixture.js';

afterEach(closeServed);

const REGION = 'eu-west-1';

function clients(endpoint: string, maxAttempts = 1, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = CREDENTIALS) {
  const cfg = { region: REGION, endpoint, credentials, maxAttempts, retryMode: 'standard' };
  return {
    asg: new AutoScalingClient(cfg),
    ec2: new EC2Client(cfg),
    eks: new EKSClient(cfg),
    ssm: new SSMClient(cfg),
    sts: new STSClient(cfg),
    destroy() {
      for (const c of [this.asg, this.ec2, this.eks, this.ssm, this.sts]) c.destroy();
    },
  };
}

interface SdkError {
  name: string;
  message: string;
  $metadata: { httpStatusCode?: number; attempts?: number };
}

const failure = (p: Promise<unknown>) => p.then(() => expect.fail('expected the call to fail'), (e: unknown) => e as SdkError);

describe('throttling', () => {
  it('answers each service with its own throttling error, which the SDK retries before giving up', async () => {
    const { api, world } = await serveWorldAws(scenarioOf());
    world.meter.setThrottle('aws', 1);
    const c = clients(api.url, 2);
    const calls: [string, () => Promise<unknown>, string, number][] = [
      ['Auto Scaling', () => c.asg.send(new DescribeAutoScalingGroupsCommand({})), 'Throttling', 400],
      ['STS', () => c.sts.send(new GetCallerIdentityCommand({})), 'Throttling', 400],
      ['EC2', () => c.ec2.send(new DescribeInstancesCommand({})), 'RequestLimitExceeded', 503],
      ['EKS', () => c.eks.send(new DescribeClusterCommand({ name: 'prod' })), 'ThrottlingException', 429],
      ['SSM', () => c.ssm.send(new GetParametersCommand({ Names: ['/aws/service/x'] })), 'ThrottlingException', 400],
    ];
    for (const [service, call, code, status] of calls) {
      const err = await failure(call());
      expect({ service, name: err.name, status: err.$metadata.httpStatusCode, attempts: err.$metadata.attempts }).toEqual({ service, name: code, status, attempts: 2 });
    }
    c.destroy();
    expect(world.apiCalls().aws).toBe(10);
  });

  // The SDK backs off at least 500 ms (real time, its own) before retrying a throttled call: a quarter
  // of the calls throttled keeps this test to seconds.
  it('is retried by the SDK inside EksNodeGroups: every call of an upgrade still succeeds, with the same answers', { timeout: 60_000 }, async () => {
    const seed = 4242;
    // The same calls on a world without throttling, then on one that throttles most calls.
    const run = async (probability: number) => {
      const scenario = scenarioOf({ seed, amiType: 'AL2_x86_64', faults: probability > 0 ? [{ kind: 'throttle', api: 'aws', probability }] : [] });
      const { adapter, world, clock } = await serveWorldAws(scenario, { maxAttempts: 12 });
      const ref: GroupRef = { cluster: 'prod', nodegroup: 'workers' };
      const ng: NodeGroups = adapter;
      const answers: unknown[] = [];
      answers.push(await ng.describeNodegroup(ref));
      const [first] = await ng.listInstances(ref);
      const target = await ng.resolveImage(ref, '1.30');
      answers.push(target, await ng.ensureLaunchTemplateVersion(ref, target.imageId, 'tok'), await ng.ensureLaunchTemplateVersion(ref, target.imageId, 'tok'));
      await ng.useLaunchTemplateVersion(ref, '2');
      await ng.suspendProcesses(ref, ['AZRebalance']);
      await ng.setSizes(ref, { desired: 5 });
      clock.advance();
      await ng.terminateInstance(ref, first.instanceId, { decrement: true });
      await ng.resumeProcesses(ref, ['AZRebalance']);
      answers.push(await ng.listInstances(ref), await ng.listScalingActivities(ref, 0), await ng.describeNodegroup(ref));
      return { answers, calls: world.apiCalls().aws, requests: world.terminationRequests(), first: first.instanceId };
    };
    const calm = await run(0);
    const throttled = await run(0.25);
    expect(throttled.answers, `seed ${seed}`).toEqual(calm.answers);
    expect(throttled.calls, `seed ${seed}: the throttled world saw the retries`).toBeGreaterThan(calm.calls + 3);
    // A throttled termination is answered before it reaches the group, so it is no request to it.
    expect(throttled.requests).toEqual({ [throttled.first]: 1 });
  });
});

describe('requests without a signature', () => {
  it.each([
    ['Auto Scaling', { body: 'Action=DescribeAutoScalingGroups&Version=2011-01-01', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 403, 'MissingAuthenticationToken'],
    ['STS', { body: 'Action=GetCallerIdentity&Version=2011-06-15', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 403, 'MissingAuthenticationToken'],
    ['EC2', { body: 'Action=DescribeInstances&Version=2016-11-15', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 401, 'MissingAuthenticationToken'],
    ['SSM', { body: '{"Names":["/a"]}', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.GetParameters' } }, 400, 'MissingAuthenticationTokenException'],
  ])('are refused by %s in its own words', async (_service, init, status, code) => {
    const { api, world } = await serveWorldAws(scenarioOf());
    const res = await fetch(api.url, { method: 'POST', ...init });
    expect(res.status).toBe(status);
    expect(await res.text()).toContain(code);
    expect(world.apiCalls().aws).toBe(0);
  });

  it('are refused by EKS with x-amzn-errortype', async () => {
    const { api } = await serveWorldAws(scenarioOf());
    const res = await fetch(`${api.url}/clusters/prod`);
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    expect(await res.json()).toEqual({ message: 'Missing Authentication Token' });
  });
});

describe('STS', () => {
  it('hands out role credentials that GetCallerIdentity then recognises', async () => {
    const { api } = await serveWorldAws(scenarioOf());
    const c = clients(api.url);
    expect(await c.sts.send(new GetCallerIdentityCommand({}))).toMatchObject({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/mngbot' });
    const out = await c.sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::210987654321:role/mngbot-target', RoleSessionName: 'mngbot', DurationSeconds: 3600 }));
    expect(out.AssumedRoleUser?.Arn).toBe('arn:aws:sts::210987654321:assumed-role/mngbot-target/mngbot');
    const creds = out.Credentials!;
    expect(creds.Expiration!.getTime()).toBeGreaterThan(Date.now());
    const as = clients(api.url, 1, { accessKeyId: creds.AccessKeyId!, secretAccessKey: creds.SecretAccessKey!, sessionToken: creds.SessionToken! });
    expect(await as.sts.send(new GetCallerIdentityCommand({}))).toMatchObject({ Account: '210987654321', Arn: out.AssumedRoleUser!.Arn });
    await expect(c.sts.send(new AssumeRoleCommand({ RoleArn: 'not-an-arn', RoleSessionName: 'x1' }))).rejects.toThrow(/not-an-arn is invalid/);
    c.destroy();
    as.destroy();
  });

  it('lets EksNodeGroups reach a cluster through a role, as for a cluster in another account', async () => {
    const scenario = scenarioOf();
    const { api, world } = await serveWorldAws(scenario);
    const clusters = adapterClusters(scenario, world.aws.asg.name);
    const adapter = new EksNodeGroups({ endpoint: api.url, credentials: CREDENTIALS, clusters: { prod: { ...clusters.prod, roleArn: 'arn:aws:iam::123456789012:role/mngbot' } } });
    expect(await adapter.describeCluster('prod')).toEqual({ name: 'prod', version: '1.30', region: REGION, status: 'ACTIVE' });
    expect(world.apiCalls().byMethod).toMatchObject({ AssumeRole: 1, DescribeCluster: 1 });
    adapter.destroy();
  });
});

describe('EC2', () => {
  it('creates a launch-template version once per ClientToken and refuses the token for another request', async () => {
    const { api, world } = await serveWorldAws(scenarioOf());
    const c = clients(api.url);
    const lt = world.aws.asg.launchTemplate;
    const img = findImage('AL2023', '1.30').imageId;
    const create = (description: string) =>
      c.ec2.send(new CreateLaunchTemplateVersionCommand({ LaunchTemplateId: lt.id, SourceVersion: '1', VersionDescription: description, LaunchTemplateData: { ImageId: img }, ClientToken: 'tok-1' }));
    const first = await create('mngbot:run-1');
    const again = await create('mngbot:run-1');
    expect(first.LaunchTemplateVersion).toMatchObject({ VersionNumber: 2, VersionDescription: 'mngbot:run-1', LaunchTemplateData: { ImageId: img, InstanceType: 'm6i.large' } });
    expect(again.LaunchTemplateVersion?.VersionNumber).toBe(2);
    await expect(create('something else')).rejects.toMatchObject({ name: 'IdempotentParameterMismatch' });
    await expect(
      c.ec2.send(new CreateLaunchTemplateVersionCommand({ LaunchTemplateId: lt.id, LaunchTemplateData: { ImageId: 'ami-0000000000000000f' } })),
    ).rejects.toMatchObject({ name: 'InvalidAMIID.NotFound' });

    const versions = async (v: string[]) =>
      (await c.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: lt.id, Versions: v }))).LaunchTemplateVersions!.map((x) => x.VersionNumber);
    expect(await versions(['$Latest', '$Default', '1'])).toEqual([2, 1, 1]);
    await expect(versions(['9'])).rejects.toMatchObject({ name: 'InvalidLaunchTemplateId.VersionNotFound' });
    const page1 = await c.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: lt.id, MaxResults: 1 }));
    const page2 = await c.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: lt.id, MaxResults: 1, NextToken: page1.NextToken }));
    expect([page1.LaunchTemplateVersions![0].VersionNumber, page2.LaunchTemplateVersions![0].VersionNumber, page2.NextToken]).toEqual([1, 2, undefined]);
    c.destroy();
  });

  it('names every catalog image as EKS names its AMIs and publishes its SSM parameters', async () => {
    const { api } = await serveWorldAws(scenarioOf({ amiType: 'BOTTLEROCKET_ARM_64' }));
    const c = clients(api.url);
    const all = (await c.ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }))).Images!;
    expect(all.length).toBeGreaterThan(100);
    for (const image of all) {
      const parsed = parseImageName(image.Name!);
      expect(parsed, image.Name).toBeDefined();
    }
    const br = imagesFor('BOTTLEROCKET', '1.30')[0];
    const [named] = (await c.ec2.send(new DescribeImagesCommand({ ImageIds: [br.imageId] }))).Images!;
    expect(named).toMatchObject({ Name: `bottlerocket-aws-k8s-1.30-arm64-v${br.releaseVersion}`, Architecture: 'arm64', OwnerId: '602401143452' });

    const paths = imageParameterPaths('BOTTLEROCKET_ARM_64', '1.30', br.releaseVersion);
    const out = await c.ssm.send(new GetParametersCommand({ Names: [paths.imageId, paths.release, '/aws/service/eks/optimized-ami/1.99/amazon-linux-2/recommended/image_id'] }));
    expect(out.Parameters!.map((p) => [p.Name, p.Value])).toEqual([
      [paths.imageId, br.imageId],
      [paths.release, br.releaseVersion],
    ]);
    expect(out.InvalidParameters).toEqual(['/aws/service/eks/optimized-ami/1.99/amazon-linux-2/recommended/image_id']);
    c.destroy();
  });
});

describe('another region', () => {
  it('holds nothing of the world: the adapter is told the cluster is not there', async () => {
    const scenario = scenarioOf();
    const { api, world } = await serveWorldAws(scenario);
    const clusters = adapterClusters(scenario, world.aws.asg.name);
    const adapter = new EksNodeGroups({ endpoint: api.url, credentials: CREDENTIALS, clusters: { prod: { ...clusters.prod, region: 'us-east-1' } } });
    await expect(adapter.describeCluster('prod')).rejects.toThrow(new UserError('EKS cluster prod not found in us-east-1'));
    await expect(adapter.describeNodegroup({ cluster: 'prod', nodegroup: 'workers' })).rejects.toThrow(/Auto Scaling group prod-workers not found in us-east-1/);
    adapter.destroy();
  });
});
