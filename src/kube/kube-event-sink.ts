// Sends Kubernetes Events in the background: a bounded queue and a few requests in flight, so a run of
// hundreds of nodes never waits on its Events. A full queue drops the newest note; a refused Event is
// counted and logged (once, then every hundredth), never thrown: Events tell the story beside the run.
import type { CoreV1Event } from '@kubernetes/client-node';
import { errorMessage } from '../engine/errors.js';
import type { NodeNote } from '../engine/ports.js';
import { metrics } from '../metrics/registry.js';
import { codeOf } from './kube-errors.js';

export interface KubeEventSinkOptions {
  /** Requests in flight at once. Default 4. */
  concurrency?: number;
  /** Notes waiting beyond those; more are dropped. Default 1000. */
  maxQueued?: number;
  /** Who reports the Events (the pod's name, where known). */
  instance?: string;
  log?: { warn(msg: string, fields?: Record<string, unknown>): void };
}

/** metav1.Time: RFC 3339 to the second. */
const kubeTime = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const MESSAGE_MAX = 1024;

/** As kubelet writes a node's Events: in the default namespace, the node's name as its uid. */
export function nodeEvent(note: NodeNote, seq: number, instance = ''): CoreV1Event {
  const at = new Date(kubeTime(note.at));
  return {
    apiVersion: 'v1',
    kind: 'Event',
    // client-go's name: the object's, then the time in hex; a sequence keeps two in one millisecond apart.
    metadata: { name: `${note.node}.${(BigInt(note.at) * 1_000_000n + BigInt(seq % 1_000_000)).toString(16)}`, namespace: 'default', annotations: { 'mngbot.io/run': note.runId } },
    involvedObject: { apiVersion: 'v1', kind: 'Node', name: note.node, uid: note.node },
    reason: note.reason,
    message: note.message.length > MESSAGE_MAX ? `${note.message.slice(0, MESSAGE_MAX - 1)}…` : note.message,
    type: note.type,
    source: { component: 'mngbot' },
    reportingComponent: 'mngbot',
    reportingInstance: instance,
    firstTimestamp: at,
    lastTimestamp: at,
    count: 1,
  };
}

export class KubeEventSink {
  private readonly queue: NodeNote[] = [];
  private inFlight = 0;
  private seq = 0;
  private failures = 0;
  private idle: (() => void)[] = [];
  private readonly concurrency: number;
  private readonly maxQueued: number;

  constructor(
    private readonly create: (event: CoreV1Event) => Promise<unknown>,
    private readonly opts: KubeEventSinkOptions = {},
  ) {
    this.concurrency = opts.concurrency ?? 4;
    this.maxQueued = opts.maxQueued ?? 1000;
  }

  push(note: NodeNote): void {
    if (this.queue.length >= this.maxQueued) {
      this.dropped('the queue of Events to send is full', note);
      return;
    }
    this.queue.push(note);
    this.pump();
  }

  /** Resolves once every note pushed so far was sent or dropped. */
  flushed(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private pump(): void {
    while (this.inFlight < this.concurrency && this.queue.length > 0) {
      const note = this.queue.shift()!;
      this.inFlight++;
      this.create(nodeEvent(note, ++this.seq, this.opts.instance))
        .catch((err: unknown) => {
          // The same Event twice (a retried request that had arrived): it is there.
          if (codeOf(err) !== 409) this.dropped(errorMessage(err), note);
        })
        .finally(() => {
          this.inFlight--;
          this.pump();
          if (this.queue.length === 0 && this.inFlight === 0) for (const done of this.idle.splice(0)) done();
        });
    }
  }

  private dropped(problem: string, note: NodeNote): void {
    metrics.kubeEventsDropped.inc();
    if (this.failures++ % 100 === 0) {
      this.opts.log?.warn('could not record a Kubernetes Event (the run goes on)', { problem, reason: note.reason, node: note.node, runId: note.runId, failures: this.failures });
    }
  }
}
