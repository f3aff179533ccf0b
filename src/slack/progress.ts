// Keeps Slack in step with runs: subscribes to engine events, edits the plan message (status) and
// one progress message in its thread, at most once a second each, and posts thread replies where a
// person must act or deserves a record. A 429's Retry-After holds back every call of that method;
// the final state is retried until it is shown. Coalescing runs on real timers: the engine's clock
// may be simulated, Slack's rate limits are not.
import type { ProgressEvent } from '../engine/events.js';
import { errorMessage } from '../engine/errors.js';
import type { GroupRef } from '../engine/ports.js';
import type { Run } from '../engine/run.js';
import { isTerminal, TERMINAL_STATUSES } from '../engine/run.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import type { Window } from '../schedule/windows.js';
import type { Block, Message } from './blocks/kit.js';
import { planMessage } from './blocks/plan.js';
import { progressBlockId, progressMessage } from './blocks/progress.js';
import { blockedMessage, decisionMessage, nodeFailedMessage, noticeMessage, summaryMessage } from './blocks/thread.js';
import { isPermanentSlackError, retryAfterMs } from './slack-errors.js';

/** Where a run shows in Slack; kept on the run as run.notify. */
export interface Coords {
  channel: string;
  planTs?: string;
  threadTs?: string;
  progressTs?: string;
  /** The run's end is in Slack (messages final, summary posted): nothing left to catch up on. */
  finalShown?: boolean;
}

/** A bot that stopped after a run ended but before Slack showed it catches up if it is back within this. */
const CATCH_UP_MS = 24 * 3_600_000;

/** The part of Slack's Web API client the reporter uses. */
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

/** The part of the engine the reporter uses. setNotify, when the engine has it, keeps coordinates across restarts. */
export interface ReporterEngine {
  get(runId: string): Promise<Run | undefined>;
  list(filter?: { statuses?: readonly Run['status'][] }): Promise<Run[]>;
  onEvent(listener: (e: ProgressEvent) => void): () => void;
  setNotify?(runId: string, notify: NonNullable<Run['notify']>): Promise<unknown>;
}

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

export interface ProgressReporterOptions {
  engine: ReporterEngine;
  /** Give it a client that rejects rate-limited calls, so that the reporter decides what to resend. */
  client: ChatApi;
  /** The engine's clock: times shown in messages. */
  clock: { now(): number };
  log?: Logger;
  /** Shortest real time between two edits of one message; 1000 by default. */
  minIntervalMs?: number;
  /** Attempts at the final state before giving up on an error that is not a 429; 10 by default. */
  maxFinalAttempts?: number;
  /** Node failures that get their own reply; further ones are only counted in the progress message. */
  maxFailureReplies?: number;
  onEdit?: (e: EditRecord) => void;
  /** A node group's maintenance windows, so the plan message can say when a run may start. */
  windowsFor?: (ref: GroupRef) => readonly Window[];
}

const realNow = () => performance.now();
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

type Render = () => Promise<Message | undefined>;

/** One Slack message kept up to date: posted by the first attempt when it has no ts yet, edited after. */
class Editor {
  ts?: string;
  dead = false;
  /** Looked in the thread for a progress message posted before a restart. */
  private looked = false;
  private timer?: NodeJS.Timeout;
  private inflight = false;
  private dirty = false;
  private final = false;
  /** Real time the last Web API call for this message was made: the spacing counts from there. */
  private lastSentAt = -Infinity;
  private retryAt = 0;
  private failures = 0;
  private pending: number[] = [];

  constructor(
    private readonly r: ProgressReporter,
    readonly kind: 'parent' | 'progress',
    readonly runId: string,
    readonly channel: string,
    ts: string | undefined,
    private readonly threadTs: string | undefined,
    private readonly render: Render,
  ) {
    this.ts = ts;
  }

  get busy(): boolean {
    return !this.dead && (this.inflight || this.timer !== undefined || this.dirty);
  }

  mark(at: number, final: boolean): void {
    if (this.dead) return;
    this.dirty = true;
    this.pending.push(at);
    if (final) this.final = true;
    this.schedule();
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.dead = true;
  }

  /** The earliest real time the next call of this method may be made. */
  private dueAt(method: string): number {
    return Math.max(this.lastSentAt + this.r.minIntervalMs, this.r.blockedUntil(method), this.retryAt);
  }

  private schedule(): void {
    if (this.inflight || this.timer || !this.dirty || this.dead) return;
    const method = this.ts ? 'chat.update' : 'chat.postMessage';
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.fire();
    }, Math.max(0, this.dueAt(method) - realNow()));
  }

  /**
   * Waits until the call may be made, then stamps it. Checked here, at the call, and not only when
   * the timer was set: rendering reads the store first and may take any time, a timer may fire a
   * little early against performance.now(), and a 429 for the method may have come in meanwhile.
   */
  private async spaced(method: string): Promise<number> {
    for (;;) {
      const now = realNow();
      // The spacing in the very terms it is promised in (now − last ≥ interval), and that same now is the stamp.
      if (now - this.lastSentAt >= this.r.minIntervalMs && now >= this.r.blockedUntil(method) && now >= this.retryAt) {
        this.lastSentAt = now;
        return now;
      }
      await sleep(Math.max(1, this.dueAt(method) - now));
    }
  }

  private async fire(): Promise<void> {
    if (!this.dirty || this.dead) return;
    this.dirty = false;
    const events = this.pending;
    this.pending = [];
    this.inflight = true;
    let method = this.ts ? 'chat.update' : 'chat.postMessage';
    try {
      const msg = await this.render();
      if (msg && !this.ts && this.kind === 'progress' && this.threadTs && !this.looked) {
        this.looked = true;
        this.ts = await this.r.findProgress(this.channel, this.threadTs, this.runId);
        if (this.ts) this.r.setCoords(this.runId, { channel: this.channel, progressTs: this.ts });
      }
      if (msg) {
        method = this.ts ? 'chat.update' : 'chat.postMessage';
        const sentAt = await this.spaced(method);
        if (this.dead) return;
        if (this.ts) {
          await this.r.client.chat.update({ channel: this.channel, ts: this.ts, text: msg.text, blocks: msg.blocks });
        } else {
          const res = await this.r.client.chat.postMessage({
            channel: this.channel,
            text: msg.text,
            blocks: msg.blocks,
            ...(this.threadTs ? { thread_ts: this.threadTs } : {}),
          });
          if (!res.ts) throw new Error('chat.postMessage answered without a ts');
          this.ts = res.ts;
          this.r.setCoords(this.runId, { channel: this.channel, progressTs: res.ts });
        }
        const done = realNow();
        this.r.recorded({ kind: this.kind, runId: this.runId, ts: this.ts, startedAt: sentAt, latenciesMs: events.map((e) => done - e), final: this.final && !this.dirty });
      }
      this.failures = 0;
      this.retryAt = 0;
    } catch (err) {
      const wait = retryAfterMs(err);
      if (wait !== undefined) {
        this.r.block(method, wait);
        this.requeue(events);
      } else if (isPermanentSlackError(err)) {
        this.dead = true;
        this.r.log.warn('giving up on a Slack message', { runId: this.runId, kind: this.kind, error: errorMessage(err) });
      } else {
        this.failures++;
        const limit = this.final ? this.r.maxFinalAttempts : 3;
        if (this.failures < limit) {
          this.requeue(events);
          this.retryAt = realNow() + Math.min(30_000, this.r.minIntervalMs * 2 ** this.failures);
          this.r.log.warn('Slack message update failed; will retry', { runId: this.runId, kind: this.kind, failures: this.failures, error: errorMessage(err) });
        } else {
          this.r.log.error('Slack message update failed; giving up on this state', { runId: this.runId, kind: this.kind, error: errorMessage(err) });
          this.failures = 0;
        }
      }
    } finally {
      this.inflight = false;
      this.schedule();
    }
  }

  private requeue(events: number[]): void {
    this.dirty = true;
    this.pending = [...events, ...this.pending];
  }
}

interface Slot {
  runId: string;
  loaded: boolean;
  coords?: Coords;
  approved: boolean;
  parent?: Editor;
  progress?: Editor;
  warnings: string[];
  failureReplies: number;
  replies: Promise<void>;
}

export class ProgressReporter {
  readonly client: ChatApi;
  readonly log: Logger;
  readonly minIntervalMs: number;
  readonly maxFinalAttempts: number;
  private readonly engine: ReporterEngine;
  private readonly clock: { now(): number };
  private readonly maxFailureReplies: number;
  private readonly onEdit?: (e: EditRecord) => void;
  private readonly windowsFor?: (ref: GroupRef) => readonly Window[];
  private readonly slots = new Map<string, Slot>();
  private readonly known = new Map<string, Coords>();
  private readonly blocked = new Map<string, number>();
  private chain: Promise<void> = Promise.resolve();
  private pendingWork = 0;
  private unsubscribe?: () => void;

  constructor(opts: ProgressReporterOptions) {
    this.engine = opts.engine;
    this.client = opts.client;
    this.clock = opts.clock;
    this.log = opts.log ?? silentLogger;
    this.minIntervalMs = opts.minIntervalMs ?? 1000;
    this.maxFinalAttempts = opts.maxFinalAttempts ?? 10;
    this.maxFailureReplies = opts.maxFailureReplies ?? 10;
    this.onEdit = opts.onEdit;
    this.windowsFor = opts.windowsFor;
  }

  start(): void {
    if (this.unsubscribe) return;
    this.unsubscribe = this.engine.onEvent((e) => this.onEvent(e));
  }

  /**
   * Shows the end of runs that ended while their end was not yet in Slack (the bot stopped between
   * saving the final state and showing it): a final edit of their messages and the summary reply.
   */
  async catchUp(): Promise<string[]> {
    const now = this.clock.now();
    const missed = (await this.engine.list({ statuses: TERMINAL_STATUSES })).filter(
      (r) => r.approvedBy && r.notify?.channel && !r.notify.finalShown && (r.finishedAt ?? 0) > now - CATCH_UP_MS,
    );
    for (const run of missed) {
      this.onEvent({ runId: run.id, at: run.finishedAt ?? now, kind: 'status', status: run.status, detail: run.outcome?.summary ?? run.status });
    }
    return missed.map((r) => r.id);
  }

  /** Stops listening, then waits (up to flushMs) for what is queued to reach Slack, final states included. */
  async stop(flushMs = 5000): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.idle(flushMs).catch((err) => this.log.warn('progress flush incomplete', { error: errorMessage(err) }));
    for (const s of this.slots.values()) {
      s.parent?.cancel();
      s.progress?.cancel();
    }
  }

  /** Resolves when every event has been handled and every message shows its latest state. */
  async idle(timeoutMs = 30_000): Promise<void> {
    const deadline = realNow() + timeoutMs;
    for (;;) {
      const busy = this.pendingWork > 0 || [...this.slots.values()].some((s) => s.parent?.busy || s.progress?.busy);
      if (!busy) return;
      if (realNow() > deadline) throw new Error('progress reporter still busy');
      await sleep(10);
    }
  }

  /** Records where a run shows; kept on the run when the engine can (setNotify). */
  setCoords(runId: string, patch: Partial<Coords> & { channel: string }): void {
    const merged: Coords = { ...this.known.get(runId), ...patch };
    this.known.set(runId, merged);
    const slot = this.slots.get(runId);
    if (slot) slot.coords = { ...slot.coords, ...merged };
    if (this.engine.setNotify) {
      this.engine.setNotify(runId, merged).catch((err) => this.log.warn('could not store Slack coordinates on the run', { runId, error: errorMessage(err) }));
    }
  }

  /** Where the run shows, from the run record and what this process learnt since. */
  coordsOf(run: Run): Coords | undefined {
    const mine = this.known.get(run.id);
    const channel = mine?.channel ?? run.notify?.channel;
    if (!channel) return undefined;
    return { ...run.notify, ...mine, channel };
  }

  /** The ts of the run's progress message in the thread, if one is there already. */
  async findProgress(channel: string, threadTs: string, runId: string): Promise<string | undefined> {
    if (!this.client.conversations) return undefined;
    try {
      const res = await this.client.conversations.replies({ channel, ts: threadTs, limit: 200 });
      const marker = progressBlockId(runId);
      return res.messages?.find((m) => m.ts !== threadTs && JSON.stringify(m.blocks ?? []).includes(marker))?.ts;
    } catch (err) {
      // Without channels:history (or groups:history) the thread cannot be read: post a new message.
      this.log.info('could not look for an earlier progress message in the thread', { runId, error: errorMessage(err) });
      return undefined;
    }
  }

  blockedUntil(method: string): number {
    return this.blocked.get(method) ?? 0;
  }

  block(method: string, ms: number): void {
    const until = realNow() + ms;
    if (until > this.blockedUntil(method)) this.blocked.set(method, until);
    this.log.warn('Slack rate limit: holding back', { method, retryAfterMs: ms });
  }

  recorded(e: EditRecord): void {
    this.onEdit?.(e);
  }

  private onEvent(e: ProgressEvent): void {
    const at = realNow();
    this.pendingWork++;
    // One queue for all runs keeps the work per event small and ordered; Slack calls happen elsewhere.
    this.chain = this.chain
      .then(() => this.handle(e, at))
      .catch((err) => this.log.error('progress event not handled', { runId: e.runId, kind: e.kind, error: errorMessage(err) }))
      .finally(() => this.pendingWork--);
  }

  private slot(runId: string): Slot {
    let s = this.slots.get(runId);
    if (!s) {
      s = { runId, loaded: false, approved: false, warnings: [], failureReplies: 0, replies: Promise.resolve() };
      this.slots.set(runId, s);
    }
    return s;
  }

  private async handle(e: ProgressEvent, at: number): Promise<void> {
    const slot = this.slot(e.runId);
    if (!slot.loaded || (slot.coords && !slot.approved)) {
      const run = await this.engine.get(e.runId);
      if (!run) return;
      slot.loaded = true;
      slot.coords = this.coordsOf(run);
      slot.approved = !!run.approvedBy;
    }
    const coords = slot.coords;
    if (!coords) return; // a run nobody asked for from Slack (CLI, scheduler without a channel)
    const terminal = e.kind === 'status' && isTerminal(e.status);
    const threadTs = coords.threadTs ?? coords.planTs;

    if (e.kind === 'warning') {
      slot.warnings.push(e.detail);
      if (slot.warnings.length > 5) slot.warnings.shift();
    }
    if (coords.planTs && (e.kind === 'status' || e.kind === 'phase' || e.kind === 'blocked')) this.parentEditor(slot, coords).mark(at, terminal);
    if (slot.approved && threadTs) this.progressEditor(slot, coords, threadTs).mark(at, terminal);
    if (!threadTs || !slot.approved) return;

    switch (e.kind) {
      case 'blocked': {
        const run = await this.engine.get(e.runId);
        this.reply(slot, coords.channel, threadTs, async () =>
          blockedMessage({ runId: e.runId, node: e.node, blockers: e.blockers, drainTimeoutMs: run?.plan.drainTimeoutMs ?? 0 }),
        );
        break;
      }
      case 'decision':
        this.reply(slot, coords.channel, threadTs, async () => decisionMessage(e));
        break;
      case 'node':
        if (e.state === 'failed') {
          slot.failureReplies++;
          if (slot.failureReplies <= this.maxFailureReplies) {
            this.reply(slot, coords.channel, threadTs, async () => {
              const run = await this.engine.get(e.runId);
              const rec = run?.nodes.find((n) => n.name === e.node);
              return nodeFailedMessage(e, rec?.note ? `Left as it was: ${rec.note}` : undefined);
            });
          } else if (slot.failureReplies === this.maxFailureReplies + 1) {
            this.reply(slot, coords.channel, threadTs, async () => noticeMessage(':x:', 'More nodes failed: from now on they are only counted in the progress message.'));
          }
        }
        break;
      case 'resumed':
        this.reply(slot, coords.channel, threadTs, async () => noticeMessage(':recycle:', `mngbot restarted and picked this run up again. ${e.detail}`));
        break;
      case 'status':
        if (e.status === 'paused') this.reply(slot, coords.channel, threadTs, async () => noticeMessage(':double_vertical_bar:', e.detail));
        if (terminal) {
          this.reply(
            slot,
            coords.channel,
            threadTs,
            async () => {
              const run = await this.engine.get(e.runId);
              return run ? summaryMessage(run) : undefined;
            },
            // Recorded once the summary is out and both messages show the end: a restarted bot then
            // knows there is nothing to catch up on.
            () =>
              void this.settled(slot).then((shown) => {
                if (shown) this.setCoords(e.runId, { channel: coords.channel, finalShown: true });
              }),
          );
        }
        break;
      default:
        break;
    }
  }

  private parentEditor(slot: Slot, coords: Coords): Editor {
    if (!slot.parent || slot.parent.ts !== coords.planTs) {
      slot.parent?.cancel();
      slot.parent = new Editor(this, 'parent', slot.runId, coords.channel, coords.planTs, undefined, async () => {
        const run = await this.engine.get(slot.runId);
        if (!run) return undefined;
        const windows = this.windowsFor?.(run.ref);
        return planMessage({ kind: 'run', run, now: this.clock.now(), ...(windows ? { windows } : {}) });
      });
    }
    return slot.parent;
  }

  private progressEditor(slot: Slot, coords: Coords, threadTs: string): Editor {
    if (!slot.progress) {
      slot.progress = new Editor(this, 'progress', slot.runId, coords.channel, coords.progressTs, threadTs, async () => {
        const run = await this.engine.get(slot.runId);
        return run ? progressMessage(run, this.clock.now(), { warnings: slot.warnings }) : undefined;
      });
    }
    return slot.progress;
  }

  /** Resolves true once the run's messages have nothing left to show; false if that takes too long. */
  private async settled(slot: Slot, timeoutMs = 120_000): Promise<boolean> {
    const deadline = realNow() + timeoutMs;
    while (slot.parent?.busy || slot.progress?.busy) {
      if (realNow() > deadline) return false;
      await sleep(50);
    }
    return !slot.parent?.dead && !slot.progress?.dead;
  }

  /** Thread replies go out in order, one run at a time; a 429 delays them, never drops them. */
  private reply(slot: Slot, channel: string, threadTs: string, render: Render, posted?: () => void): void {
    this.pendingWork++;
    slot.replies = slot.replies
      .then(async () => {
        const msg = await render();
        if (msg) await this.post(channel, threadTs, msg, slot.runId);
        posted?.();
      })
      .catch((err) => this.log.error('thread reply failed', { runId: slot.runId, error: errorMessage(err) }))
      .finally(() => this.pendingWork--);
  }

  private async post(channel: string, threadTs: string, msg: Message, runId: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const wait = this.blockedUntil('chat.postMessage') - realNow();
      if (wait > 0) await sleep(wait);
      try {
        await this.client.chat.postMessage({ channel, thread_ts: threadTs, text: msg.text, blocks: msg.blocks });
        return;
      } catch (err) {
        const retryAfter = retryAfterMs(err);
        if (retryAfter !== undefined) {
          this.block('chat.postMessage', retryAfter);
          continue;
        }
        if (isPermanentSlackError(err) || attempt >= 5) throw err;
        this.log.warn('thread reply failed; will retry', { runId, attempt, error: errorMessage(err) });
        await sleep(Math.min(30_000, this.minIntervalMs * 2 ** attempt));
      }
    }
  }
}
