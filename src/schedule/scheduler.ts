// Calls back when a node group's maintenance window opens or closes.
//
// node-cron only wakes us once a minute ("* * * * *"); whether a window is open is decided by
// currentWindow(), the same pure function the engine and the Slack views use. Scheduling node-cron on
// each window's own cron, with a timer for its duration, would let node-cron's daylight-saving rules
// and ours disagree, lose a closing timer when the machine sleeps, and miss a window that was
// already open when the bot started. Windows open and close on whole minutes, so the minute tick
// sees every edge on time. Tests drive tick() directly (trigger: 'manual').
import cron, { type ScheduledTask } from 'node-cron';
import type { GroupRef } from '../engine/ports.js';
import { currentWindow, nextOpening, validateWindows, type Window, type WindowSpan } from './windows.js';

export interface WindowTarget {
  ref: GroupRef;
  windows: Window[];
}

export interface WindowHandlers {
  /** The group's window is open (at start(): already open, span.opensAt may be in the past). */
  onOpen(ref: GroupRef, span: WindowSpan): void | Promise<void>;
  /** The group's window closed (span is the one that was open). */
  onClose(ref: GroupRef, span: WindowSpan): void | Promise<void>;
  /** Once a minute, after the windows were checked: e.g. to start due one-off and recurring schedules. */
  onTick?(nowMs: number): void | Promise<void>;
  /** A handler threw or rejected. */
  onError?(err: unknown, ref?: GroupRef): void;
}

export interface WindowSchedulerOptions {
  /** 'cron' (default): node-cron ticks every minute. 'manual': only tick() calls, for tests. */
  trigger?: 'cron' | 'manual';
  now?: () => number;
}

const key = (ref: GroupRef) => `${ref.cluster}/${ref.nodegroup}`;

export class WindowScheduler {
  private readonly open = new Map<string, WindowSpan>();
  private task: ScheduledTask | undefined;
  private readonly now: () => number;

  constructor(
    private readonly targets: readonly WindowTarget[],
    private readonly handlers: WindowHandlers,
    private readonly opts: WindowSchedulerOptions = {},
  ) {
    targets.forEach((t) => validateWindows(t.windows, `windows of ${key(t.ref)}`));
    this.now = opts.now ?? Date.now;
  }

  /** Checks the windows now, then every minute (unless manual). */
  start(): void {
    this.tick(this.now());
    if ((this.opts.trigger ?? 'cron') === 'cron' && !this.task) {
      this.task = cron.schedule('* * * * *', () => this.tick(this.now()), { name: 'mngbot-windows' });
    }
  }

  async stop(): Promise<void> {
    const task = this.task;
    this.task = undefined;
    await task?.destroy();
  }

  /** Compares every group's window at nowMs with what it was at the last tick and calls back on changes. */
  tick(nowMs: number): void {
    for (const t of this.targets) {
      const k = key(t.ref);
      const was = this.open.get(k);
      const is = t.windows.length ? currentWindow(t.windows, nowMs) : undefined;
      if (was && (!is || is.opensAt !== was.opensAt)) {
        this.open.delete(k);
        this.call(() => this.handlers.onClose(t.ref, was), t.ref);
      }
      if (is && (!was || is.opensAt !== was.opensAt)) {
        this.open.set(k, is);
        this.call(() => this.handlers.onOpen(t.ref, is), t.ref);
      } else if (is) this.open.set(k, is);
    }
    if (this.handlers.onTick) this.call(() => this.handlers.onTick!(nowMs));
  }

  /** Each group's open window, or the next one. */
  status(nowMs = this.now()): { ref: GroupRef; open?: WindowSpan; next?: WindowSpan }[] {
    return this.targets.map((t) => ({
      ref: t.ref,
      open: currentWindow(t.windows, nowMs),
      next: nextOpening(t.windows, nowMs),
    }));
  }

  private call(fn: () => void | Promise<void>, ref?: GroupRef): void {
    const report = (err: unknown) => (this.handlers.onError ? this.handlers.onError(err, ref) : console.error(err));
    try {
      const p = fn();
      if (p && typeof (p as Promise<void>).catch === 'function') (p as Promise<void>).catch(report);
    } catch (err) {
      report(err);
    }
  }
}
