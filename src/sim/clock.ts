// Clocks for the simulated world. VirtualClock jumps from timer to timer (tests, benchmarks);
// PacedClock runs simulated time at a multiple of real time (the live demo).
import TinyQueue from 'tinyqueue';
import type { Clock } from '../engine/ports.js';
import { sleepOn } from '../real-clock.js';

export interface SimClock extends Clock {
  /** Runs fn at atMs (or at once if atMs is past, on the next tick). Returns a cancel function. */
  schedule(atMs: number, fn: () => void): () => void;
}

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** Earlier time first; same time: insertion order. */
const byTime = (a: Timer, b: Timer) => a.at - b.at || a.seq - b.seq;

export class VirtualClock implements SimClock {
  private nowMs: number;
  private readonly timers = new TinyQueue<Timer>([], byTime);
  private seq = 0;
  private live = 0;

  constructor(startMs: number = Date.UTC(2026, 0, 1)) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  /** Timers not yet fired nor cancelled. */
  get pendingTimers(): number {
    return this.live;
  }

  /** When the earliest pending timer is due, if any. */
  nextAt(): number | undefined {
    this.dropCancelled();
    return this.timers.peek()?.at;
  }

  schedule(atMs: number, fn: () => void): () => void {
    const timer: Timer = { at: Math.max(atMs, this.nowMs), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    this.live++;
    return () => {
      if (!timer.cancelled) {
        timer.cancelled = true;
        this.live--;
      }
    };
  }

  after(ms: number, fn: () => void): () => void {
    return this.schedule(this.nowMs + Math.max(0, ms), fn);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  /**
   * Jumps to the earliest pending timer and fires every timer due at that instant, in insertion
   * order (including timers those callbacks add for the same instant). False when none is pending.
   */
  advance(): boolean {
    this.dropCancelled();
    const first = this.timers.peek();
    if (!first) return false;
    const at = first.at;
    this.nowMs = at;
    for (;;) {
      this.dropCancelled();
      const top = this.timers.peek();
      if (!top || top.at !== at) break;
      this.timers.pop();
      top.cancelled = true;
      this.live--;
      top.fn();
    }
    return true;
  }

  private dropCancelled(): void {
    while (this.timers.peek()?.cancelled) this.timers.pop();
  }
}

const macrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Drives a VirtualClock until done() holds: between jumps it yields a macrotask so every
 * in-process promise chain (engine, world, watchers) settles. 'idle' when no timer is left,
 * 'limit' when the next timer lies beyond maxSimMs from the start.
 */
export async function runUntil(
  clock: VirtualClock,
  done: () => boolean,
  opts: { maxSimMs?: number; quiesce?: () => Promise<void> } = {},
): Promise<'done' | 'idle' | 'limit'> {
  const deadline = opts.maxSimMs === undefined ? Infinity : clock.now() + opts.maxSimMs;
  for (;;) {
    await macrotask();
    // Real I/O (a data file) is not on the virtual clock: time stands still until it is done.
    if (opts.quiesce) await opts.quiesce();
    if (done()) return 'done';
    const next = clock.nextAt();
    if (next === undefined) return 'idle';
    if (next > deadline) return 'limit';
    clock.advance();
  }
}

/**
 * Simulated time at `speed` simulated seconds per real second. Created `paused`, it stands at its
 * start until resume(): a test can ask and approve at a known simulated time however long that takes
 * on a busy machine, and only then let time run.
 *
 * `skipStalls`, for a world and a bot that share this clock in one process: time the process could not
 * run (a busy machine starving it, a long synchronous stretch) is not counted, so at 2000× a one-second
 * stall is not half an hour of simulated time in which nothing could happen and every timeout falls
 * due. Not for a clock that must agree with another process's (open-world.ts): that one only has the
 * wall clock to agree on.
 *
 * `livedIn`: the people using it live in its time (tests that act as the people of the world): it
 * reports no pace, so times are shown to them as real ones.
 */
export class PacedClock implements SimClock {
  private realStart = performance.now();
  private paused: boolean;
  /** Real time of the last look at the clock; a longer gap than STALL_MS since is a stall. */
  private lastSeen = performance.now();
  private readonly skipStalls: boolean;
  private readonly livedIn: boolean;
  /**
   * One queue for every timer, and one real timer for its head: timers due close together fire in
   * their simulated order. A real timer each would fire in the order real-time jitter gives them
   * (rounding to whole ms, early wake-ups that re-arm), so the world's events would not keep theirs.
   */
  private readonly timers = new TinyQueue<Timer>([], byTime);
  private seq = 0;
  private live = 0;
  private wake?: { at: number; cancel: () => void };

  constructor(
    readonly speed: number,
    private readonly startMs: number = Date.UTC(2026, 0, 1),
    opts: { paused?: boolean; skipStalls?: boolean; livedIn?: boolean } = {},
  ) {
    if (!(speed > 0)) throw new RangeError(`PacedClock speed must be > 0, got ${speed}`);
    this.paused = opts.paused === true;
    this.skipStalls = opts.skipStalls === true;
    this.livedIn = opts.livedIn === true;
    if (this.skipStalls) heartbeat(this);
  }

  /** As the Clock port says: how much faster than real time it runs. */
  get pace(): number | undefined {
    return this.livedIn ? undefined : this.speed;
  }

  /** Lets a paused clock run from its start. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.realStart = this.lastSeen = performance.now();
    this.arm();
  }

  now(): number {
    return this.paused ? this.startMs : Math.floor(this.startMs + (this.real() - this.realStart) * this.speed);
  }

  /** Real time now; a stall seen since the last look is taken out of the clock's time (when skipping them). */
  real(): number {
    const t = performance.now();
    if (this.skipStalls && t - this.lastSeen > STALL_MS) this.realStart += t - this.lastSeen - STALL_MS;
    this.lastSeen = t;
    return t;
  }

  /** While paused, the whole wait is still ahead once the clock runs (its time stands at the start). */
  after(ms: number, fn: () => void): () => void {
    return this.schedule(this.now() + Math.max(0, ms), fn);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  schedule(atMs: number, fn: () => void): () => void {
    const timer: Timer = { at: atMs, seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    this.live++;
    this.arm();
    return () => {
      if (timer.cancelled) return;
      timer.cancelled = true;
      // Nothing left to wait for: no real timer keeps the process alive.
      if (--this.live === 0) this.disarm();
    };
  }

  /** Sets the real timer for the earliest pending timer, unless one is set for it or earlier. */
  private arm(): void {
    if (this.paused) return;
    while (this.timers.peek()?.cancelled) this.timers.pop();
    const head = this.timers.peek();
    if (!head) return this.disarm();
    if (this.wake && this.wake.at <= head.at) return;
    this.disarm();
    const left = head.at - this.now();
    // One timer per macrotask, as separate real timers had it: the promises a callback settles run
    // before the next one fires.
    if (left <= 0) {
      const h = setImmediate(() => this.fire());
      this.wake = { at: head.at, cancel: () => clearImmediate(h) };
    } else {
      // A skipped stall leaves a real timer early: fire() finds nothing due and waits out the rest.
      const h = setTimeout(() => this.fire(), left / this.speed);
      this.wake = { at: head.at, cancel: () => clearTimeout(h) };
    }
  }

  private disarm(): void {
    this.wake?.cancel();
    this.wake = undefined;
  }

  private fire(): void {
    this.wake = undefined;
    while (this.timers.peek()?.cancelled) this.timers.pop();
    const head = this.timers.peek();
    try {
      if (head && head.at <= this.now()) {
        this.timers.pop();
        head.cancelled = true;
        this.live--;
        head.fn();
      }
    } finally {
      this.arm();
    }
  }

}

/** Longest gap between two looks at a stall-skipping clock that still counts as time passing. */
const STALL_MS = 50;

/** Looks at the clock while the process is idle, so that only a gap the process could not run is a stall. */
function heartbeat(clock: PacedClock): void {
  const ref = new WeakRef(clock);
  const timer = setInterval(() => {
    const c = ref.deref();
    if (c) c.real();
    else clearInterval(timer);
  }, STALL_MS / 2);
  timer.unref();
}
