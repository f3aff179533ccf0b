// A run's thread replies (a blocked drain, a failed node, the summary): posted in the order they were
// asked for, each after the one before; a 429 delays a reply, never drops it.
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { errorMessage } from '../../engine/errors.js';
import type { Logger } from '../../log.js';
import type { Message } from '../blocks/kit.js';
import type { ChatApi } from './chat-api.js';
import type { RateLimiter } from './rate-limiter.js';
import type { RetryPolicy } from './retry-policy.js';
import { slackErrorCode } from '../slack-errors.js';
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
    // A call whose answer is lost may have been carried out: the reply is looked for by this mark
    // before it is posted again, so that a lost answer does not make it appear twice.
    const mark = `mng-reply-${randomUUID()}`;
    const blocks = marked(msg.blocks, mark);
    let unsure = false;
    for (let failures = 0; ; ) {
      if (unsure && blocks !== msg.blocks && (await this.inThread(channel, threadTs, mark))) return;
      await this.o.limiter.acquire(METHOD);
      try {
        await this.o.client.chat.postMessage({ channel, thread_ts: threadTs, text: msg.text, blocks });
        return;
      } catch (err) {
        // Slack answered (an error code, a 429): it did not post. No answer: it may have.
        unsure = slackErrorCode(err) === undefined;
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

  /** Whether a reply with this mark is in the thread; false when the thread cannot be read (it is posted again). */
  private async inThread(channel: string, threadTs: string, mark: string): Promise<boolean> {
    if (!this.o.client.conversations) return false;
    try {
      const res = await this.o.client.conversations.replies({ channel, ts: threadTs, limit: 1000 });
      return (res.messages ?? []).some((m) => JSON.stringify(m.blocks ?? []).includes(mark));
    } catch (err) {
      this.o.log.info('could not read the thread to see whether a reply got there', { runId: this.o.runId, error: errorMessage(err) });
      return false;
    }
  }
}

/** The blocks with the mark as the block_id of the first block that has none (the same blocks if all have one). */
function marked(blocks: Message['blocks'], mark: string): Message['blocks'] {
  const i = blocks?.findIndex((b) => b.block_id === undefined) ?? -1;
  if (!blocks || i < 0) return blocks;
  return blocks.map((b, k) => (k === i ? { ...b, block_id: mark } : b));
}
