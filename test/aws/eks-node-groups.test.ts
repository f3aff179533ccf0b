// EksNodeGroups against moto_server over real HTTP on 127.0.0.1.
// moto cannot cover: UpdateNodegroupVersion/DescribeUpdate (not implemented; see fake-aws.test.ts),
// real node-group ASGs (we create an ASG under the name moto's EKS reports), AZ balancing, scaling
// activities (DescribeScalingActivities always answers an empty list), SourceVersion inheritance in
// CreateLaunchTemplateVersion (moto stores only the data sent), the launch-template version of ASG
// members (moto reports "1"), and the min-size guard on terminate-with-decrement.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AutoScalingClient, CreateAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { CreateClusterCommand, CreateNodegroupCommand, EKSClient } from '@aws-sdk/client-eks';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { EksNodeGroups, type EksNodeGroupsOptions } from '../../src/aws/eks-node-groups.js';
import { UserError } from '../../src/engine/errors.js';
import { CREDENTIALS, REGION, makeGroup, putParameters, registerImage, sdkConfig, startMoto, type Moto } from './moto.js';

const PREFIX = '/mirror/aws/service';
const AL2023_BASE = `${PREFIX}/eks/optimized-ami/1.30/amazon-linux-2023/x86_64/standard`;
const OTHER_ROLE = 'arn:aws:iam::210987654321:role/mngbot';

let moto: Moto;
let ng: EksNodeGroups;
let image130: string;
let image131: string;
let managedAsgName: string;
const logs: { msg: string; fields?: Record<string, unknown> }[] = [];

function options(extra: Partial<EksNodeGroupsOptions> = {}): EksNodeGroupsOptions {
  return {
    endpoint: moto.endpoint,
    credentials: CREDENTIALS,
    ssmPrefix: PREFIX,
    log: (msg, fields) => logs.push({ msg, fields }),
    clusters: {
      prod: {
        region: REGION,
        selfManaged: {
          workers: { asgName: 'workers-asg', amiType: 'AL2023_x86_64_STANDARD' },
          custom: { asgName: 'custom-asg', amiType: 'CUSTOM', version: '1.29', releaseVersion: 'corp-7' },
          missing: { asgName: 'no-such-asg', amiType: 'AL2023_x86_64_STANDARD' },
          legacy: { asgName: 'legacy-asg', amiType: 'AL2_x86_64' },
          br: { asgName: 'br-asg', amiType: 'BOTTLEROCKET_x86_64' },
        },
      },
      ghost: { region: REGION },
      other: { region: REGION, roleArn: OTHER_ROLE, selfManaged: { remote: { asgName: 'remote-asg', amiType: 'CUSTOM' } } },
    },
    ...extra,
  };
}

async function asgNow(name: string) {
  const asg = new AutoScalingClient(sdkConfig(moto.endpoint));
  const out = await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }));
  asg.destroy();
  return out.AutoScalingGroups![0];
}

beforeAll(async () => {
  moto = await startMoto();
  image130 = await registerImage(moto.endpoint, 'amazon-eks-node-al2023-x86_64-standard-1.30-v20240531');
  image131 = await registerImage(moto.endpoint, 'amazon-eks-node-al2023-x86_64-standard-1.31-v20240701');
  await putParameters(moto.endpoint, {
    [`${AL2023_BASE}/recommended/image_id`]: image130,
    [`${AL2023_BASE}/recommended/release_version`]: '1.30.0-20240531',
    [`${PREFIX}/eks/optimized-ami/1.31/amazon-linux-2023/x86_64/standard/recommended/image_id`]: image131,
    [`${PREFIX}/eks/optimized-ami/1.31/amazon-linux-2023/x86_64/standard/recommended/release_version`]: '1.31.2-20240701',
    [`${AL2023_BASE}/amazon-eks-node-al2023-x86_64-standard-1.30-v20240401/image_id`]: 'ami-0000000000olderrel',
    [`${AL2023_BASE}/amazon-eks-node-al2023-x86_64-standard-1.30-v20240401/release_version`]: '1.30.0-20240401',
    [`${PREFIX}/bottlerocket/aws-k8s-1.31/x86_64/latest/image_id`]: 'ami-0b0771e700000000a',
    [`${PREFIX}/bottlerocket/aws-k8s-1.31/x86_64/latest/image_version`]: '1.24.0-6a5d0b9e',
    [`${PREFIX}/bottlerocket/aws-k8s-1.31/x86_64/1.23.0/image_id`]: 'ami-0b0771e700000000b',
    [`${PREFIX}/bottlerocket/aws-k8s-1.31/x86_64/1.23.0/image_version`]: '1.23.0-2a3f9b21',
  });
  await makeGroup(moto.endpoint, { name: 'workers-asg', imageId: image130, desired: 3 });
  await makeGroup(moto.endpoint, { name: 'custom-asg', imageId: 'ami-0c0ffee000000000a', desired: 1, ltVersion: '$Latest' });

  // A managed node group: moto's EKS names an Auto Scaling group it never creates, so we create it.
  const ec2 = new EC2Client(sdkConfig(moto.endpoint));
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
  const subnet = await ec2.send(
    new CreateSubnetCommand({ VpcId: vpc.Vpc!.VpcId!, CidrBlock: '10.0.1.0/24', AvailabilityZone: `${REGION}a` }),
  );
  const eks = new EKSClient(sdkConfig(moto.endpoint));
  await eks.send(
    new CreateClusterCommand({
      name: 'prod',
      version: '1.30',
      roleArn: 'arn:aws:iam::123456789012:role/eks',
      resourcesVpcConfig: { subnetIds: [subnet.Subnet!.SubnetId!] },
    }),
  );
  const created = await eks.send(
    new CreateNodegroupCommand({
      clusterName: 'prod',
      nodegroupName: 'apps',
      nodeRole: 'arn:aws:iam::123456789012:role/node',
      subnets: [subnet.Subnet!.SubnetId!],
      amiType: 'AL2023_x86_64_STANDARD',
      instanceTypes: ['c6i.large'],
      scalingConfig: { minSize: 1, maxSize: 4, desiredSize: 2 },
      updateConfig: { maxUnavailable: 2 },
    }),
  );
  managedAsgName = created.nodegroup!.resources!.autoScalingGroups![0].name!;
  await makeGroup(moto.endpoint, { name: managedAsgName, imageId: image130, desired: 2 });
  ec2.destroy();
  eks.destroy();

  ng = new EksNodeGroups(options());
}, 60_000);

afterAll(async () => {
  ng?.destroy();
  await moto?.stop();
});

describe('clusters and node groups', () => {
  it('describes a cluster', async () => {
    expect(await ng.describeCluster('prod')).toEqual({ name: 'prod', version: '1.30', region: REGION, status: 'ACTIVE' });
  });

  it('rejects an unconfigured cluster and one EKS does not know with UserErrors', async () => {
    await expect(ng.describeCluster('staging')).rejects.toThrow(UserError);
    await expect(ng.describeCluster('staging')).rejects.toThrow(/Unknown cluster staging.*prod, ghost, other/);
    await expect(ng.describeCluster('ghost')).rejects.toThrow(/EKS cluster ghost not found in us-west-2/);
    // ListNodegroups on an unknown cluster crashes moto (HTTP 500) where AWS answers ResourceNotFoundException.
  });

  it('lists managed and configured self-managed groups', async () => {
    expect((await ng.listNodegroups('prod')).sort()).toEqual(['apps', 'br', 'custom', 'legacy', 'missing', 'workers']);
  });

  it('describes a managed node group from EKS and its Auto Scaling group', async () => {
    const info = await ng.describeNodegroup({ cluster: 'prod', nodegroup: 'apps' });
    expect(info).toMatchObject({
      cluster: 'prod',
      name: 'apps',
      managed: true,
      status: 'ACTIVE',
      amiType: 'AL2023_x86_64_STANDARD',
      amiFamily: 'AL2023',
      asgName: managedAsgName,
      imageId: image130,
      sizes: { min: 1, max: 10, desired: 2 },
      azs: ['us-west-2a', 'us-west-2b'],
      instanceType: 'c6i.large',
      suspendedProcesses: [],
    });
    // moto's EKS drops updateConfig (so maxUnavailable is the default 1) and makes up its own version and release.
    expect(info.maxUnavailable).toBe(1);
    expect(info.version).toMatch(/^\d+\.\d+$/);
    expect(info.releaseVersion).not.toBe('');
    expect(info.launchTemplate.version).toBe('1');
  });

  it('rejects an unknown managed node group with a UserError', async () => {
    await expect(ng.describeNodegroup({ cluster: 'prod', nodegroup: 'nope' })).rejects.toThrow(
      new UserError('Node group nope not found in cluster prod'),
    );
    // Names are looked up as own keys of the config, never inherited ones.
    await expect(ng.describeNodegroup({ cluster: 'prod', nodegroup: 'constructor' })).rejects.toBeInstanceOf(UserError);
  });

  it("lists a managed group's instances through the Auto Scaling group EKS names", async () => {
    const instances = await ng.listInstances({ cluster: 'prod', nodegroup: 'apps' });
    expect(instances.map((i) => i.imageId)).toEqual([image130, image130]);
  });

  it('refuses launch-template changes and self-managed EKS updates', async () => {
    await expect(ng.ensureLaunchTemplateVersion({ cluster: 'prod', nodegroup: 'apps' }, image131, 't1')).rejects.toThrow(
      /managed node group prod\/apps: EKS owns it/,
    );
    await expect(
      ng.startVersionUpdate({ cluster: 'prod', nodegroup: 'workers' }, { version: '1.31', force: false, token: 't' }),
    ).rejects.toThrow(/self-managed/);
  });
});

describe('a self-managed group end to end', () => {
  const ref = { cluster: 'prod', nodegroup: 'workers' };

  it('derives version and release from the image, confirmed by SSM', async () => {
    const info = await ng.describeNodegroup(ref);
    expect(info).toMatchObject({
      managed: false,
      status: 'ACTIVE',
      version: '1.30',
      releaseVersion: '1.30.0-20240531',
      amiFamily: 'AL2023',
      imageId: image130,
      asgName: 'workers-asg',
      launchTemplate: { version: '1' },
      sizes: { min: 1, max: 10, desired: 3 },
      maxUnavailable: 1,
      instanceType: 'm5.large',
    });
  });

  it('lists instances with the image each runs', async () => {
    const instances = await ng.listInstances(ref);
    expect(instances).toHaveLength(3);
    for (const i of instances) {
      expect(i).toMatchObject({ lifecycleState: 'InService', imageId: image130 });
      expect(i.instanceId).toMatch(/^i-/);
      expect(['us-west-2a', 'us-west-2b']).toContain(i.az);
    }
  });

  it('resolves images through SSM: recommended, named release, and a missing one', async () => {
    expect(await ng.resolveImage(ref, '1.31')).toEqual({ version: '1.31', releaseVersion: '1.31.2-20240701', imageId: image131 });
    expect(await ng.resolveImage(ref, '1.30', '1.30.0-20240401')).toEqual({
      version: '1.30',
      releaseVersion: '1.30.0-20240401',
      imageId: 'ami-0000000000olderrel',
    });
    const missing = ng.resolveImage(ref, '1.32');
    await expect(missing).rejects.toBeInstanceOf(UserError);
    await expect(ng.resolveImage(ref, '1.32')).rejects.toThrow(
      `${PREFIX}/eks/optimized-ami/1.32/amazon-linux-2023/x86_64/standard/recommended/image_id does not exist`,
    );
  });

  it('resolves Bottlerocket images, latest and named', async () => {
    const br = { cluster: 'prod', nodegroup: 'br' };
    expect(await ng.resolveImage(br, '1.31')).toEqual({
      version: '1.31',
      releaseVersion: '1.24.0-6a5d0b9e',
      imageId: 'ami-0b0771e700000000a',
    });
    expect(await ng.resolveImage(br, '1.31', '1.23.0-2a3f9b21')).toMatchObject({ imageId: 'ami-0b0771e700000000b' });
  });

  it('refuses Amazon Linux 2 past 1.32, naming the way out', async () => {
    const legacy = { cluster: 'prod', nodegroup: 'legacy' };
    await expect(ng.resolveImage(legacy, '1.33')).rejects.toBeInstanceOf(UserError);
    await expect(ng.resolveImage(legacy, '1.33')).rejects.toThrow(/Amazon Linux 2 images stop at Kubernetes 1\.32.*AL2023 or Bottlerocket/);
  });

  it('creates a launch-template version once per token', async () => {
    const v1 = await ng.ensureLaunchTemplateVersion(ref, image131, 'run-1');
    const again = await ng.ensureLaunchTemplateVersion(ref, image131, 'run-1');
    expect(again).toBe(v1);
    const other = await ng.ensureLaunchTemplateVersion(ref, image131, 'run-2');
    expect(Number(other)).toBe(Number(v1) + 1);

    const ltId = (await ng.describeNodegroup(ref)).launchTemplate.id;
    const ec2 = new EC2Client(sdkConfig(moto.endpoint));
    const versions = await ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: ltId }));
    ec2.destroy();
    const created = versions.LaunchTemplateVersions!.find((v) => String(v.VersionNumber) === v1)!;
    expect(created.VersionDescription).toBe('mngbot:run-1');
    expect(created.LaunchTemplateData?.ImageId).toBe(image131);
    // On AWS, SourceVersion carries the rest of the data over; moto keeps only what was sent, so not asserted.
  });

  it('points the group at a version; replacements run its image', async () => {
    const version = await ng.ensureLaunchTemplateVersion(ref, image131, 'run-1');
    await ng.useLaunchTemplateVersion(ref, version);
    const info = await ng.describeNodegroup(ref);
    expect(info.launchTemplate.version).toBe(version);
    expect(info.imageId).toBe(image131);
    expect(info.version).toBe('1.31');
    expect(info.releaseVersion).toBe('1.31.2-20240701');

    const before = await ng.listInstances(ref);
    await ng.terminateInstance(ref, before[0].instanceId, { decrement: false });
    const after = await ng.listInstances(ref);
    expect(after).toHaveLength(3);
    expect(after.map((i) => i.instanceId)).not.toContain(before[0].instanceId);
    expect(after.filter((i) => i.imageId === image131)).toHaveLength(1);
    expect((await asgNow('workers-asg')).DesiredCapacity).toBe(3);
  });

  it('terminates with decrement: desired drops and nothing replaces the instance', async () => {
    const before = await ng.listInstances(ref);
    await ng.terminateInstance(ref, before[0].instanceId, { decrement: true });
    const asg = await asgNow('workers-asg');
    expect(asg.DesiredCapacity).toBe(before.length - 1);
    expect(asg.Instances!.map((i) => i.InstanceId)).toEqual(before.slice(1).map((i) => i.instanceId));
  });

  it('treats terminating a gone instance, or one of another group, as done without touching it', async () => {
    const gone = 'i-0123456789abcdef0';
    await expect(ng.terminateInstance(ref, gone, { decrement: true })).resolves.toBeUndefined();
    const foreign = (await asgNow('custom-asg')).Instances![0].InstanceId!;
    await expect(ng.terminateInstance(ref, foreign, { decrement: true })).resolves.toBeUndefined();
    expect((await asgNow('custom-asg')).Instances!.map((i) => i.InstanceId)).toContain(foreign);
    expect(logs.some((l) => l.fields?.instanceId === foreign && l.fields?.lifecycleState === 'absent')).toBe(true);
  });

  it('sets only the sizes given', async () => {
    await ng.setSizes(ref, { max: 8 });
    let asg = await asgNow('workers-asg');
    expect([asg.MinSize, asg.MaxSize, asg.DesiredCapacity]).toEqual([1, 8, 2]);
    await ng.setSizes(ref, { min: 2, desired: 4 });
    asg = await asgNow('workers-asg');
    expect([asg.MinSize, asg.MaxSize, asg.DesiredCapacity]).toEqual([2, 8, 4]);
    expect(asg.Instances).toHaveLength(4);
    expect((await ng.describeNodegroup(ref)).sizes).toEqual({ min: 2, max: 8, desired: 4 });
  });

  it('suspends and resumes processes', async () => {
    await ng.suspendProcesses(ref, ['AZRebalance', 'ReplaceUnhealthy']);
    expect((await ng.describeNodegroup(ref)).suspendedProcesses.sort()).toEqual(['AZRebalance', 'ReplaceUnhealthy']);
    await ng.resumeProcesses(ref, ['ReplaceUnhealthy']);
    expect((await ng.describeNodegroup(ref)).suspendedProcesses).toEqual(['AZRebalance']);
    // An empty list must not mean "all processes".
    await ng.suspendProcesses(ref, []);
    await ng.resumeProcesses(ref, []);
    expect((await ng.describeNodegroup(ref)).suspendedProcesses).toEqual(['AZRebalance']);
    await ng.resumeProcesses(ref, ['AZRebalance']);
    expect((await ng.describeNodegroup(ref)).suspendedProcesses).toEqual([]);
  });

  it('lists scaling activities (moto records none)', async () => {
    expect(await ng.listScalingActivities(ref, 0)).toEqual([]);
  });
});

describe('a mixed-instances group', () => {
  // Its launch template lives inside the MixedInstancesPolicy, beside the instance-type overrides.
  // moto quirk, not exercised here: an UpdateAutoScalingGroup that leaves MixedInstancesPolicy out
  // (setSizes) drops the policy, where AWS keeps it.
  const ref = { cluster: 'prod', nodegroup: 'mixed' };
  let mixed: EksNodeGroups;

  beforeAll(async () => {
    const ec2 = new EC2Client(sdkConfig(moto.endpoint));
    const lt = await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'mixed-lt', LaunchTemplateData: { ImageId: image130 } }));
    ec2.destroy();
    const asg = new AutoScalingClient(sdkConfig(moto.endpoint));
    await asg.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: 'mixed-asg',
        MinSize: 1,
        MaxSize: 4,
        DesiredCapacity: 2,
        AvailabilityZones: [`${REGION}a`, `${REGION}b`],
        MixedInstancesPolicy: {
          LaunchTemplate: {
            LaunchTemplateSpecification: { LaunchTemplateId: lt.LaunchTemplate!.LaunchTemplateId!, Version: '1' },
            Overrides: [{ InstanceType: 'm5.large' }, { InstanceType: 'm5a.large' }],
          },
          InstancesDistribution: { OnDemandPercentageAboveBaseCapacity: 100 },
        },
      }),
    );
    asg.destroy();
    mixed = new EksNodeGroups(
      options({ clusters: { prod: { region: REGION, selfManaged: { mixed: { asgName: 'mixed-asg', amiType: 'AL2023_x86_64_STANDARD' } } } } }),
    );
  });

  afterAll(() => mixed?.destroy());

  it('reads the template from the policy and the instance type from its overrides', async () => {
    expect(await mixed.describeNodegroup(ref)).toMatchObject({
      version: '1.30',
      imageId: image130,
      launchTemplate: { version: '1' },
      instanceType: 'm5.large',
      sizes: { min: 1, max: 4, desired: 2 },
    });
  });

  it('points the policy at a new version, keeping the overrides; a replacement runs the new image', async () => {
    const version = await mixed.ensureLaunchTemplateVersion(ref, image131, 'mixed-run');
    await mixed.useLaunchTemplateVersion(ref, version);
    const asg = await asgNow('mixed-asg');
    expect(asg.LaunchTemplate).toBeUndefined();
    expect(asg.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification?.Version).toBe(version);
    expect(asg.MixedInstancesPolicy?.LaunchTemplate?.Overrides?.map((o) => o.InstanceType)).toEqual(['m5.large', 'm5a.large']);
    expect(await mixed.describeNodegroup(ref)).toMatchObject({ version: '1.31', imageId: image131, launchTemplate: { version } });

    const before = await mixed.listInstances(ref);
    await mixed.terminateInstance(ref, before[0].instanceId, { decrement: false });
    const after = await mixed.listInstances(ref);
    expect(after).toHaveLength(2);
    const fresh = after.find((i) => !before.some((b) => b.instanceId === i.instanceId))!;
    expect(fresh.imageId).toBe(image131);
    const ec2 = new EC2Client(sdkConfig(moto.endpoint));
    const gone = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [before[0].instanceId] }));
    ec2.destroy();
    expect(gone.Reservations![0].Instances![0].State?.Name).toBe('terminated');
  });
});

describe('other self-managed shapes', () => {
  it('uses the configured version for a custom image and resolves $Latest to a number', async () => {
    const info = await ng.describeNodegroup({ cluster: 'prod', nodegroup: 'custom' });
    expect(info).toMatchObject({
      amiFamily: 'CUSTOM',
      version: '1.29',
      releaseVersion: 'corp-7',
      imageId: 'ami-0c0ffee000000000a',
      launchTemplate: { version: '1' },
    });
    await expect(ng.resolveImage({ cluster: 'prod', nodegroup: 'custom' }, '1.30')).rejects.toThrow(/custom AMI/);
  });

  it('names a missing Auto Scaling group and the config key to check', async () => {
    const ref = { cluster: 'prod', nodegroup: 'missing' };
    await expect(ng.describeNodegroup(ref)).rejects.toBeInstanceOf(UserError);
    await expect(ng.listInstances(ref)).rejects.toThrow(
      /Auto Scaling group no-such-asg not found in us-west-2.*clusters\.prod\.selfManaged\.missing\.asgName/,
    );
    // A call that goes straight to Auto Scaling gets AWS's ValidationError, translated with the call and name.
    await expect(ng.setSizes(ref, { desired: 1 })).rejects.toThrow(
      /^Auto Scaling UpdateAutoScalingGroup no-such-asg \(desired=1\): ValidationError/,
    );
  });
});

describe('credentials and endpoints', () => {
  it('reaches a cluster in another account through its role', async () => {
    // moto keeps resources per account, and puts an assumed role's calls in the role's account.
    const sts = new STSClient(sdkConfig(moto.endpoint));
    const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: OTHER_ROLE, RoleSessionName: 'setup' }));
    sts.destroy();
    const c = assumed.Credentials!;
    await makeGroup(moto.endpoint, {
      name: 'remote-asg',
      imageId: 'ami-0c0ffee00000000bb',
      desired: 1,
      credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken },
    });
    expect(await asgNow('remote-asg')).toBeUndefined();

    const info = await ng.describeNodegroup({ cluster: 'other', nodegroup: 'remote' });
    expect(info.imageId).toBe('ami-0c0ffee00000000bb');

    const { region, credentials } = ng.credentialsFor('other');
    const who = new STSClient({ region, endpoint: moto.endpoint, credentials });
    expect((await who.send(new GetCallerIdentityCommand({}))).Arn).toBe(
      'arn:aws:sts::210987654321:assumed-role/mngbot/mngbot',
    );
    who.destroy();
  });

  it('honours AWS_ENDPOINT_URL when no endpoint is given', async () => {
    const saved = process.env.AWS_ENDPOINT_URL;
    process.env.AWS_ENDPOINT_URL = moto.endpoint;
    try {
      const viaEnv = new EksNodeGroups(options({ endpoint: undefined }));
      expect((await viaEnv.describeCluster('prod')).version).toBe('1.30');
      viaEnv.destroy();
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL;
      else process.env.AWS_ENDPOINT_URL = saved;
    }
  });
});
