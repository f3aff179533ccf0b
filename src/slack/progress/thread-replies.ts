// A run's thread replies (a blocked drain, a failed node, the summary): posted in the order they were
// asked for, each after the one before; a 429 delays a reply, never drops it.
import { setTimeout as delay } from 'node:timers/promises';
import { errorMessage } from '../../engine/errors.js';
import type { Logger } from '../../log.js';
import type { Message } from '../blocks/kit.js';
import type { ChatApi } from './chat-api.js';
import type { RateLimiter } from './rate-limiter.js';
import type { RetryPolicy } from './retry-policy.js';
import type { Workload } from './workload.js';

/** Attempts at one reply before giving up on an error that is not a 429. */
const MAX_ATTEMPTS = 5;
const METHOD = 'chat.postMessage';

export interface ThreadRepliesOptions {
  runId: string;
  client: ChatApi;
  limiter: RateLimiter;
  retry: RetryPolicy;
  /** Counts each reply as work until it is posted or given up. */
  work: Workload;
  log: Logger;
}

export class ThreadReplies {
  private last: Promise<void> = Promise.resolve();

  constructor(private readonly o: ThreadRepliesOptions) {}

  /** Renders when its turn comes (the state then), posts, then calls posted(). */
  add(channel: string, threadTs: string, render: () => Promise<Message | undefined>, posted?: () => void): void {
    this.last = this.o.work.track(
      this.last
        .then(async () => {
          const msg = await render();
          if (msg) await this.post(channel, threadTs, msg);
          posted?.();
        })
        .catch((err) => this.o.log.error('thread reply failed', { runId: this.o.runId, error: errorMessage(err) })),
    );
  }

  private async post(channel: string, threadTs: string, msg: Message): Promise<void> {
    for (let failures = 0; ; ) {
      await this.o.limiter.acquire(METHOD);
      try {
        await this.o.client.chat.postMessage({ channel, thread_ts: threadTs, text: msg.text, blocks: msg.blocks });
        return;
      } catch (err) {
        const decision = this.o.retry.decide(err, failures + 1, MAX_ATTEMPTS);
        if (decision.kind === 'give-up') throw err;
        if (decision.kind === 'rate-limited') {
          this.o.limiter.holdBack(METHOD, decision.retryAfterMs);
          this.o.log.warn('Slack rate limit: holding back', { method: METHOD, retryAfterMs: decision.retryAfterMs });
          continue;
        }
        failures++;
        this.o.log.warn('thread reply failed; will retry', { runId: this.o.runId, attempt: failures, error: errorMessage(err) });
        await delay(decision.delayMs);
      }
    }
  }
}
