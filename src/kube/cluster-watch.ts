// The Cluster port's watch over two Kubernetes watches (nodes, pods): list both and send a resync,
// then stream each from its list's resourceVersion. A dropped stream resumes from the last version
// it saw (nothing lost, nothing twice); a 410 Gone (the version left the server's history) re-lists
// both and sends a new resync. Pure mechanics: the I/O comes in through WatchSource.
import type { ClusterEvent, ClusterWatch, NodeInfo, PodInfo } from '../engine/ports.js';
import { errorMessage } from '../engine/errors.js';
import { codeOf } from './kube-errors.js';

export interface Listed<T> {
  items: T[];
  resourceVersion: string;
}

export interface WatchSource {
  listNodes(): Promise<Listed<NodeInfo>>;
  listPods(): Promise<Listed<PodInfo>>;
  /** Starts a watch request (client-node's Watch.watch); `done` is called once, on close or error. */
  watch(
    path: string,
    params: Record<string, string | number | boolean>,
    onEvent: (type: string, object: any) => void,
    done: (err?: unknown) => void,
  ): Promise<{ abort(): void }>;
  toNode(raw: unknown): NodeInfo;
  toPod(raw: unknown): PodInfo;
  /** Fatal for the first list (ready rejects): 401/403. */
  isFatal(err: unknown): boolean;
  log?: { warn(msg: string, fields?: Record<string, unknown>): void };
}

type Kind = 'node' | 'pod';

interface Stream {
  kind: Kind;
  gen: number;
  rv: string;
  closed: boolean;
  startedAt: number;
  events: number;
  /** The server answered and the stream was up. */
  establishedAt?: number;
  controller?: { abort(): void };
}

const PATHS: Record<Kind, string> = { node: '/api/v1/nodes', pod: '/api/v1/pods' };
const MIN_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 30_000;
const HEALTHY_STREAM_MS = 5_000;
const ESTABLISHED_STREAM_MS = 1_000;

export const backoffMs = (failures: number) => Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** Math.max(0, failures - 1));

export class ResumableClusterWatch implements ClusterWatch {
  readonly ready: Promise<void>;
  private resolveReady!: () => void;
  private rejectReady!: (err: unknown) => void;
  private readySettled = false;
  /** Bumped on every re-list: callbacks of older streams are ignored. */
  private gen = 0;
  private stopped = false;
  private readonly streams = new Map<Kind, Stream>();
  private readonly failures: Record<Kind | 'list', number> = { node: 0, pod: 0, list: 0 };
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly source: WatchSource,
    private readonly onEvent: (event: ClusterEvent) => void,
  ) {
    this.ready = new Promise<void>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    // Nobody may be waiting on ready when it rejects; the rejection is still observable by those who are.
    this.ready.catch(() => {});
    void this.relist();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.abortStreams();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.settleReady();
  }

  private settleReady(err?: unknown): void {
    if (this.readySettled) return;
    this.readySettled = true;
    if (err === undefined) this.resolveReady();
    else this.rejectReady(err);
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped) fn();
    }, ms);
    this.timers.add(t);
  }

  private abortStreams(): void {
    for (const s of this.streams.values()) {
      s.closed = true;
      s.controller?.abort();
    }
    this.streams.clear();
  }

  private deliver(event: ClusterEvent): void {
    try {
      this.onEvent(event);
    } catch (err) {
      // A handler's bug must not stop the stream, nor be swallowed.
      queueMicrotask(() => {
        throw err;
      });
    }
  }

  private async relist(): Promise<void> {
    const gen = ++this.gen;
    this.abortStreams();
    try {
      const [nodes, pods] = await Promise.all([this.source.listNodes(), this.source.listPods()]);
      if (gen !== this.gen || this.stopped) return;
      this.failures.list = 0;
      this.deliver({ kind: 'resync', nodes: nodes.items, pods: pods.items });
      this.settleReady();
      this.start('node', nodes.resourceVersion, gen);
      this.start('pod', pods.resourceVersion, gen);
    } catch (err) {
      if (gen !== this.gen || this.stopped) return;
      if (!this.readySettled && this.source.isFatal(err)) {
        this.settleReady(err);
        this.stop();
        return;
      }
      const delay = backoffMs(++this.failures.list);
      this.source.log?.warn('kube watch: list failed, retrying', { error: errorMessage(err), retryInMs: delay });
      this.later(delay, () => void this.relist());
    }
  }

  private start(kind: Kind, rv: string, gen: number): void {
    const s: Stream = { kind, gen, rv, closed: false, startedAt: Date.now(), events: 0 };
    this.streams.set(kind, s);
    const live = () => !s.closed && s.gen === this.gen && !this.stopped;

    const onEvent = (type: string, object: any) => {
      if (!live()) return;
      if (type === 'ERROR') {
        s.closed = true;
        s.controller?.abort();
        if (object?.code === 410) {
          this.source.log?.warn('kube watch: resourceVersion expired (410 Gone), re-listing', { kind, rv: s.rv });
          void this.relist();
        } else {
          this.resume(s, new Error(`watch error: ${object?.message ?? JSON.stringify(object)}`));
        }
        return;
      }
      this.failures[kind] = 0;
      s.events++;
      const objectRv: unknown = object?.metadata?.resourceVersion;
      if (type === 'BOOKMARK') {
        if (typeof objectRv === 'string' && objectRv !== '') s.rv = objectRv;
        return;
      }
      if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') return;
      let event: ClusterEvent;
      try {
        const change = type === 'DELETED' ? 'delete' : 'upsert';
        event = kind === 'node' ? { kind, type: change, node: this.source.toNode(object) } : { kind, type: change, pod: this.source.toPod(object) };
      } catch (err) {
        this.source.log?.warn('kube watch: skipped an object it could not read', { kind, error: errorMessage(err) });
        return;
      }
      if (typeof objectRv === 'string' && objectRv !== '') s.rv = objectRv;
      this.deliver(event);
    };

    const done = (err?: unknown) => {
      if (!live()) return;
      s.closed = true;
      if (codeOf(err) === 410) {
        void this.relist();
        return;
      }
      // A stream that ends at once with nothing in it counts as a failure, so it cannot spin.
      if (!err && s.events === 0 && Date.now() - s.startedAt < 1000) err = new Error('watch closed at once');
      this.resume(s, err ?? undefined);
    };

    // Server-side timeouts spread reconnections, as client-go's reflector does.
    const params = { resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds: 300 + Math.floor(Math.random() * 300) };
    this.source.watch(PATHS[kind], params, onEvent, done).then(
      (controller) => {
        s.controller = controller;
        s.establishedAt = Date.now();
        if (!live()) controller.abort();
      },
      (err) => done(err),
    );
  }

  /** A dropped or ended stream resumes from its last version; repeated failures back off. */
  private resume(s: Stream, err: unknown): void {
    // A stream that stayed up a while was healthy, even if quiet: its drop is a first failure. So is
    // one the server accepted and a proxy cut after a second (it cannot spin): backing those off would
    // leave the bot blind for minutes behind a load balancer that drops connections.
    if (Date.now() - s.startedAt >= HEALTHY_STREAM_MS || (s.establishedAt !== undefined && Date.now() - s.establishedAt >= ESTABLISHED_STREAM_MS)) this.failures[s.kind] = 0;
    const failures = err === undefined ? 0 : ++this.failures[s.kind];
    const delay = failures <= 1 ? 0 : backoffMs(failures - 1);
    if (err !== undefined && failures > 1) {
      this.source.log?.warn('kube watch: stream failed, resuming', { kind: s.kind, rv: s.rv, error: errorMessage(err), retryInMs: delay });
    }
    this.later(delay, () => {
      if (s.gen === this.gen) this.start(s.kind, s.rv, s.gen);
    });
  }
}
