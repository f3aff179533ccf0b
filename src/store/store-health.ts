// Whether the store's writes reach the disk, for /healthz and the logs. A failed write makes the store
// unhealthy until a write succeeds again; while nothing else writes, a probe (the durable document
// written again) is tried with a growing backoff, so that recovery is noticed without traffic.

export interface StoreHealth {
  ok: boolean;
  /** What is wrong, in words. */
  problem?: string;
  /** Since when (ms since the epoch, the store's clock). */
  since?: number;
}

export const PROBE_FIRST_MS = 1_000;
export const PROBE_MAX_MS = 60_000;

export class WriteHealth {
  private failure?: { problem: string; since: number };
  private delayMs = PROBE_FIRST_MS;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly now: () => number,
    /** Starts a probe write unless a write is under way (whose outcome will tell). */
    private readonly probe: () => void,
  ) {}

  get(): StoreHealth {
    return this.failure ? { ok: false, ...this.failure } : { ok: true };
  }

  failed(problem: string): void {
    this.failure = { problem, since: this.failure?.since ?? this.now() };
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.probe();
    }, this.delayMs);
    this.timer.unref();
    this.delayMs = Math.min(PROBE_MAX_MS, this.delayMs * 2);
  }

  succeeded(): void {
    this.failure = undefined;
    this.delayMs = PROBE_FIRST_MS;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
