// One Slack message kept showing the latest state of a run: posted by the first call when it has no
// ts yet, edited after. Changes coalesce: a mark() while a call is due or in flight only makes the
// next call render the state as it is then, so a fast run skips states rather than queueing them.
// The next call waits for its slot (RateLimiter) before it renders; failed calls follow RetryPolicy,
// with more attempts once the state is final.
import { errorMessage } from '../../engine/errors.js';
import type { Logger } from '../../log.js';
import type { Message } from '../blocks/kit.js';
import type { ChatApi } from './chat-api.js';
import type { RateLimiter } from './rate-limiter.js';
import type { RetryPolicy } from './retry-policy.js';
import type { Workload } from './workload.js';

export interface EditRecord {
  kind: 'parent' | 'progress';
  runId: string;
  ts: string;
  /** Real time (performance.now()) the Web API call was made; two calls for one message are minIntervalMs apart or more. */
  startedAt: number;
  /** Real ms from each engine event this edit was the first to show, to the edit's answer. */
  latenciesMs: number[];
  final: boolean;
}

/** Attempts at a state that is not final before giving up on it (a later change tries again). */
const MAX_ATTEMPTS = 3;

export interface MessageEditorOptions {
  kind: 'parent' | 'progress';
  runId: string;
  channel: string;
  /** The message, when it is posted already. */
  ts?: string;
  /** Where a message without a ts is posted. */
  threadTs?: string;
  /** The state to show now; undefined: nothing to show (the run is gone). */
  render: () => Promise<Message | undefined>;
  /** Looked up once before posting: a message for this run posted by an earlier process. */
  findExisting?: () => Promise<string | undefined>;
  /** The message got its ts (posted, or found). */
  onTs?: (ts: string) => void;
  onEdit?: (e: EditRecord) => void;
  client: ChatApi;
  limiter: RateLimiter;
  retry: RetryPolicy;
  /** Attempts at the final state before giving up on an error that is not a 429. */
  maxFinalAttempts: number;
  /** Counts this editor as busy while it has a state to show. */
  work: Workload;
  log: Logger;
}

export class MessageEditor {
  private tsNow?: string;
  private deadNow = false;
  private looked = false;
  private timer?: NodeJS.Timeout;
  private inflight = false;
  private dirty = false;
  private final = false;
  private failures = 0;
  /** Real times of the events not yet shown. */
  private pending: number[] = [];
  /** Whether this editor counts in o.work. */
  private counted = false;
  private readonly stopped = new AbortController();
  private readonly key: string;

  constructor(private readonly o: MessageEditorOptions) {
    this.tsNow = o.ts;
    this.key = `${o.kind}:${o.runId}`;
  }

  get ts(): string | undefined {
    return this.tsNow;
  }

  /** Gave up for good (the message is gone, the bot may not post there), or cancelled. */
  get dead(): boolean {
    return this.deadNow;
  }

  /** The state at real time `at` (an event's) is to be shown; `final`: it is the run's last. */
  mark(at: number, final: boolean): void {
    if (this.deadNow) return;
    this.dirty = true;
    this.pending.push(at);
    if (final) this.final = true;
    this.schedule();
  }

  cancel(): void {
    this.die();
  }

  private get busy(): boolean {
    return !this.deadNow && (this.inflight || this.timer !== undefined || this.dirty);
  }

  private die(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.deadNow = true;
    this.stopped.abort();
    this.o.limiter.forget(this.key);
    this.count();
  }

  /** Keeps o.work in step with busy: the one place waiters learn that this message shows its latest state. */
  private count(): void {
    const busy = this.busy;
    if (busy === this.counted) return;
    this.counted = busy;
    if (busy) this.o.work.begin();
    else this.o.work.end();
  }

  private get method(): string {
    return this.tsNow ? 'chat.update' : 'chat.postMessage';
  }

  /** Sets one timer for the slot; rendering waits until then, so it shows the state as it is at the call. */
  private schedule(): void {
    if (!this.inflight && !this.timer && this.dirty && !this.deadNow) {
      this.timer = setTimeout(
        () => {
          this.timer = undefined;
          void this.fire();
        },
        this.o.limiter.msUntil(this.method, this.key),
      );
    }
    this.count();
  }

  private async fire(): Promise<void> {
    if (!this.dirty || this.deadNow) return this.count();
    this.dirty = false;
    const events = this.pending;
    this.pending = [];
    this.inflight = true;
    let method = this.method;
    try {
      const msg = await this.o.render();
      if (msg && !this.tsNow && this.o.findExisting && !this.looked) {
        this.looked = true;
        const found = await this.o.findExisting();
        if (found) this.gotTs(found);
      }
      if (msg) {
        method = this.method;
        // Checked again here, at the call, not only when the timer was set: rendering may take any
        // time, and a 429 for the method may have come in meanwhile.
        const sentAt = await this.o.limiter.acquire(method, this.key, this.stopped.signal);
        if (this.tsNow) {
          await this.o.client.chat.update({ channel: this.o.channel, ts: this.tsNow, text: msg.text, blocks: msg.blocks });
        } else {
          const res = await this.o.client.chat.postMessage({
            channel: this.o.channel,
            text: msg.text,
            blocks: msg.blocks,
            ...(this.o.threadTs ? { thread_ts: this.o.threadTs } : {}),
          });
          if (!res.ts) throw new Error('chat.postMessage answered without a ts');
          this.gotTs(res.ts);
        }
        const done = performance.now();
        this.o.onEdit?.({
          kind: this.o.kind,
          runId: this.o.runId,
          ts: this.tsNow!,
          startedAt: sentAt,
          latenciesMs: events.map((e) => done - e),
          final: this.final && !this.dirty,
        });
      }
      this.failures = 0;
    } catch (err) {
      if (!this.deadNow) this.failed(err, method, events);
    } finally {
      this.inflight = false;
      this.schedule();
    }
  }

  private failed(err: unknown, method: string, events: number[]): void {
    const context = { runId: this.o.runId, kind: this.o.kind, error: errorMessage(err) };
    const decision = this.o.retry.decide(err, this.failures + 1, this.final ? this.o.maxFinalAttempts : MAX_ATTEMPTS);
    switch (decision.kind) {
      case 'rate-limited':
        this.o.limiter.holdBack(method, decision.retryAfterMs);
        this.o.log.warn('Slack rate limit: holding back', { method, retryAfterMs: decision.retryAfterMs });
        this.requeue(events);
        break;
      case 'retry':
        this.failures++;
        this.o.limiter.backOff(this.key, decision.delayMs);
        this.o.log.warn('Slack message update failed; will retry', { ...context, failures: this.failures });
        this.requeue(events);
        break;
      case 'give-up':
        if (decision.permanent) {
          this.o.log.warn('giving up on a Slack message', context);
          this.die();
        } else {
          this.o.log.error('Slack message update failed; giving up on this state', context);
          this.failures = 0;
        }
        break;
    }
  }

  private gotTs(ts: string): void {
    this.tsNow = ts;
    this.o.onTs?.(ts);
  }

  /** The events of a call that failed are shown by the next one. */
  private requeue(events: number[]): void {
    this.dirty = true;
    this.pending = [...events, ...this.pending];
  }
}
