// The NodeGroups port over the simulated EKS, Auto Scaling, EC2 and SSM image parameters.
import { UserError } from '../engine/errors.js';
import type {
  ClusterInfo,
  EksUpdateStrategy,
  GroupInstance,
  GroupRef,
  ImageRelease,
  ImageReleases,
  NodeGroupInfo,
  NodeGroups,
  PublishedRelease,
  ScalingActivity,
  Sizes,
  UpdateInfo,
} from '../engine/ports.js';
import type { ApiMeter } from './api-meter.js';
import type { AutoScalingGroup } from './auto-scaling-group.js';
import type { SimClock } from './clock.js';
import { EksUpdate, type ManagedGroupState } from './eks-update.js';
import { amiFamilyOf, findImage, imageById, publishedReleases, toImageRelease } from './images.js';
import type { KubeState } from './kube-state.js';
import type { Rng } from './rng.js';
import type { Scenario } from './scenario.js';

export interface NodeGroupsDeps {
  scenario: Scenario;
  clock: SimClock;
  rng: Rng;
  asg: AutoScalingGroup;
  kube: KubeState;
  meter: ApiMeter;
  /** EKS's record of a managed group (ignored for self-managed ones). */
  group: ManagedGroupState;
  log?: (line: string) => void;
}

export class SimNodeGroups implements NodeGroups, ImageReleases {
  private readonly updates = new Map<string, EksUpdate>();

  constructor(private readonly d: NodeGroupsDeps) {}

  /** Every update EKS was asked for, oldest first (for tests and the benchmark). */
  eksUpdates(): UpdateInfo[] {
    return [...this.updates.values()].map((u) => structuredClone(u.info));
  }

  async describeCluster(cluster: string): Promise<ClusterInfo> {
    this.call('describeCluster');
    const c = this.d.scenario.cluster;
    if (cluster !== c.name) throw new UserError(`ResourceNotFoundException: No cluster found for name: ${cluster}.`);
    return { name: c.name, version: c.version, region: c.region, status: 'ACTIVE' };
  }

  async listNodegroups(cluster: string): Promise<string[]> {
    this.call('listNodegroups');
    if (cluster !== this.d.scenario.cluster.name) throw new UserError(`ResourceNotFoundException: No cluster found for name: ${cluster}.`);
    return [this.d.scenario.nodegroup.name];
  }

  async describeNodegroup(ref: GroupRef): Promise<NodeGroupInfo> {
    this.call('describeNodegroup', ref);
    const { scenario, asg, group } = this.d;
    const ng = scenario.nodegroup;
    // A managed group reports what EKS recorded; a self-managed one, the image its template launches.
    const img = ng.managed ? imageById(group.imageId)! : imageById(asg.currentImageId())!;
    return {
      cluster: scenario.cluster.name,
      name: ng.name,
      managed: ng.managed,
      status: ng.managed ? group.status : 'ACTIVE',
      version: img.version,
      releaseVersion: img.releaseVersion,
      amiFamily: amiFamilyOf(ng.amiType),
      amiType: ng.amiType,
      imageId: img.imageId,
      asgName: asg.name,
      launchTemplate: { id: asg.launchTemplate.id, version: asg.ltVersion },
      azs: [...asg.azs],
      sizes: { ...asg.sizes },
      maxUnavailable: ng.maxUnavailable,
      ...(ng.managed ? { updateStrategy: group.updateStrategy } : {}),
      instanceType: ng.instanceType,
      suspendedProcesses: [...asg.suspended],
    };
  }

  async listInstances(ref: GroupRef): Promise<GroupInstance[]> {
    this.call('listInstances', ref);
    return this.d.asg.list();
  }

  async resolveImage(ref: GroupRef, version: string, releaseVersion?: string): Promise<ImageRelease> {
    this.call('resolveImage', ref);
    return toImageRelease(findImage(amiFamilyOf(this.d.scenario.nodegroup.amiType), version, releaseVersion));
  }

  async listReleases(ref: GroupRef, version: string): Promise<PublishedRelease[]> {
    this.call('listReleases', ref);
    return publishedReleases(amiFamilyOf(this.d.scenario.nodegroup.amiType), version);
  }

  async ensureLaunchTemplateVersion(ref: GroupRef, imageId: string, token: string): Promise<string> {
    this.call('ensureLaunchTemplateVersion', ref);
    return this.d.asg.launchTemplate.ensureVersion(imageId, 'mngbot', this.d.clock.now(), token);
  }

  async useLaunchTemplateVersion(ref: GroupRef, version: string): Promise<void> {
    this.call('useLaunchTemplateVersion', ref);
    this.d.asg.useLaunchTemplateVersion(version);
  }

  async setSizes(ref: GroupRef, sizes: Partial<Sizes>): Promise<void> {
    this.call('setSizes', ref);
    this.d.asg.setSizes(sizes);
  }

  async terminateInstance(ref: GroupRef, instanceId: string, opts: { decrement: boolean }): Promise<void> {
    this.call('terminateInstance', ref);
    this.d.asg.requestTermination(instanceId, opts.decrement);
  }

  async suspendProcesses(ref: GroupRef, processes: string[]): Promise<void> {
    this.call('suspendProcesses', ref);
    this.d.asg.setProcesses(processes, true);
  }

  async resumeProcesses(ref: GroupRef, processes: string[]): Promise<void> {
    this.call('resumeProcesses', ref);
    this.d.asg.setProcesses(processes, false);
  }

  async startVersionUpdate(
    ref: GroupRef,
    req: { version?: string; releaseVersion?: string; force: boolean; token: string },
  ): Promise<string> {
    this.call('startVersionUpdate', ref);
    return this.requestVersionUpdate(req).info.id;
  }

  /**
   * UpdateNodegroupVersion itself, uncounted (the AWS wire server meters its own calls): the update a
   * previous request with the token started, or a new one; refusals are UserErrors whose message
   * starts with EKS's error code.
   */
  requestVersionUpdate(req: { version?: string; releaseVersion?: string; force: boolean; token: string }): EksUpdate {
    const { scenario, group } = this.d;
    const ng = scenario.nodegroup;
    if (!ng.managed) {
      throw new UserError(
        `${ng.name} is a self-managed node group: EKS cannot update it (UpdateNodegroupVersion is for managed node groups).`,
        'Use the rolling strategy.',
      );
    }
    for (const u of this.updates.values()) if (u.token === req.token) return u;
    const running = [...this.updates.values()].find((u) => u.info.status === 'InProgress');
    if (running) {
      throw new UserError(`ResourceInUseException: Nodegroup ${ng.name} is currently being updated (update ${running.info.id}).`);
    }
    const version = (req.version ?? group.version).replace(/^v/, '').split('.').slice(0, 2).join('.');
    const minor = (v: string) => Number(v.split('.')[1]);
    if (minor(version) > minor(scenario.cluster.version)) {
      throw new UserError(
        `InvalidParameterException: Requested Kubernetes version ${version} is newer than the cluster's control plane (${scenario.cluster.version}).`,
      );
    }
    const target = findImage(amiFamilyOf(ng.amiType), version, req.releaseVersion);
    if (target.imageId === group.imageId) {
      throw new UserError(`InvalidParameterException: Nodegroup ${ng.name} is already at version ${target.version} release ${target.releaseVersion}.`);
    }
    const update = new EksUpdate(this.d.rng.uuid(), req.token, target, req.force, {
      clock: this.d.clock,
      rng: this.d.rng,
      asg: this.d.asg,
      kube: this.d.kube,
      group,
      nodegroup: ng.name,
      maxUnavailable: ng.maxUnavailable,
      log: this.d.log,
    });
    this.updates.set(update.info.id, update);
    update.start();
    return update;
  }

  async setUpdateStrategy(ref: GroupRef, strategy: EksUpdateStrategy, token: string): Promise<void> {
    this.call('setUpdateStrategy', ref);
    this.requestConfigUpdate({ updateStrategy: strategy, token });
  }

  /**
   * UpdateNodegroupConfig's update strategy, uncounted (the wire server meters its own calls). Applied
   * at once: the simulated EKS has no config update to wait for. Refused while a version update runs.
   */
  requestConfigUpdate(req: { updateStrategy: EksUpdateStrategy; token: string }): { id: string; createdAt: number } {
    const { scenario, group } = this.d;
    const ng = scenario.nodegroup;
    if (!ng.managed) throw new UserError(`${ng.name} is a self-managed node group: EKS has no update config for it.`);
    if (req.updateStrategy !== 'DEFAULT' && req.updateStrategy !== 'MINIMAL') {
      throw new UserError(`InvalidParameterException: updateStrategy must be DEFAULT or MINIMAL, got ${String(req.updateStrategy)}.`);
    }
    const running = [...this.updates.values()].find((u) => u.info.status === 'InProgress');
    if (running) throw new UserError(`ResourceInUseException: Nodegroup ${ng.name} is currently being updated (update ${running.info.id}).`);
    group.updateStrategy = req.updateStrategy;
    this.d.log?.(`eks update config: updateStrategy ${req.updateStrategy}`);
    return { id: this.d.rng.uuid(), createdAt: this.d.clock.now() };
  }

  /** An update EKS was asked for, by id. */
  update(updateId: string): EksUpdate | undefined {
    return this.updates.get(updateId);
  }

  async describeUpdate(ref: GroupRef, updateId: string): Promise<UpdateInfo> {
    this.call('describeUpdate', ref);
    const u = this.updates.get(updateId);
    if (!u) throw new UserError(`ResourceNotFoundException: No update found for ID: ${updateId}.`);
    return structuredClone(u.info);
  }

  async listScalingActivities(ref: GroupRef, sinceMs: number): Promise<ScalingActivity[]> {
    this.call('listScalingActivities', ref);
    return this.d.asg.activitiesSince(sinceMs);
  }

  /** Counts the call, applies faults, and checks the group exists. */
  private call(method: string, ref?: GroupRef): void {
    this.d.meter.call('aws', method);
    if (!ref) return;
    const { cluster, nodegroup } = this.d.scenario;
    if (ref.cluster !== cluster.name) throw new UserError(`ResourceNotFoundException: No cluster found for name: ${ref.cluster}.`);
    if (ref.nodegroup !== nodegroup.name) {
      throw new UserError(`ResourceNotFoundException: No node group found for name: ${ref.nodegroup} in cluster ${ref.cluster}.`);
    }
  }
}
