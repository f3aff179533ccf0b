// NodeGroups on AWS: EKS for managed node groups, Auto Scaling and EC2 for what runs underneath,
// SSM for the EKS-optimized images. Returns engine types only.
import {
  DescribeAutoScalingGroupsCommand,
  DescribeScalingActivitiesCommand,
  ResumeProcessesCommand,
  SuspendProcessesCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommand,
  type AutoScalingGroup,
} from '@aws-sdk/client-auto-scaling';
import {
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  DescribeUpdateCommand,
  ListNodegroupsCommand,
  UpdateNodegroupConfigCommand,
  UpdateNodegroupVersionCommand,
  type Nodegroup,
} from '@aws-sdk/client-eks';
import type { ClusterConfig, SelfManagedGroup } from '../config/file-schema.js';
import { UserError } from '../engine/errors.js';
import type {
  ClusterInfo,
  EksUpdateStrategy,
  GroupInstance,
  GroupRef,
  ImageRelease,
  ImageReleases,
  PublishedRelease,
  NodeGroupInfo,
  NodeGroups,
  ScalingActivity,
  Sizes,
  UpdateInfo,
} from '../engine/ports.js';
import { awsCall, awsErrorMessage, type ErrorOverrides } from './aws-errors.js';
import { AwsClients, type AwsClientOptions, type AwsCredentialsProvider, type RegionClients } from './clients.js';
import { amiFamily, identifyImage, listImageReleases, resolveImageRelease } from './images.js';
import { describeLaunchTemplateVersion, ensureImageVersion } from './launch-templates.js';
import { asgLaunchTemplate, asgSummary, instanceImages } from './auto-scaling.js';

/** A configured cluster as the adapter needs it: the configuration's own fields, its region resolved (the file's, else AWS_REGION). */
export type EksClusterSettings = Pick<ClusterConfig, 'roleArn' | 'externalId' | 'selfManaged'> & { region: string };

export interface EksNodeGroupsOptions extends AwsClientOptions {
  clusters: Record<string, EksClusterSettings>;
  /** Where the EKS-optimized image parameters live; AWS publishes them under /aws/service. Mirrors use their own. */
  ssmPrefix?: string;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

interface ClusterHandle {
  name: string;
  config: EksClusterSettings;
  clients: RegionClients;
}

type Group =
  | { managed: true; ref: GroupRef; cluster: ClusterHandle; asgName: string }
  | { managed: false; ref: GroupRef; cluster: ClusterHandle; asgName: string; config: SelfManagedGroup };

const TERMINAL_STATES = /^(Terminating|Terminated)/;

function selfManaged(config: EksClusterSettings, name: string): SelfManagedGroup | undefined {
  return config.selfManaged && Object.hasOwn(config.selfManaged, name) ? config.selfManaged[name] : undefined;
}

function groupName(ref: GroupRef): string {
  return `${ref.cluster}/${ref.nodegroup}`;
}

/** How long a listing of published AMI releases is reused. */
const RELEASES_TTL_MS = 3_600_000;

export class EksNodeGroups implements NodeGroups, ImageReleases {
  private readonly clients: AwsClients;
  private readonly managedAsg = new Map<string, string>();
  private readonly releases = new Map<string, { at: number; list: Promise<PublishedRelease[]> }>();
  /** What an image is never changes: identify each once. */
  private readonly identified = new Map<string, ReturnType<typeof identifyImage>>();
  private readonly log: (msg: string, fields?: Record<string, unknown>) => void;

  constructor(private readonly opts: EksNodeGroupsOptions) {
    this.clients = new AwsClients(opts);
    this.log = opts.log ?? (() => {});
  }

  /** Region and credentials for a cluster, for the Kubernetes client's EKS token. */
  credentialsFor(cluster: string): { region: string; credentials: AwsCredentialsProvider } {
    const c = this.cluster(cluster);
    return { region: c.config.region, credentials: c.clients.credentials };
  }

  /** Closes the SDK clients' connections. */
  destroy(): void {
    this.clients.destroy();
  }

  async describeCluster(cluster: string): Promise<ClusterInfo> {
    const c = this.cluster(cluster);
    const out = await awsCall(
      this.ctx(c, 'EKS', 'DescribeCluster', `cluster ${cluster}`),
      () => c.clients.eks.send(new DescribeClusterCommand({ name: cluster })),
      this.unknownCluster(c),
    );
    return {
      name: cluster,
      version: out.cluster?.version ?? '',
      region: c.config.region,
      status: out.cluster?.status ?? 'UNKNOWN',
    };
  }

  async listNodegroups(cluster: string): Promise<string[]> {
    const c = this.cluster(cluster);
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const out = await awsCall(
        this.ctx(c, 'EKS', 'ListNodegroups', `cluster ${cluster}`),
        () => c.clients.eks.send(new ListNodegroupsCommand({ clusterName: cluster, nextToken })),
        this.unknownCluster(c),
      );
      names.push(...(out.nodegroups ?? []));
      nextToken = out.nextToken;
    } while (nextToken);
    for (const name of Object.keys(c.config.selfManaged ?? {})) if (!names.includes(name)) names.push(name);
    return names;
  }

  async describeNodegroup(ref: GroupRef): Promise<NodeGroupInfo> {
    const c = this.cluster(ref.cluster);
    const sm = selfManaged(c.config, ref.nodegroup);
    if (sm) return this.describeSelfManaged(ref, c, sm);
    const ng = await this.eksNodegroup(ref, c);
    const asgName = ng.resources?.autoScalingGroups?.[0]?.name ?? '';
    if (asgName) this.managedAsg.set(groupName(ref), asgName);
    const asg = asgName ? await this.asg({ managed: true, ref, cluster: c, asgName }) : undefined;
    const base = await asgSummary(c.clients.ec2, asg);
    const sizes = asg
      ? base.sizes
      : {
          min: ng.scalingConfig?.minSize ?? 0,
          max: ng.scalingConfig?.maxSize ?? 0,
          desired: ng.scalingConfig?.desiredSize ?? 0,
        };
    const amiType = ng.amiType ?? 'CUSTOM';
    return {
      cluster: ref.cluster,
      name: ref.nodegroup,
      managed: true,
      status: ng.status ?? 'UNKNOWN',
      version: ng.version ?? '',
      releaseVersion: ng.releaseVersion ?? '',
      amiFamily: amiFamily(amiType),
      amiType,
      imageId: base.imageId,
      asgName,
      launchTemplate: base.launchTemplate ?? {
        id: ng.launchTemplate?.id ?? '',
        version: ng.launchTemplate?.version ?? '',
      },
      azs: base.azs,
      sizes,
      maxUnavailable: managedMaxUnavailable(ng, sizes.desired),
      ...(ng.updateConfig?.updateStrategy === 'MINIMAL' || ng.updateConfig?.updateStrategy === 'DEFAULT' ? { updateStrategy: ng.updateConfig.updateStrategy } : {}),
      instanceType: ng.instanceTypes?.[0] ?? base.instanceType,
      suspendedProcesses: base.suspendedProcesses,
    };
  }

  async listInstances(ref: GroupRef): Promise<GroupInstance[]> {
    const group = await this.group(ref);
    const asg = await this.asg(group);
    const members = asg.Instances ?? [];
    const images = await instanceImages(
      group.cluster.clients.ec2,
      group.asgName,
      members.map((i) => i.InstanceId ?? '').filter(Boolean),
    );
    return members.map((i) => {
      const lt = i.LaunchTemplate?.Version;
      return {
        instanceId: i.InstanceId ?? '',
        az: i.AvailabilityZone ?? '',
        lifecycleState: i.LifecycleState ?? 'Unknown',
        imageId: images.get(i.InstanceId ?? '') ?? '',
        ...(lt ? { launchTemplateVersion: lt } : {}),
      };
    });
  }

  async resolveImage(ref: GroupRef, version: string, releaseVersion?: string): Promise<ImageRelease> {
    const c = this.cluster(ref.cluster);
    const sm = selfManaged(c.config, ref.nodegroup);
    const amiType = sm ? sm.amiType : ((await this.eksNodegroup(ref, c)).amiType ?? 'CUSTOM');
    return resolveImageRelease(c.clients.ssm, { amiType, region: c.config.region }, version, releaseVersion, this.opts.ssmPrefix);
  }

  async listReleases(ref: GroupRef, version: string): Promise<PublishedRelease[]> {
    const c = this.cluster(ref.cluster);
    const sm = selfManaged(c.config, ref.nodegroup);
    const amiType = sm ? sm.amiType : ((await this.eksNodegroup(ref, c)).amiType ?? 'CUSTOM');
    // A version's releases take many SSM pages and change every few weeks: groups of the same image
    // family, region and version share one listing for an hour (/mng status asks for every group).
    const key = `${c.config.region}|${amiType}|${version}`;
    const cached = this.releases.get(key);
    if (cached && Date.now() - cached.at < RELEASES_TTL_MS) return cached.list;
    const list = listImageReleases(c.clients.ssm, { amiType, region: c.config.region }, version, this.opts.ssmPrefix);
    this.releases.set(key, { at: Date.now(), list });
    list.catch(() => this.releases.delete(key));
    return list;
  }

  async ensureLaunchTemplateVersion(ref: GroupRef, imageId: string, token: string): Promise<string> {
    const group = await this.selfManagedOnly(ref, 'create launch-template versions for');
    const lt = asgLaunchTemplate(await this.asg(group), groupName(group.ref));
    const current = await describeLaunchTemplateVersion(group.cluster.clients.ec2, lt.id, lt.version);
    return ensureImageVersion(group.cluster.clients.ec2, lt.id, current.version, imageId, token);
  }

  async useLaunchTemplateVersion(ref: GroupRef, version: string): Promise<void> {
    const group = await this.selfManagedOnly(ref, 'change the launch-template version of');
    const asg = await this.asg(group);
    const lt = asgLaunchTemplate(asg, groupName(group.ref));
    const mixed = asg.MixedInstancesPolicy;
    const update = mixed
      ? {
          MixedInstancesPolicy: {
            LaunchTemplate: {
              LaunchTemplateSpecification: { LaunchTemplateId: lt.id, Version: version },
              Overrides: mixed.LaunchTemplate?.Overrides,
            },
          },
        }
      : { LaunchTemplate: { LaunchTemplateId: lt.id, Version: version } };
    await awsCall(this.ctx(group.cluster, 'Auto Scaling', 'UpdateAutoScalingGroup', `${group.asgName} (launch template ${lt.id} version ${version})`), () =>
      group.cluster.clients.asg.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: group.asgName, ...update })),
    );
  }

  async setSizes(ref: GroupRef, sizes: Partial<Sizes>): Promise<void> {
    if (sizes.min === undefined && sizes.max === undefined && sizes.desired === undefined) return;
    const group = await this.group(ref);
    const shown = Object.entries(sizes).map(([k, v]) => `${k}=${v}`).join(' ');
    await awsCall(this.ctx(group.cluster, 'Auto Scaling', 'UpdateAutoScalingGroup', `${group.asgName} (${shown})`), () =>
      group.cluster.clients.asg.send(
        new UpdateAutoScalingGroupCommand({
          AutoScalingGroupName: group.asgName,
          MinSize: sizes.min,
          MaxSize: sizes.max,
          DesiredCapacity: sizes.desired,
        }),
      ),
    );
  }

  async terminateInstance(ref: GroupRef, instanceId: string, opts: { decrement: boolean }): Promise<void> {
    const group = await this.group(ref);
    // TerminateInstanceInAutoScalingGroup takes no group name: checking membership first keeps a
    // wrong id from terminating an instance of some other group.
    const member = (await this.asg(group)).Instances?.find((i) => i.InstanceId === instanceId);
    if (!member || TERMINAL_STATES.test(member.LifecycleState ?? '')) {
      this.log('terminate: instance already leaving or not in the group; nothing to do', {
        instanceId,
        asgName: group.asgName,
        lifecycleState: member?.LifecycleState ?? 'absent',
      });
      return;
    }
    await awsCall(
      this.ctx(group.cluster, 'Auto Scaling', 'TerminateInstanceInAutoScalingGroup', `${instanceId} in ${group.asgName}`),
      () =>
        group.cluster.clients.asg.send(
          new TerminateInstanceInAutoScalingGroupCommand({
            InstanceId: instanceId,
            ShouldDecrementDesiredCapacity: opts.decrement,
          }),
        ),
      {
        // Gone between the check and the call: what was asked for has happened.
        ValidationError: (err) =>
          /not found|no managed instance/i.test(awsErrorMessage(err)) ? ACCEPTED : undefined,
      },
    ).catch((err: unknown) => {
      if (err !== ACCEPTED) throw err;
      this.log('terminate: instance left the group meanwhile; nothing to do', { instanceId, asgName: group.asgName });
    });
  }

  async suspendProcesses(ref: GroupRef, processes: string[]): Promise<void> {
    // An empty list would mean "all processes" to Auto Scaling.
    if (processes.length === 0) return;
    const group = await this.group(ref);
    await awsCall(this.ctx(group.cluster, 'Auto Scaling', 'SuspendProcesses', `${processes.join(',')} in ${group.asgName}`), () =>
      group.cluster.clients.asg.send(
        new SuspendProcessesCommand({ AutoScalingGroupName: group.asgName, ScalingProcesses: processes }),
      ),
    );
  }

  async resumeProcesses(ref: GroupRef, processes: string[]): Promise<void> {
    // An empty list would mean "all processes", including ones suspended before mngbot came.
    if (processes.length === 0) return;
    const group = await this.group(ref);
    await awsCall(this.ctx(group.cluster, 'Auto Scaling', 'ResumeProcesses', `${processes.join(',')} in ${group.asgName}`), () =>
      group.cluster.clients.asg.send(
        new ResumeProcessesCommand({ AutoScalingGroupName: group.asgName, ScalingProcesses: processes }),
      ),
    );
  }

  async startVersionUpdate(
    ref: GroupRef,
    req: { version?: string; releaseVersion?: string; force: boolean; token: string },
  ): Promise<string> {
    const c = this.cluster(ref.cluster);
    if (selfManaged(c.config, ref.nodegroup)) {
      throw new UserError(`${groupName(ref)} is self-managed: EKS cannot update it; use the rolling strategy`);
    }
    const what = [req.version && `version ${req.version}`, req.releaseVersion && `release ${req.releaseVersion}`]
      .filter(Boolean)
      .join(', ');
    const out = await awsCall(
      this.ctx(c, 'EKS', 'UpdateNodegroupVersion', `${groupName(ref)} (${what || 'latest release'})`),
      () =>
        c.clients.eks.send(
          new UpdateNodegroupVersionCommand({
            clusterName: ref.cluster,
            nodegroupName: ref.nodegroup,
            version: req.version,
            releaseVersion: req.releaseVersion,
            force: req.force,
            clientRequestToken: req.token,
          }),
        ),
      {
        ...this.unknownGroup(ref, c),
        // EKS refuses with a reason a person can act on: an update already running, a version too far ahead…
        InvalidParameterException: (err) => new UserError(`EKS refused to update ${groupName(ref)}: ${awsErrorMessage(err)}`),
        InvalidRequestException: (err) => new UserError(`EKS refused to update ${groupName(ref)}: ${awsErrorMessage(err)}`),
        ResourceInUseException: (err) => new UserError(`EKS refused to update ${groupName(ref)}: ${awsErrorMessage(err)}`),
      },
    );
    const id = out.update?.id;
    if (!id) throw new Error(`EKS UpdateNodegroupVersion ${groupName(ref)}: no update id returned`);
    return id;
  }

  async setUpdateStrategy(ref: GroupRef, strategy: EksUpdateStrategy, token: string): Promise<void> {
    const c = this.cluster(ref.cluster);
    if (selfManaged(c.config, ref.nodegroup)) {
      throw new UserError(`${groupName(ref)} is self-managed: it has no EKS update config; its update strategy is mngbot's own`);
    }
    await awsCall(
      this.ctx(c, 'EKS', 'UpdateNodegroupConfig', `${groupName(ref)} (updateStrategy ${strategy})`),
      () =>
        c.clients.eks.send(
          new UpdateNodegroupConfigCommand({
            clusterName: ref.cluster,
            nodegroupName: ref.nodegroup,
            updateConfig: { updateStrategy: strategy },
            clientRequestToken: token,
          }),
        ),
      {
        ...this.unknownGroup(ref, c),
        InvalidParameterException: (err) => new UserError(`EKS refused to change the update strategy of ${groupName(ref)}: ${awsErrorMessage(err)}`),
        InvalidRequestException: (err) => new UserError(`EKS refused to change the update strategy of ${groupName(ref)}: ${awsErrorMessage(err)}`),
        ResourceInUseException: (err) => new UserError(`EKS refused to change the update strategy of ${groupName(ref)}: ${awsErrorMessage(err)}`),
      },
    );
  }

  async describeUpdate(ref: GroupRef, updateId: string): Promise<UpdateInfo> {
    const c = this.cluster(ref.cluster);
    const out = await awsCall(
      this.ctx(c, 'EKS', 'DescribeUpdate', `${updateId} of ${groupName(ref)}`),
      () => c.clients.eks.send(new DescribeUpdateCommand({ name: ref.cluster, nodegroupName: ref.nodegroup, updateId })),
      {
        ResourceNotFoundException: (err) =>
          new UserError(`No update ${updateId} for ${groupName(ref)}: ${awsErrorMessage(err)}`),
      },
    );
    const u = out.update;
    return {
      id: u?.id ?? updateId,
      status: (u?.status ?? 'InProgress') as UpdateInfo['status'],
      errors: (u?.errors ?? []).map((e) => ({
        code: e.errorCode ?? 'Unknown',
        message: e.errorMessage ?? '',
        resourceIds: e.resourceIds ?? [],
      })),
    };
  }

  async listScalingActivities(ref: GroupRef, sinceMs: number): Promise<ScalingActivity[]> {
    const group = await this.group(ref);
    const found: ScalingActivity[] = [];
    let NextToken: string | undefined;
    // Newest first from AWS: stop at the first page that reaches back past sinceMs.
    page: do {
      const out = await awsCall(this.ctx(group.cluster, 'Auto Scaling', 'DescribeScalingActivities', group.asgName), () =>
        group.cluster.clients.asg.send(
          new DescribeScalingActivitiesCommand({ AutoScalingGroupName: group.asgName, NextToken, MaxRecords: 100 }),
        ),
      );
      for (const a of out.Activities ?? []) {
        const at = a.StartTime?.getTime() ?? 0;
        if (at < sinceMs) break page;
        const instanceId = /\bi-[0-9a-f]+\b/.exec(a.Description ?? '')?.[0];
        found.push({
          id: a.ActivityId ?? '',
          at,
          status: a.StatusCode ?? 'Unknown',
          description: [a.Description, a.StatusMessage].filter(Boolean).join(': '),
          ...(instanceId ? { instanceId } : {}),
        });
      }
      NextToken = out.NextToken;
    } while (NextToken);
    return found.reverse();
  }

  // --- helpers ---

  private cluster(name: string): ClusterHandle {
    const config = Object.hasOwn(this.opts.clusters, name) ? this.opts.clusters[name] : undefined;
    if (!config) {
      const known = Object.keys(this.opts.clusters);
      throw new UserError(
        `Unknown cluster ${name}: mngbot is configured for ${known.length ? known.join(', ') : 'no clusters'}`,
      );
    }
    return { name, config, clients: this.clients.for(config.region, config.roleArn, config.externalId) };
  }

  private ctx(c: ClusterHandle, service: 'EKS' | 'Auto Scaling' | 'EC2' | 'SSM', operation: string, resource: string) {
    return { service, operation, resource, ...(c.config.roleArn ? { roleArn: c.config.roleArn } : {}) };
  }

  private unknownCluster(c: ClusterHandle): ErrorOverrides {
    return {
      ResourceNotFoundException: () =>
        new UserError(`EKS cluster ${c.name} not found in ${c.config.region}${c.config.roleArn ? ` (as ${c.config.roleArn})` : ''}`),
    };
  }

  private unknownGroup(ref: GroupRef, c: ClusterHandle): ErrorOverrides {
    return {
      ResourceNotFoundException: (err) =>
        /cluster/i.test(awsErrorMessage(err)) && !/node ?group/i.test(awsErrorMessage(err))
          ? this.unknownCluster(c).ResourceNotFoundException!(err)
          : new UserError(`Node group ${ref.nodegroup} not found in cluster ${ref.cluster}`),
    };
  }

  private async eksNodegroup(ref: GroupRef, c: ClusterHandle): Promise<Nodegroup> {
    const out = await awsCall(
      this.ctx(c, 'EKS', 'DescribeNodegroup', groupName(ref)),
      () => c.clients.eks.send(new DescribeNodegroupCommand({ clusterName: ref.cluster, nodegroupName: ref.nodegroup })),
      this.unknownGroup(ref, c),
    );
    if (!out.nodegroup) throw new UserError(`Node group ${ref.nodegroup} not found in cluster ${ref.cluster}`);
    return out.nodegroup;
  }

  private async group(ref: GroupRef): Promise<Group> {
    const c = this.cluster(ref.cluster);
    const sm = selfManaged(c.config, ref.nodegroup);
    if (sm) return { managed: false, ref, cluster: c, asgName: sm.asgName, config: sm };
    // A managed group's Auto Scaling group keeps its name for the group's life.
    let asgName = this.managedAsg.get(groupName(ref));
    if (!asgName) {
      const ng = await this.eksNodegroup(ref, c);
      asgName = ng.resources?.autoScalingGroups?.[0]?.name;
      if (!asgName) {
        throw new UserError(`Node group ${groupName(ref)} has no Auto Scaling group yet (status ${ng.status ?? 'unknown'})`);
      }
      this.managedAsg.set(groupName(ref), asgName);
    }
    return { managed: true, ref, cluster: c, asgName };
  }

  private async selfManagedOnly(ref: GroupRef, action: string): Promise<Group & { managed: false }> {
    const group = await this.group(ref);
    if (group.managed) {
      // EKS reports Ec2LaunchTemplateVersionMismatch when its group's template is changed behind its back.
      throw new UserError(`mngbot does not ${action} managed node group ${groupName(ref)}: EKS owns it; use the eks strategy`);
    }
    return group;
  }

  private async asg(group: Group): Promise<AutoScalingGroup> {
    const out = await awsCall(this.ctx(group.cluster, 'Auto Scaling', 'DescribeAutoScalingGroups', group.asgName), () =>
      group.cluster.clients.asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [group.asgName] })),
    );
    const asg = out.AutoScalingGroups?.[0];
    if (!asg) {
      const where = group.managed
        ? `managed node group ${groupName(group.ref)} (was it deleted outside EKS?)`
        : `self-managed node group ${groupName(group.ref)} — check clusters.${group.ref.cluster}.selfManaged.${group.ref.nodegroup}.asgName in mngbot's config`;
      throw new UserError(
        `Auto Scaling group ${group.asgName} not found in ${group.cluster.config.region}; it is configured for ${where}`,
      );
    }
    return asg;
  }

  private async describeSelfManaged(ref: GroupRef, c: ClusterHandle, sm: SelfManagedGroup): Promise<NodeGroupInfo> {
    const group: Group = { managed: false, ref, cluster: c, asgName: sm.asgName, config: sm };
    const asg = await this.asg(group);
    const base = await asgSummary(c.clients.ec2, asg);
    const key = `${c.config.region}|${sm.amiType}|${base.imageId}|${sm.version ?? ''}|${sm.releaseVersion ?? ''}`;
    let identified = this.identified.get(key);
    if (!identified) {
      identified = identifyImage(c.clients, sm.amiType, base.imageId, sm, this.opts.ssmPrefix);
      this.identified.set(key, identified);
      identified.then(
        (r) => r.settled || this.identified.delete(key),
        () => this.identified.delete(key),
      );
    }
    const image = await identified;
    return {
      cluster: ref.cluster,
      name: ref.nodegroup,
      managed: false,
      status: 'ACTIVE',
      version: image.version,
      releaseVersion: image.releaseVersion,
      amiFamily: amiFamily(sm.amiType),
      amiType: sm.amiType,
      imageId: base.imageId,
      asgName: sm.asgName,
      launchTemplate: base.launchTemplate ?? { id: '', version: '' },
      azs: base.azs,
      sizes: base.sizes,
      maxUnavailable: sm.maxUnavailable ?? 1,
      instanceType: base.instanceType,
      suspendedProcesses: base.suspendedProcesses,
    };
  }
}

/** Marks a termination that turned out to be done already. */
const ACCEPTED = new Error('accepted');

function managedMaxUnavailable(ng: Nodegroup, desired: number): number {
  const u = ng.updateConfig;
  if (u?.maxUnavailable) return u.maxUnavailable;
  if (u?.maxUnavailablePercentage) return Math.max(1, Math.floor((desired * u.maxUnavailablePercentage) / 100));
  return 1;
}
