// Fan-out of cluster changes to watchers: a resync first, then every change in order, each
// delivered asynchronously (a microtask), as a real watch delivers off the caller's stack.
import type { ClusterEvent, ClusterWatch } from '../engine/ports.js';

interface Watcher {
  onEvent: (event: ClusterEvent) => void;
  queue: ClusterEvent[];
  flushing: boolean;
  stopped: boolean;
  /** Resolves `ready` once the first resync is delivered. */
  onFirstResync?: () => void;
}

export type Snapshot = () => Extract<ClusterEvent, { kind: 'resync' }>;

export class WatchHub {
  private readonly watchers = new Set<Watcher>();

  constructor(private readonly snapshot: Snapshot) {}

  /** Anyone listening? Callers skip building event copies when not. */
  get active(): boolean {
    return this.watchers.size > 0;
  }

  emit(event: ClusterEvent): void {
    for (const w of this.watchers) this.enqueue(w, event);
  }

  watch(onEvent: (event: ClusterEvent) => void): ClusterWatch {
    let resolveReady!: () => void;
    const ready = new Promise<void>((r) => (resolveReady = r));
    const w: Watcher = { onEvent, queue: [], flushing: false, stopped: false, onFirstResync: resolveReady };
    this.watchers.add(w);
    this.enqueue(w, this.snapshot());
    return {
      ready,
      stop: () => {
        w.stopped = true;
        w.queue.length = 0;
        this.watchers.delete(w);
        w.onFirstResync?.();
      },
    };
  }

  /** As after a 410 Gone: every watcher receives a fresh resync (queued changes before it still arrive). */
  dropAll(): void {
    for (const w of this.watchers) this.enqueue(w, this.snapshot());
  }

  private enqueue(w: Watcher, event: ClusterEvent): void {
    w.queue.push(event);
    if (w.flushing) return;
    w.flushing = true;
    queueMicrotask(() => this.flush(w));
  }

  private flush(w: Watcher): void {
    let failure: unknown;
    // Events queued by a handler while flushing are delivered in the same pass, in order.
    for (let i = 0; i < w.queue.length && !w.stopped; i++) {
      const event = w.queue[i];
      try {
        w.onEvent(event);
      } catch (err) {
        failure ??= err;
      }
      if (event.kind === 'resync' && w.onFirstResync) {
        w.onFirstResync();
        w.onFirstResync = undefined;
      }
    }
    w.queue.length = 0;
    w.flushing = false;
    if (failure !== undefined) {
      // A handler's bug must not be swallowed, nor stop delivery to others.
      queueMicrotask(() => {
        throw failure;
      });
    }
  }
}
