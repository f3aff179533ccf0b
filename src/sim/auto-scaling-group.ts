// EC2 Auto Scaling as upgrades meet it: desired capacity kept across AZs from the current launch
// template version, instance lifecycles on the scenario's timings, scaling activities, and the
// launch-failure and slow-boot faults.
import { FatalError, UserError } from '../engine/errors.js';
import type { GroupInstance, ScalingActivity, Sizes } from '../engine/ports.js';
import type { SimClock } from './clock.js';
import type { LaunchTemplate } from './launch-template.js';
import type { LedgerCounters } from './ledger.js';
import type { Rng } from './rng.js';
import { ASG_PROCESSES, type Scenario } from './scenario.js';

export type LifecycleState = 'Pending' | 'InService' | 'Terminating' | 'Terminated';

export interface InstanceRec {
  id: string;
  az: string;
  state: LifecycleState;
  imageId: string;
  ltVersion: string;
  launchedAt: number;
  privateIp: string;
  nodeName: string;
  /** Its node has registered with the cluster. */
  registered: boolean;
  cancels: (() => void)[];
}

/** How instances meet the cluster: the world wires these to the Kubernetes side. */
export interface InstanceHooks {
  /** The kubelet registered: a NotReady node. */
  registered(i: InstanceRec): void;
  ready(i: InstanceRec): void;
  shuttingDown(i: InstanceRec): void;
  gone(i: InstanceRec): void;
}

const RETRY_MS = 10_000;

export class AutoScalingGroup {
  sizes: Sizes;
  /** The largest max and desired ever set: a MINIMAL update must never raise them. */
  readonly peak: Pick<Sizes, 'max' | 'desired'>;
  ltVersion = '1';
  readonly suspended: Set<string>;
  /** Members: Pending, InService, Terminating. */
  readonly instances = new Map<string, InstanceRec>();
  /** Pending and InService instances by AZ: the group compares them with its desired size at every change. */
  private readonly liveByAz = new Map<string, number>();
  private readonly terminated = new Map<string, InstanceRec>();
  private readonly activities: ScalingActivity[] = [];
  /** TerminateInstanceInAutoScalingGroup requests per instance id, accepted or refused (EKS's own terminations are not requests). */
  readonly terminationRequests = new Map<string, number>();
  private launchFailuresLeft: number;
  private slowBootsLeft: number;
  private readonly slowBootExtraMs: number;
  private retryScheduled = false;
  private readonly ipSeq: number[];

  constructor(
    readonly name: string,
    readonly azs: string[],
    readonly launchTemplate: LaunchTemplate,
    private readonly scenario: Scenario,
    private readonly clock: SimClock,
    private readonly rng: Rng,
    private readonly hooks: InstanceHooks,
    private readonly ledger: LedgerCounters,
    private readonly log?: (line: string) => void,
  ) {
    const ng = scenario.nodegroup;
    this.sizes = { min: ng.min, max: ng.max, desired: ng.nodes };
    this.peak = { max: ng.max, desired: ng.nodes };
    this.suspended = new Set(ng.suspendedProcesses);
    this.ipSeq = azs.map(() => 0);
    this.launchFailuresLeft = scenario.faults.reduce((n, f) => n + (f.kind === 'launchFailure' ? f.count : 0), 0);
    const slow = scenario.faults.find((f) => f.kind === 'slowBoot');
    this.slowBootsLeft = slow?.kind === 'slowBoot' ? slow.count : 0;
    this.slowBootExtraMs = slow?.kind === 'slowBoot' ? slow.extraSeconds * 1000 : 0;
  }

  /** An instance that was running before the world began. */
  addExisting(az: string, launchedAt: number): InstanceRec {
    const i = this.newInstance(az, 'InService', launchedAt);
    i.registered = true;
    return i;
  }

  list(): GroupInstance[] {
    return [...this.instances.values()].map((i) => ({
      instanceId: i.id,
      az: i.az,
      lifecycleState: i.state,
      imageId: i.imageId,
      launchTemplateVersion: i.ltVersion,
    }));
  }

  activitiesSince(sinceMs: number): ScalingActivity[] {
    return this.activities.filter((a) => a.at >= sinceMs).map((a) => ({ ...a }));
  }

  find(id: string): InstanceRec | undefined {
    return this.instances.get(id) ?? this.terminated.get(id);
  }

  /** Members and the instances that have left, as EC2 still lists them. */
  allInstances(): InstanceRec[] {
    return [...this.instances.values(), ...this.terminated.values()];
  }

  setSizes(patch: Partial<Sizes>): void {
    const min = patch.min ?? this.sizes.min;
    const max = patch.max ?? this.sizes.max;
    for (const [k, v] of Object.entries(patch)) {
      if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw new UserError(`ValidationError: ${k} must be a whole number ≥ 0, got ${v}`);
    }
    if (min > max) throw new UserError(`ValidationError: Max bound, ${max}, must be greater than or equal to min bound, ${min}`);
    // As UpdateAutoScalingGroup: without an explicit desired capacity, the current one is pulled into [min, max].
    const desired = patch.desired ?? Math.min(max, Math.max(min, this.sizes.desired));
    if (desired < min || desired > max) {
      throw new UserError(`ValidationError: Desired capacity:${desired} must be between the specified min size:${min} and max size:${max}`);
    }
    this.sizes = { min, max, desired };
    this.peak.max = Math.max(this.peak.max, max);
    this.peak.desired = Math.max(this.peak.desired, desired);
    this.log?.(`asg sizes min=${min} max=${max} desired=${desired}`);
    this.reconcile();
  }

  setProcesses(processes: string[], suspend: boolean): void {
    for (const p of processes) {
      if (!(ASG_PROCESSES as readonly string[]).includes(p)) throw new UserError(`ValidationError: unknown scaling process ${p}`);
    }
    for (const p of processes) {
      if (suspend) this.suspended.add(p);
      else this.suspended.delete(p);
    }
    if (!suspend) this.reconcile();
  }

  useLaunchTemplateVersion(version: string): void {
    const v = this.launchTemplate.version(version);
    if (!v) throw new UserError(`ValidationError: launch template ${this.launchTemplate.id} has no version ${version}`);
    this.ltVersion = String(v.number);
  }

  currentImageId(): string {
    return this.launchTemplate.version(this.ltVersion)!.imageId;
  }

  /** TerminateInstanceInAutoScalingGroup as a caller asks for it: counted per instance, then carried out or refused. */
  requestTermination(instanceId: string, decrement: boolean): ScalingActivity {
    this.terminationRequests.set(instanceId, (this.terminationRequests.get(instanceId) ?? 0) + 1);
    return this.terminate(instanceId, decrement);
  }

  /** TerminateInstanceInAutoScalingGroup. */
  terminate(instanceId: string, decrement: boolean, cause = 'an instance was taken out of service in response to a user request'): ScalingActivity {
    const i = this.instances.get(instanceId);
    if (!i || i.state === 'Terminating') {
      this.ledger.terminatedTwice++;
      const why = !i
        ? this.terminated.has(instanceId)
          ? 'is already terminated'
          : `is not in Auto Scaling group ${this.name}`
        : 'is already Terminating';
      throw new FatalError(`ValidationError: instance ${instanceId} ${why}`);
    }
    if (decrement) {
      if (this.sizes.desired - 1 < this.sizes.min) {
        throw new UserError(
          `ValidationError: Currently, desiredSize equals minSize (${this.sizes.min}). Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size.`,
        );
      }
      this.sizes = { ...this.sizes, desired: this.sizes.desired - 1 };
    }
    const from = this.sizes.desired + (decrement ? 1 : 0);
    const activity = this.beginTermination(i, `${cause}${decrement ? `, shrinking the capacity from ${from} to ${this.sizes.desired}` : ''}`);
    this.reconcile();
    return { ...activity };
  }

  /** Brings InService + Pending up (or down) to desired. */
  reconcile(): void {
    const liveNow = [...this.liveByAz.values()].reduce((a, b) => a + b, 0);
    if (liveNow < this.sizes.desired && !this.suspended.has('Launch')) {
      const perAz = this.azs.map((az) => this.liveByAz.get(az) ?? 0);
      for (let n = liveNow; n < this.sizes.desired; n++) {
        let a = 0;
        for (let k = 1; k < perAz.length; k++) if (perAz[k] < perAz[a]) a = k;
        if (!this.launch(this.azs[a])) {
          this.retryLater();
          break;
        }
        perAz[a]++;
      }
    } else if (liveNow > this.sizes.desired && !this.suspended.has('Terminate')) {
      const live = [...this.instances.values()].filter(isLive);
      for (let n = live.length; n > this.sizes.desired; n--) {
        const victim = this.scaleInVictim(live);
        live.splice(live.indexOf(victim), 1);
        this.beginTermination(victim, `an instance was taken out of service in response to a difference between desired and actual capacity, shrinking the capacity from ${n} to ${n - 1}`);
      }
    }
  }

  private retryLater(): void {
    if (this.retryScheduled) return;
    this.retryScheduled = true;
    this.clock.schedule(this.clock.now() + RETRY_MS, () => {
      this.retryScheduled = false;
      this.reconcile();
    });
  }

  /** The default termination policy: the AZ with most instances, then the oldest launch template, then chance. */
  private scaleInVictim(live: InstanceRec[]): InstanceRec {
    const counts = this.azs.map((az) => live.filter((i) => i.az === az).length);
    const most = Math.max(...counts);
    const az = this.azs[counts.indexOf(most)];
    const inAz = live.filter((i) => i.az === az);
    const oldest = Math.min(...inAz.map((i) => Number(i.ltVersion)));
    return this.rng.pick(inAz.filter((i) => Number(i.ltVersion) === oldest));
  }

  private launch(az: string): boolean {
    const now = this.clock.now();
    if (this.launchFailuresLeft > 0) {
      this.launchFailuresLeft--;
      this.activities.push({
        id: this.rng.uuid(),
        at: now,
        status: 'Failed',
        description:
          `Launching a new EC2 instance. Status Reason: We currently do not have sufficient ${this.scenario.nodegroup.instanceType} ` +
          `capacity in the Availability Zone you requested (${az}). (InsufficientInstanceCapacity). Launching EC2 instance failed.`,
      });
      this.log?.(`launch failed in ${az}`);
      return false;
    }
    const i = this.newInstance(az, 'Pending', now);
    const activity: ScalingActivity = {
      id: this.rng.uuid(),
      at: now,
      status: 'InProgress',
      description: `Launching a new EC2 instance: ${i.id}`,
      instanceId: i.id,
    };
    this.activities.push(activity);
    let bootMs = this.scenario.timings.launchToReadySeconds * 1000;
    if (this.slowBootsLeft > 0) {
      this.slowBootsLeft--;
      bootMs += this.slowBootExtraMs;
    }
    i.cancels.push(
      this.clock.schedule(now + Math.round((bootMs * 2) / 3), () => {
        i.registered = true;
        this.hooks.registered(i);
      }),
      this.clock.schedule(now + bootMs, () => {
        i.state = 'InService';
        activity.status = 'Successful';
        this.log?.(`instance ${i.id} InService`);
        this.hooks.ready(i);
      }),
    );
    this.log?.(`launch ${i.id} in ${az} image ${i.imageId}`);
    return true;
  }

  private newInstance(az: string, state: LifecycleState, launchedAt: number): InstanceRec {
    let id: string;
    do id = `i-0${this.rng.hex(16)}`;
    while (this.find(id));
    const a = this.azs.indexOf(az);
    const width = Math.floor(256 / this.azs.length);
    const k = this.ipSeq[a]++;
    const ip = `10.0.${a * width + (Math.floor(k / 250) % width)}.${(k % 250) + 4}`;
    const i: InstanceRec = {
      id,
      az,
      state,
      imageId: this.currentImageId(),
      ltVersion: this.ltVersion,
      launchedAt,
      privateIp: ip,
      nodeName: `ip-${ip.replaceAll('.', '-')}.${this.scenario.cluster.region}.compute.internal`,
      registered: false,
      cancels: [],
    };
    this.instances.set(id, i);
    if (isLive(i)) this.liveByAz.set(az, (this.liveByAz.get(az) ?? 0) + 1);
    return i;
  }

  private beginTermination(i: InstanceRec, cause: string): ScalingActivity {
    for (const cancel of i.cancels) cancel();
    i.cancels = [];
    if (isLive(i)) this.liveByAz.set(i.az, this.liveByAz.get(i.az)! - 1);
    i.state = 'Terminating';
    const activity: ScalingActivity = {
      id: this.rng.uuid(),
      at: this.clock.now(),
      status: 'InProgress',
      description: `Terminating EC2 instance: ${i.id} (${cause})`,
      instanceId: i.id,
    };
    this.activities.push(activity);
    this.log?.(`terminate ${i.id}: ${cause}`);
    if (i.registered) this.hooks.shuttingDown(i);
    this.clock.schedule(this.clock.now() + this.scenario.timings.terminateSeconds * 1000, () => {
      i.state = 'Terminated';
      this.instances.delete(i.id);
      this.terminated.set(i.id, i);
      activity.status = 'Successful';
      this.log?.(`instance ${i.id} terminated`);
      if (i.registered) this.hooks.gone(i);
    });
    return activity;
  }
}

const isLive = (i: InstanceRec) => i.state === 'Pending' || i.state === 'InService';
