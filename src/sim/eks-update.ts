// EKS's own managed node group update (UpdateNodegroupVersion), as documented in
// https://docs.aws.amazon.com/eks/latest/userguide/managed-node-update-behavior.html —
// setup, scale up, upgrade, scale down. It runs inside the world on the world's clock and is
// the baseline mngbot's rolling strategy is measured against.
import type { EksUpdateStrategy, UpdateInfo } from '../engine/ports.js';
import type { AutoScalingGroup, InstanceRec } from './auto-scaling-group.js';
import type { SimClock } from './clock.js';
import type { CatalogImage } from './images.js';
import type { KubeState } from './kube-state.js';
import type { Rng } from './rng.js';

/** What EKS itself records about a managed node group. */
export interface ManagedGroupState {
  status: string;
  version: string;
  releaseVersion: string;
  imageId: string;
  /** The group's updateConfig.updateStrategy (UpdateNodegroupConfig changes it). */
  updateStrategy: EksUpdateStrategy;
}

export const EKS_TAINT = { key: 'eks.amazonaws.com/nodegroup', value: 'unschedulable', effect: 'NoSchedule' } as const;
export const EXCLUDE_LB_LABEL = 'node.kubernetes.io/exclude-from-external-load-balancers';

/** How often the update workflow looks at the world. */
const TICK_MS = 5_000;
/** Pods that have not left a node within this long fail the update (unless forced). */
const EVICTION_TIMEOUT_MS = 15 * 60_000;
/** After the drain: cordon, then wait so the service controller stops sending traffic. */
const CORDON_WAIT_MS = 60_000;
/** New nodes that are not Ready within this long fail the update with NodeCreationFailure. */
const SCALE_UP_TIMEOUT_MS = 30 * 60_000;

interface Drain {
  instanceId: string;
  nodeName: string;
  startedAt: number;
  cordonedAt?: number;
  /** Scale-down: terminate with decrement (the surge goes away) instead of being replaced. */
  shrink: boolean;
}

export interface EksUpdateDeps {
  clock: SimClock;
  rng: Rng;
  asg: AutoScalingGroup;
  kube: KubeState;
  group: ManagedGroupState;
  nodegroup: string;
  maxUnavailable: number;
  log?: (line: string) => void;
}

export class EksUpdate {
  readonly info: UpdateInfo;
  /** When EKS accepted the update (world time, ms). */
  readonly createdAt: number;
  private phase: 'scale-up' | 'upgrade' | 'scale-down' | 'done' = 'scale-up';
  private readonly original;
  private readonly surge: number;
  private newLtVersion = '';
  private phaseSince: number;
  private readonly drains = new Map<string, Drain>();
  /**
   * MINIMAL: no surge; old nodes are drained and terminated first and the group launches their
   * replacements, never more than maxUnavailable nodes short (draining, or replaced and not Ready yet).
   */
  private readonly minimal: boolean;
  /** MINIMAL: old instances terminated so far, each to be replaced. */
  private replaced = 0;

  constructor(
    id: string,
    readonly token: string,
    /** The image the update moves the group to. */
    readonly target: CatalogImage,
    private readonly force: boolean,
    private readonly d: EksUpdateDeps,
  ) {
    this.info = { id, status: 'InProgress', errors: [] };
    this.createdAt = d.clock.now();
    this.original = { ...d.asg.sizes };
    this.minimal = d.group.updateStrategy === 'MINIMAL';
    this.surge = this.minimal ? 0 : Math.max(2 * d.asg.azs.length, d.maxUnavailable);
    this.phaseSince = d.clock.now();
  }

  /** Setup and the start of scale up; the rest happens on the clock. */
  start(): void {
    const { asg, clock, group } = this.d;
    group.status = 'UPDATING';
    this.newLtVersion = asg.launchTemplate.ensureVersion(this.target.imageId, `EKS managed node group update ${this.info.id}`, clock.now());
    asg.useLaunchTemplateVersion(this.newLtVersion);
    if (this.surge > 0) asg.setSizes({ max: asg.sizes.max + this.surge, desired: asg.sizes.desired + this.surge });
    this.d.log?.(`eks update ${this.info.id}: ${this.minimal ? 'MINIMAL, no surge' : `surge ${this.surge}`}, launch template version ${this.newLtVersion}`);
    this.later();
  }

  private later(): void {
    this.d.clock.schedule(this.d.clock.now() + TICK_MS, () => this.tick());
  }

  private tick(): void {
    // Each phase may hand over to the next within the same tick.
    const phase = () => this.phase;
    if (phase() === 'scale-up') this.scaleUp();
    if (phase() === 'upgrade') this.upgrade();
    if (phase() === 'scale-down') this.scaleDown();
    if (phase() !== 'done') this.later();
  }

  private live(): InstanceRec[] {
    return [...this.d.asg.instances.values()].filter((i) => i.state === 'Pending' || i.state === 'InService');
  }

  private isNew(i: InstanceRec): boolean {
    return i.ltVersion === this.newLtVersion;
  }

  private nodeReady(i: InstanceRec): boolean {
    return i.state === 'InService' && this.d.kube.nodes.get(i.nodeName)?.info.ready === true;
  }

  private scaleUp(): void {
    const { clock, kube } = this.d;
    if (this.minimal) {
      // Nothing to scale up: each old node is tainted when its own drain begins.
      this.enter('upgrade');
      return;
    }
    const live = this.live();
    const fresh = live.filter((i) => this.isNew(i));
    const old = live.filter((i) => !this.isNew(i));
    const azsCovered = old.every((o) => fresh.some((n) => n.az === o.az && this.nodeReady(n)));
    if (fresh.length >= Math.min(this.surge, this.d.asg.sizes.desired) && fresh.every((i) => this.nodeReady(i)) && azsCovered) {
      for (const i of old) {
        if (!kube.nodes.has(i.nodeName)) continue;
        kube.patchNode(i.nodeName, { addTaints: [{ ...EKS_TAINT }] });
        kube.labelNode(i.nodeName, { [EXCLUDE_LB_LABEL]: 'true' });
      }
      this.enter('upgrade');
      return;
    }
    if (clock.now() - this.phaseSince >= SCALE_UP_TIMEOUT_MS) {
      this.fail(
        'NodeCreationFailure',
        `Couldn't proceed with upgrade process as new nodes are not joining node group ${this.d.nodegroup}`,
        fresh.filter((i) => !this.nodeReady(i)).map((i) => i.id),
      );
    }
  }

  private upgrade(): void {
    const waiting = this.live().filter((i) => !this.isNew(i) && !this.drains.has(i.id));
    while (this.drains.size + this.replacementsPending() < this.d.maxUnavailable && waiting.length > 0) {
      const [pick] = waiting.splice(this.d.rng.int(waiting.length), 1);
      this.beginDrain(pick, false);
    }
    this.progressDrains();
    const failed = (this.phase as string) === 'done';
    if (!failed && waiting.length === 0 && this.drains.size === 0) this.enter('scale-down');
  }

  /** MINIMAL: replaced old nodes whose replacement is not Ready yet. */
  private replacementsPending(): number {
    if (!this.minimal) return 0;
    const ready = this.live().filter((i) => this.isNew(i) && this.nodeReady(i)).length;
    return Math.max(0, this.replaced - ready);
  }

  private scaleDown(): void {
    const { asg } = this.d;
    // MINIMAL: done once the replacements are Ready (nothing was added, so nothing to scale in).
    if (this.minimal && this.replacementsPending() > 0) return;
    if (this.drains.size === 0) {
      if (asg.sizes.desired > this.original.desired) {
        const live = this.live().filter((i) => i.state === 'InService');
        if (live.length > 0) this.beginDrain(this.scaleInChoice(live), true);
      } else if (asg.sizes.max > this.original.max) {
        asg.setSizes({ max: this.original.max });
      } else if (![...asg.instances.values()].some((i) => i.state === 'Terminating')) {
        this.succeed();
        return;
      }
    }
    this.progressDrains();
  }

  /** The ASG's termination policy picks the instance; the group's lifecycle hook drains it first. */
  private scaleInChoice(live: InstanceRec[]): InstanceRec {
    const counts = this.d.asg.azs.map((az) => live.filter((i) => i.az === az).length);
    const az = this.d.asg.azs[counts.indexOf(Math.max(...counts))];
    return this.d.rng.pick(live.filter((i) => i.az === az));
  }

  private beginDrain(i: InstanceRec, shrink: boolean): void {
    this.drains.set(i.id, { instanceId: i.id, nodeName: i.nodeName, startedAt: this.d.clock.now(), shrink });
    // Old nodes are already tainted; a scale-in victim is cordoned first, as kubectl drain does.
    if (shrink && this.d.kube.nodes.has(i.nodeName)) this.d.kube.patchNode(i.nodeName, { unschedulable: true });
    if (this.minimal && !shrink && this.d.kube.nodes.has(i.nodeName)) {
      // MINIMAL leaves the old nodes schedulable (the drained pods go there): this one only now.
      this.d.kube.patchNode(i.nodeName, { addTaints: [{ ...EKS_TAINT }] });
      this.d.kube.labelNode(i.nodeName, { [EXCLUDE_LB_LABEL]: 'true' });
    }
    this.d.log?.(`eks update ${this.info.id}: drain ${i.nodeName}${shrink ? ' (scale down)' : ''}`);
  }

  private progressDrains(): void {
    const { kube, clock, asg } = this.d;
    const now = clock.now();
    for (const d of [...this.drains.values()]) {
      const node = kube.nodes.get(d.nodeName);
      if (d.cordonedAt === undefined && node) {
        const staying = () => [...node.pods.values()].filter((p) => !p.daemon && !p.info.mirror);
        for (const p of staying()) if (!p.info.terminating) kube.evict(p.info.namespace, p.info.name);
        const left = staying();
        if (left.length > 0 && now - d.startedAt < EVICTION_TIMEOUT_MS) continue;
        if (left.length > 0 && !this.force) {
          this.fail('PodEvictionFailure', `Reached max retries while trying to evict pods from nodes in node group ${this.d.nodegroup}`, [d.nodeName]);
          return;
        }
        for (const p of left) kube.deletePod(p.info.namespace, p.info.name);
        kube.patchNode(d.nodeName, { unschedulable: true });
        d.cordonedAt = now;
        continue;
      }
      if (node && now - (d.cordonedAt ?? now) < CORDON_WAIT_MS) continue;
      this.drains.delete(d.instanceId);
      if (asg.instances.get(d.instanceId)?.state === 'InService' || asg.instances.get(d.instanceId)?.state === 'Pending') {
        asg.terminate(d.instanceId, d.shrink, 'EKS managed node group update');
        if (this.minimal && !d.shrink) this.replaced++;
      }
      if (d.shrink && asg.sizes.max > this.original.max) asg.setSizes({ max: asg.sizes.max - 1 });
    }
  }

  private enter(phase: EksUpdate['phase']): void {
    this.phase = phase;
    this.phaseSince = this.d.clock.now();
    this.d.log?.(`eks update ${this.info.id}: ${phase}`);
  }

  private succeed(): void {
    const { group } = this.d;
    this.info.status = 'Successful';
    group.status = 'ACTIVE';
    group.version = this.target.version;
    group.releaseVersion = this.target.releaseVersion;
    group.imageId = this.target.imageId;
    this.enter('done');
  }

  /** EKS leaves the group as it is (sizes, taints, mixed nodes) and reports the error. */
  private fail(code: string, message: string, resourceIds: string[]): void {
    this.info.status = 'Failed';
    this.info.errors.push({ code, message, resourceIds });
    this.d.group.status = 'ACTIVE';
    this.enter('done');
  }
}
