// The simulated cluster's Events (core/v1): what mngbot records on nodes, kept as the API server keeps
// them — JSON objects with a resourceVersion each, a bounded history for watches — and dropped oldest
// first past a limit, as the API server's TTL drops them.
import type { KubeObject } from './kube-http/kube-objects.js';
import type { NodeNote } from '../engine/ports.js';

export type EventChange = { rv: number; type: 'ADDED' | 'DELETED'; object: KubeObject };

const DEFAULT_LIMIT = 20_000;

/** metav1.Time: RFC 3339 to the second (the last second's text kept: a run's notes come many to a second). */
let lastSecond = NaN;
let lastText = '';
function kubeTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) [lastSecond, lastText] = [second, new Date(second * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')];
  return lastText;
}

export class KubeEvents {
  /** By namespace/name, oldest first (a Map keeps insertion order). */
  private readonly items = new Map<string, KubeObject>();
  private rv = 1000;
  private readonly subscribers = new Set<(c: EventChange) => void>();
  private history: EventChange[] = [];
  private compactedRv = this.rv;
  private seq = 0;

  constructor(private readonly limit = DEFAULT_LIMIT) {}

  get resourceVersion(): number {
    return this.rv;
  }

  list(namespace?: string): KubeObject[] {
    const all = [...this.items.values()];
    return namespace === undefined ? all : all.filter((e) => e.metadata.namespace === namespace);
  }

  get(namespace: string, name: string): KubeObject | undefined {
    return this.items.get(`${namespace}/${name}`);
  }

  /** Stores an Event as a client posted it; rejects a duplicate name (409 AlreadyExists). */
  create(object: KubeObject, nowMs: number): KubeObject | 'exists' {
    const ns = object.metadata.namespace ?? 'default';
    let name = object.metadata.name;
    if (!name) name = `${object.metadata.generateName ?? 'event.'}${(++this.seq).toString(36).padStart(5, '0')}`;
    const key = `${ns}/${name}`;
    if (this.items.has(key)) return 'exists';
    const rv = ++this.rv;
    const stored: KubeObject = {
      ...object,
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { ...object.metadata, name, namespace: ns, uid: `event-${rv}`, resourceVersion: String(rv), creationTimestamp: kubeTime(nowMs) },
    };
    this.items.set(key, stored);
    this.changed({ rv, type: 'ADDED', object: stored });
    if (this.items.size > this.limit) {
      const [oldest, gone] = this.items.entries().next().value as [string, KubeObject];
      this.items.delete(oldest);
      this.changed({ rv: ++this.rv, type: 'DELETED', object: { ...gone, metadata: { ...gone.metadata, resourceVersion: String(this.rv) } } });
    }
    return stored;
  }

  /** The Event the in-process Cluster port records for a note: the same object KubeCluster posts. */
  record(note: NodeNote): void {
    this.create(nodeEventObject(note, `${note.node}.${(++this.seq).toString(16)}`), note.at);
  }

  /** Changes after rv, or 'expired' when some have left the history (410 Gone). */
  since(rv: number): EventChange[] | 'expired' {
    if (rv < this.compactedRv) return 'expired';
    return this.history.filter((c) => c.rv > rv);
  }

  subscribe(fn: (c: EventChange) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  private changed(c: EventChange): void {
    this.history.push(c);
    if (this.history.length > 2 * this.limit) {
      const drop = this.history.length - this.limit;
      this.compactedRv = this.history[drop - 1].rv;
      this.history.splice(0, drop);
    }
    for (const s of this.subscribers) s(c);
  }
}

/**
 * A core/v1 Event on a node, as kubelet writes its own: in the default namespace, the node's name as
 * its uid, counted once. The run id is in the message for people and in an annotation for tools.
 */
export function nodeEventObject(note: NodeNote, name: string): KubeObject {
  const at = kubeTime(note.at);
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: 'default', annotations: { 'mngbot.io/run': note.runId } },
    involvedObject: { apiVersion: 'v1', kind: 'Node', name: note.node, uid: note.node },
    reason: note.reason,
    message: note.message,
    type: note.type,
    source: { component: 'mngbot' },
    reportingComponent: 'mngbot',
    reportingInstance: '',
    firstTimestamp: at,
    lastTimestamp: at,
    count: 1,
  } as KubeObject;
}
