// A simulated Kubernetes control plane whose nodes follow instances that live somewhere else (an
// EC2 API: moto_server in tests). It polls the instances in real time and, like kubelets booting on
// them, registers a node for each running instance, makes it Ready after a while, and takes the node
// and its pods away when the instance stops running. Workloads, the scheduler, PDBs and evictions are
// the simulator's own (KubeState), so the HTTP API (kube-http) serves it like any simulated world.
//
// The instances come from a function returning plain records, so this file needs no AWS SDK: the
// caller lists them (DescribeInstances filtered by the Auto Scaling group's tag, for instance).
import type { SimClock } from '../../src/sim/clock.js';
import { imageById } from '../../src/sim/images.js';
import type { KubeState } from '../../src/sim/kube-state.js';

/** One EC2 instance as the poller sees it. */
export interface ObservedInstance {
  instanceId: string;
  az: string;
  imageId: string;
  instanceType: string;
  /** EC2 state name: pending, running, shutting-down, terminated, stopping, stopped. */
  state: string;
  /** EC2 private DNS name (ip-10-0-1-23.us-west-2.compute.internal): the node's name on EKS. */
  privateDnsName?: string;
  tags: Record<string, string>;
}

export interface InstanceBackedClusterOptions {
  kube: KubeState;
  clock: SimClock;
  region: string;
  /** Every instance that should be a node, in any state; an instance missing from the list is gone. */
  listInstances(): Promise<ObservedInstance[]>;
  /** The kubelet version a node booted from the image reports; undefined: it never joins. Default: the simulator's image catalogue. */
  kubeletVersionOf?(imageId: string): string | undefined;
  /**
   * Labels the kubelet is started with, from the instance's tags. Default: the self-managed node-group
   * labels eksctl passes (alpha.eksctl.io/nodegroup-name, alpha.eksctl.io/cluster-name), read from the
   * tags of the same name that the Auto Scaling group propagates to its instances.
   */
  nodeLabels?(instance: ObservedInstance): Record<string, string>;
  /** Real milliseconds between polls. Default 150. */
  pollIntervalMs?: number;
  /** Simulated milliseconds from first seeing a running instance to its node registering (NotReady). Default 2000. */
  registerAfterMs?: number;
  /** Simulated milliseconds from registering to Ready. Default 3000. */
  readyAfterMs?: number;
  /** Simulated milliseconds from the instance leaving "running" to its node object disappearing. Default 1000. */
  goneAfterMs?: number;
  allocatablePods?: number;
}

export interface InstanceBackedLedger {
  /** Nodes registered, in order (a node is never registered twice). */
  registered: string[];
  /** Nodes removed because their instance went away, in order. */
  removed: string[];
  /** Instances whose node went away while it still ran non-DaemonSet pods. */
  nodesTerminatedWithPods: number;
  /** Instances that run an image with no known kubelet version: they never join. */
  unknownImages: string[];
  polls: number;
  /** Failed polls (the EC2 API unreachable, throttled…); polling carries on. */
  pollErrors: number;
  lastPollError?: string;
}

const EKSCTL_LABELS = ['alpha.eksctl.io/nodegroup-name', 'alpha.eksctl.io/cluster-name'];
const ALIVE = new Set(['pending', 'running']);

interface Tracked {
  instance: ObservedInstance;
  nodeName: string;
  phase: 'booting' | 'registered' | 'ready' | 'going' | 'gone';
  cancel?: () => void;
}

function defaultLabels(i: ObservedInstance): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const key of EKSCTL_LABELS) if (i.tags[key] !== undefined) labels[key] = i.tags[key];
  return labels;
}

/** ip-10-0-1-23.us-west-2.compute.internal; made up from the instance id when EC2 gives none. */
function nodeNameOf(i: ObservedInstance, region: string): string {
  if (i.privateDnsName && /^ip-\d+-\d+-\d+-\d+\./.test(i.privateDnsName)) return i.privateDnsName;
  const hex = i.instanceId.replace(/^i-/, '').padEnd(6, '0');
  const octet = (k: number) => Number.parseInt(hex.slice(k * 2, k * 2 + 2), 16) % 250 || 1;
  return `ip-10-0-${octet(0)}-${octet(1)}.${region}.compute.internal`;
}

export class InstanceBackedCluster {
  private readonly tracked = new Map<string, Tracked>();
  private readonly stats: InstanceBackedLedger = {
    registered: [],
    removed: [],
    nodesTerminatedWithPods: 0,
    unknownImages: [],
    polls: 0,
    pollErrors: 0,
  };
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private inFlight: Promise<void> | undefined;

  constructor(private readonly opts: InstanceBackedClusterOptions) {}

  /** Polls once (so the instances that exist now are known), then every pollIntervalMs. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.pollOnce();
    this.loop();
  }

  /** Stops polling and cancels pending registrations; nodes stay as they are. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.inFlight;
    for (const t of this.tracked.values()) t.cancel?.();
  }

  /** Looks at the instances once and moves every node along. */
  pollOnce(): Promise<void> {
    this.inFlight ??= this.poll().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  ledger(): InstanceBackedLedger {
    return { ...this.stats, registered: [...this.stats.registered], removed: [...this.stats.removed], unknownImages: [...this.stats.unknownImages] };
  }

  /** The node name of an instance this cluster has seen. */
  nodeNameOf(instanceId: string): string | undefined {
    return this.tracked.get(instanceId)?.nodeName;
  }

  private loop(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      void this.pollOnce().finally(() => this.loop());
    }, this.opts.pollIntervalMs ?? 150);
  }

  private async poll(): Promise<void> {
    let instances: ObservedInstance[];
    try {
      instances = await this.opts.listInstances();
    } catch (err) {
      this.stats.pollErrors++;
      this.stats.lastPollError = err instanceof Error ? err.message : String(err);
      return;
    }
    this.stats.polls++;
    const seen = new Set<string>();
    for (const i of instances) {
      seen.add(i.instanceId);
      let t = this.tracked.get(i.instanceId);
      if (!t) {
        if (!ALIVE.has(i.state)) continue; // gone before we ever saw it run
        t = { instance: i, nodeName: nodeNameOf(i, this.opts.region), phase: 'booting' };
        this.tracked.set(i.instanceId, t);
        this.boot(t);
      }
      t.instance = i;
      if (!ALIVE.has(i.state)) this.shutDown(t);
    }
    for (const t of this.tracked.values()) if (!seen.has(t.instance.instanceId)) this.shutDown(t);
  }

  private boot(t: Tracked): void {
    const { clock } = this.opts;
    const kubelet = (this.opts.kubeletVersionOf ?? ((id: string) => imageById(id)?.kubeletVersion))(t.instance.imageId);
    if (kubelet === undefined) {
      // A kubelet that cannot start never registers: the instance runs, the node never appears.
      this.stats.unknownImages.push(`${t.instance.instanceId} (${t.instance.imageId})`);
      return;
    }
    t.cancel = clock.schedule(clock.now() + (this.opts.registerAfterMs ?? 2000), () => {
      t.cancel = undefined;
      if (t.phase !== 'booting') return;
      const i = t.instance;
      this.opts.kube.addNode({
        name: t.nodeName,
        instanceId: i.instanceId,
        az: i.az,
        labels: {
          'kubernetes.io/hostname': t.nodeName,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': /^[a-z]+\dg/.test(i.instanceType) ? 'arm64' : 'amd64',
          'node.kubernetes.io/instance-type': i.instanceType,
          'topology.kubernetes.io/region': this.opts.region,
          'topology.kubernetes.io/zone': i.az,
          'eks.amazonaws.com/nodegroup-image': i.imageId,
          ...(this.opts.nodeLabels ?? defaultLabels)(i),
        },
        kubeletVersion: kubelet,
        allocatablePods: this.opts.allocatablePods ?? 29,
        createdAt: clock.now(),
        ready: false,
      });
      t.phase = 'registered';
      this.stats.registered.push(t.nodeName);
      t.cancel = clock.schedule(clock.now() + (this.opts.readyAfterMs ?? 3000), () => {
        t.cancel = undefined;
        if (t.phase !== 'registered') return;
        t.phase = 'ready';
        this.opts.kube.setNodeReady(t.nodeName, true);
      });
    });
  }

  /** The instance stopped running: the kubelet stops reporting at once, the node object goes a little later. */
  private shutDown(t: Tracked): void {
    if (t.phase === 'going' || t.phase === 'gone') return;
    t.cancel?.();
    t.cancel = undefined;
    if (t.phase === 'booting') {
      t.phase = 'gone';
      return;
    }
    t.phase = 'going';
    const { kube, clock } = this.opts;
    kube.setNodeGoing(t.nodeName);
    t.cancel = clock.schedule(clock.now() + (this.opts.goneAfterMs ?? 1000), () => {
      t.cancel = undefined;
      t.phase = 'gone';
      if (kube.removeNode(t.nodeName) > 0) this.stats.nodesTerminatedWithPods++;
      this.stats.removed.push(t.nodeName);
    });
  }
}
