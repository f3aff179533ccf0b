// The Cluster port over the simulated Kubernetes control plane.
import type {
  Cluster,
  ClusterEvent,
  ClusterWatch,
  EvictionResult,
  NodeInfo,
  NodeNote,
  NodePatch,
  PdbInfo,
  PodInfo,
} from '../engine/ports.js';
import type { ApiMeter } from './api-meter.js';
import type { KubeState } from './kube-state.js';

export class SimCluster implements Cluster {
  constructor(
    private readonly kube: KubeState,
    private readonly meter: ApiMeter,
  ) {}

  async listNodes(): Promise<NodeInfo[]> {
    this.meter.call('kube', 'listNodes');
    return this.kube.listNodes();
  }

  async listPods(opts: { nodeName?: string } = {}): Promise<PodInfo[]> {
    this.meter.call('kube', 'listPods');
    return this.kube.listPods(opts.nodeName);
  }

  async listPdbs(): Promise<PdbInfo[]> {
    this.meter.call('kube', 'listPdbs');
    return this.kube.pdbs();
  }

  /** Not throttled: a watch is one long request. */
  watch(onEvent: (event: ClusterEvent) => void): ClusterWatch {
    this.meter.count('kube', 'watch');
    return this.kube.hub.watch(onEvent);
  }

  async patchNode(name: string, patch: NodePatch): Promise<void> {
    this.meter.call('kube', 'patchNode');
    this.kube.patchNode(name, patch);
  }

  async evict(pod: { namespace: string; name: string }): Promise<EvictionResult> {
    this.meter.call('kube', 'evict');
    return this.kube.evict(pod.namespace, pod.name);
  }

  async deletePod(pod: { namespace: string; name: string }): Promise<void> {
    this.meter.call('kube', 'deletePod');
    this.kube.deletePod(pod.namespace, pod.name);
  }

  /** Not metered: an Event is a note beside the work, and the world's API counts are the work's. */
  recordEvent(note: NodeNote): void {
    this.kube.events.record(note);
  }

  /** The control plane behind the port, for the HTTP API (src/sim/kube-http) to serve. */
  get state(): KubeState {
    return this.kube;
  }

  /** Counts a call that came in through the HTTP API, with the same throttling faults as the port's methods. */
  meterCall(method: string): void {
    this.meter.call('kube', method);
  }

  /** For tests: every watch loses its connection and re-lists, as after a 410 Gone. */
  dropWatches(): void {
    this.kube.hub.dropAll();
  }
}
