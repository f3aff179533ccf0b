// The part of Slack's Web API client the progress reporter uses. Give it a client that rejects
// rate-limited calls (rejectRateLimitedCalls, no retries): the reporter decides what to resend, and when.
import type { Block } from '../blocks/kit.js';

export interface ChatApi {
  chat: {
    postMessage(args: { channel: string; text: string; blocks?: Block[]; thread_ts?: string }): Promise<{ ts?: string }>;
    update(args: { channel: string; ts: string; text: string; blocks?: Block[] }): Promise<unknown>;
    /** A link to a message, for replies that point at one. */
    getPermalink?(args: { channel: string; message_ts: string }): Promise<{ permalink?: string }>;
  };
  /** Reads a thread: finds a progress message whose ts a stopped bot posted but never recorded. */
  conversations?: {
    replies(args: { channel: string; ts: string; limit?: number }): Promise<{ messages?: { ts?: string; blocks?: unknown[] }[] }>;
  };
}
