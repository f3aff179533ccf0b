// Keeps Slack in step with runs: subscribes to engine events, edits the plan message (status) and
// one progress message in its thread (MessageEditor, at most once a second each), and posts thread
// replies where a person must act or deserves a record (ThreadReplies). Both share one RateLimiter,
// so a 429's Retry-After holds back every call of that method, and one RetryPolicy. Coalescing runs
// on real time: the engine's clock may be simulated, Slack's rate limits are not.
import type { ProgressEvent } from '../../engine/events.js';
import { errorMessage } from '../../engine/errors.js';
import type { GroupRef } from '../../engine/ports.js';
import type { Run } from '../../engine/run.js';
import { isTerminal, TERMINAL_STATUSES } from '../../engine/run.js';
import type { Logger } from '../../log.js';
import { silentLogger } from '../../log.js';
import type { Window } from '../../schedule/windows.js';
import type { Message } from '../blocks/kit.js';
import { planMessage } from '../blocks/plan.js';
import { progressBlockId, progressMessage } from '../blocks/progress.js';
import { gateMessage } from '../blocks/gate.js';
import { blockedMessage, decisionMessage, nodeFailedMessage, noticeMessage, summaryMessage } from '../blocks/thread.js';
import type { ChatApi } from './chat-api.js';
import { MessageEditor, type EditRecord } from './message-editor.js';
import { RateLimiter } from './rate-limiter.js';
import { RetryPolicy } from './retry-policy.js';
import { ThreadReplies } from './thread-replies.js';
import { Workload } from './workload.js';
import { sentence } from '../../engine/sentence.js';

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
/** How long the end of a run may take to show before it is not recorded as shown. */
const SETTLE_MS = 120_000;

/** The part of the engine the reporter uses. setNotify, when the engine has it, keeps coordinates across restarts. */
export interface ReporterEngine {
  get(runId: string): Promise<Run | undefined>;
  list(filter?: { statuses?: readonly Run['status'][] }): Promise<Run[]>;
  onEvent(listener: (e: ProgressEvent) => void): () => void;
  setNotify?(runId: string, notify: NonNullable<Run['notify']>): Promise<unknown>;
}

export interface ProgressReporterOptions {
  engine: ReporterEngine;
  /** Give it a client that rejects rate-limited calls, so that the reporter decides what to resend. */
  client: ChatApi;
  /** The engine's clock: times shown in messages. */
  clock: { now(): number; readonly pace?: number };
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

interface Slot {
  runId: string;
  loaded: boolean;
  coords?: Coords;
  approved: boolean;
  parent?: MessageEditor;
  progress?: MessageEditor;
  /** Busy while either message has a state still to show. */
  shown: Workload;
  replies: ThreadReplies;
  warnings: string[];
  failureReplies: number;
}

export class ProgressReporter {
  private readonly engine: ReporterEngine;
  private readonly client: ChatApi;
  private readonly clock: { now(): number; readonly pace?: number };
  private readonly log: Logger;
  private readonly maxFinalAttempts: number;
  private readonly maxFailureReplies: number;
  private readonly onEdit?: (e: EditRecord) => void;
  private readonly windowsFor?: (ref: GroupRef) => readonly Window[];
  private readonly limiter: RateLimiter;
  private readonly retry: RetryPolicy;
  /** Events being handled, replies being posted, messages with a state still to show. */
  private readonly work = new Workload();
  private readonly slots = new Map<string, Slot>();
  private readonly known = new Map<string, Coords>();
  /** Who waits for a run's end to be shown (endShown). */
  private readonly endWaiters = new Map<string, (() => void)[]>();
  private chain: Promise<void> = Promise.resolve();
  private unsubscribe?: () => void;

  constructor(opts: ProgressReporterOptions) {
    this.engine = opts.engine;
    this.client = opts.client;
    this.clock = opts.clock;
    this.log = opts.log ?? silentLogger;
    this.maxFinalAttempts = opts.maxFinalAttempts ?? 10;
    this.maxFailureReplies = opts.maxFailureReplies ?? 10;
    this.onEdit = opts.onEdit;
    this.windowsFor = opts.windowsFor;
    const minIntervalMs = opts.minIntervalMs ?? 1000;
    this.limiter = new RateLimiter({ minIntervalMs });
    this.retry = new RetryPolicy({ baseDelayMs: minIntervalMs });
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
  idle(timeoutMs = 30_000): Promise<void> {
    return this.work.drainedWithin(timeoutMs, 'progress reporter still busy');
  }

  /**
   * Resolves once the run's end is shown in Slack: summary posted, messages final. The store shows
   * the end a moment before the engine publishes it, so idle() right after seeing it there may come
   * before the reporter has anything to do.
   */
  endShown(runId: string, timeoutMs = 30_000): Promise<void> {
    if (this.known.get(runId)?.finalShown) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the end of run ${runId} was not shown within ${timeoutMs} ms`)), timeoutMs);
      const waiters = this.endWaiters.get(runId) ?? [];
      waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
      this.endWaiters.set(runId, waiters);
    });
  }

  /** Records where a run shows; kept on the run when the engine can (setNotify). */
  setCoords(runId: string, patch: Partial<Coords> & { channel: string }): void {
    const merged: Coords = { ...this.known.get(runId), ...patch };
    this.known.set(runId, merged);
    if (merged.finalShown) {
      for (const resolve of this.endWaiters.get(runId) ?? []) resolve();
      this.endWaiters.delete(runId);
    }
    const slot = this.slots.get(runId);
    const hadPlan = !!slot?.coords?.planTs;
    if (slot) slot.coords = { ...slot.coords, ...merged };
    // Events that came before the plan message's ts was known were not shown: the run may have ended
    // meanwhile (an expiry while the plan was being posted), and its end must not be lost.
    if (slot?.loaded && !hadPlan && merged.planTs) this.enqueue(runId, 'end missed before the plan was recorded', () => this.showEndIfMissed(runId));
    if (this.engine.setNotify) {
      this.engine.setNotify(runId, merged).catch((err) => this.log.warn('could not store Slack coordinates on the run', { runId, error: errorMessage(err) }));
    }
  }

  /** Where the run shows, from the run record and what this process learnt since. */
  private coordsOf(run: Run): Coords | undefined {
    const mine = this.known.get(run.id);
    const channel = mine?.channel ?? run.notify?.channel;
    if (!channel) return undefined;
    return { ...run.notify, ...mine, channel };
  }

  /** The ts of the run's progress message in the thread, if one is there already. */
  private async findProgress(channel: string, threadTs: string, runId: string): Promise<string | undefined> {
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

  private onEvent(e: ProgressEvent): void {
    const at = performance.now();
    this.enqueue(e.runId, e.kind, () => this.handle(e, at));
  }

  /** One queue for all runs keeps the work per event small and ordered; Slack calls happen elsewhere. */
  private enqueue(runId: string, what: string, work: () => Promise<void>): void {
    this.chain = this.work.track(this.chain.then(work).catch((err) => this.log.error('progress event not handled', { runId, kind: what, error: errorMessage(err) })));
  }

  private async showEndIfMissed(runId: string): Promise<void> {
    const run = await this.engine.get(runId);
    if (!run || !isTerminal(run.status)) return;
    await this.handle({ runId, at: run.finishedAt ?? this.clock.now(), kind: 'status', status: run.status, detail: run.outcome?.summary ?? run.status }, performance.now());
  }

  private slot(runId: string): Slot {
    let s = this.slots.get(runId);
    if (!s) {
      s = {
        runId,
        loaded: false,
        approved: false,
        shown: new Workload(this.work),
        replies: new ThreadReplies({ runId, client: this.client, limiter: this.limiter, retry: this.retry, work: this.work, log: this.log }),
        warnings: [],
        failureReplies: 0,
      };
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

    const reply = (render: () => Promise<Message | undefined>, posted?: () => void) =>
      slot.replies.add(coords.channel, threadTs, render, posted);
    switch (e.kind) {
      case 'blocked': {
        const run = await this.engine.get(e.runId);
        reply(async () => blockedMessage({ runId: e.runId, node: e.node, blockers: e.blockers, drainTimeoutMs: run?.plan.drainTimeoutMs ?? 0 }));
        break;
      }
      case 'decision':
        reply(async () => decisionMessage(e));
        break;
      case 'gate': {
        // Only a stop asks something of a person; the progress message says where the gate is.
        const report = e.report;
        if (e.stage === 'stopped' && report) {
          const run = await this.engine.get(e.runId);
          reply(async () => gateMessage({ runId: e.runId, report, fromRelease: run?.plan.fromRelease ?? 'the old release' }));
        }
        break;
      }
      case 'node':
        if (e.state === 'failed') {
          slot.failureReplies++;
          if (slot.failureReplies <= this.maxFailureReplies) {
            reply(async () => {
              const run = await this.engine.get(e.runId);
              const rec = run?.nodes.find((n) => n.name === e.node);
              // The note often says what the event said already: once is enough.
              return nodeFailedMessage(e, rec?.note && !e.detail.includes(rec.note) ? rec.note : undefined);
            });
          } else if (slot.failureReplies === this.maxFailureReplies + 1) {
            reply(async () => noticeMessage(':x:', 'More nodes failed: from now on they are only counted in the progress message.'));
          }
        }
        break;
      case 'resumed':
        // The event says it all ("mngbot restarted and picked this run up again…"), once.
        reply(async () => noticeMessage(':recycle:', sentence(e.detail)));
        break;
      case 'status':
        if (e.status === 'paused') reply(async () => noticeMessage(':double_vertical_bar:', e.detail));
        if (terminal) {
          reply(
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

  private editor(slot: Slot, kind: 'parent' | 'progress', o: { channel: string; ts?: string; threadTs?: string; render: () => Promise<Message | undefined> }): MessageEditor {
    return new MessageEditor({
      kind,
      runId: slot.runId,
      ...o,
      ...(kind === 'progress' && o.threadTs
        ? {
            findExisting: () => this.findProgress(o.channel, o.threadTs!, slot.runId),
            onTs: (ts: string) => this.setCoords(slot.runId, { channel: o.channel, progressTs: ts }),
          }
        : {}),
      ...(this.onEdit ? { onEdit: this.onEdit } : {}),
      client: this.client,
      limiter: this.limiter,
      retry: this.retry,
      maxFinalAttempts: this.maxFinalAttempts,
      work: slot.shown,
      log: this.log,
    });
  }

  private parentEditor(slot: Slot, coords: Coords): MessageEditor {
    if (!slot.parent || slot.parent.ts !== coords.planTs) {
      slot.parent?.cancel();
      slot.parent = this.editor(slot, 'parent', {
        channel: coords.channel,
        ts: coords.planTs,
        render: async () => {
          const run = await this.engine.get(slot.runId);
          if (!run) return undefined;
          const windows = this.windowsFor?.(run.ref);
          const pace = this.clock.pace;
          return planMessage({ kind: 'run', run, now: this.clock.now(), ...(windows ? { windows } : {}), ...(pace ? { pace } : {}) });
        },
      });
    }
    return slot.parent;
  }

  private progressEditor(slot: Slot, coords: Coords, threadTs: string): MessageEditor {
    slot.progress ??= this.editor(slot, 'progress', {
      channel: coords.channel,
      ...(coords.progressTs ? { ts: coords.progressTs } : {}),
      threadTs,
      render: async () => {
        const run = await this.engine.get(slot.runId);
        return run ? progressMessage(run, this.clock.now(), { warnings: slot.warnings, controls: true }) : undefined;
      },
    });
    return slot.progress;
  }

  /** Resolves true once the run's messages have nothing left to show; false if they gave up or it takes too long. */
  private async settled(slot: Slot): Promise<boolean> {
    const drained = await slot.shown.drainedWithin(SETTLE_MS, 'the run’s messages did not settle').then(
      () => true,
      () => false,
    );
    return drained && !slot.parent?.dead && !slot.progress?.dead;
  }
}
