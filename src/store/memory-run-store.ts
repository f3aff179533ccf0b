// RunStore in memory: tests, the simulator CLI and the benchmark. Runs are kept serialised so that
// nobody holds a live reference to stored state.
import { ConflictError, UserError } from '../engine/errors.js';
import type { ProgressEvent } from '../engine/events.js';
import type { AuditEntry, GroupRef, RunStore } from '../engine/ports.js';
import type { Run } from '../engine/run.js';
import type { Schedule, ScheduleStore } from '../schedule/schedules.js';
import { assertGroupFree } from './active-run.js';
import type { StoreHealth } from './store-health.js';

export const DEFAULT_EVENT_LIMIT = 20_000;

export class MemoryRunStore implements RunStore, ScheduleStore {
  private readonly runs = new Map<string, string>();
  private readonly meta = new Map<string, { rev: number; status: Run['status'] }>();
  private readonly eventLog = new Map<string, { events: ProgressEvent[]; dropped: number }>();
  private readonly auditEntries: AuditEntry[] = [];
  private readonly schedules = new Map<string, string>();

  constructor(private readonly eventLimit = DEFAULT_EVENT_LIMIT) {}

  async get(id: string): Promise<Run | undefined> {
    const s = this.runs.get(id);
    return s === undefined ? undefined : (JSON.parse(s) as Run);
  }

  async list(filter: { cluster?: string; nodegroup?: string; statuses?: readonly Run['status'][] } = {}): Promise<Run[]> {
    return this.all()
      .filter(
        (r) =>
          (!filter.cluster || r.ref.cluster === filter.cluster) &&
          (!filter.nodegroup || r.ref.nodegroup === filter.nodegroup) &&
          (!filter.statuses || filter.statuses.includes(r.status)),
      )
      .sort((a, b) => b.createdAt - a.createdAt);
  }

  async create(run: Run): Promise<void> {
    if (this.runs.has(run.id)) throw new ConflictError(`run ${run.id} exists already`);
    assertGroupFree(run, this.all());
    run.rev = 1;
    this.put(run);
  }

  async save(run: Run, events: ProgressEvent[] = []): Promise<void> {
    const stored = this.meta.get(run.id);
    if (!stored) throw new UserError(`no run ${run.id}`);
    if (stored.rev !== run.rev) throw new ConflictError(`run ${run.id} changed meanwhile (rev ${stored.rev}, not ${run.rev})`);
    if (stored.status !== run.status) assertGroupFree(run, this.all());
    run.rev++;
    this.put(run);
    this.appendEvents(run.id, events);
  }

  private appendEvents(runId: string, events: ProgressEvent[]): void {
    if (events.length === 0) return;
    let log = this.eventLog.get(runId);
    if (!log) this.eventLog.set(runId, (log = { events: [], dropped: 0 }));
    log.events.push(...events);
    const over = log.events.length - this.eventLimit;
    if (over > 0) {
      log.events.splice(0, over);
      log.dropped += over;
    }
  }

  async events(runId: string, limit?: number): Promise<{ events: ProgressEvent[]; dropped: number }> {
    const log = this.eventLog.get(runId) ?? { events: [], dropped: 0 };
    const events = limit === undefined ? log.events : log.events.slice(-limit);
    return { events: [...events], dropped: log.dropped + (log.events.length - events.length) };
  }

  async audit(entry: AuditEntry): Promise<void> {
    this.auditEntries.push({ ...entry });
  }

  async auditLog(limit = 50): Promise<AuditEntry[]> {
    // Copies: the log is append-only, and a caller's edit must not reach it.
    return this.auditEntries.slice(-limit).map((e) => ({ ...e }));
  }

  /** Schedules, soonest first (those without a next time last). */
  async listSchedules(filter: { ref?: GroupRef } = {}): Promise<Schedule[]> {
    return [...this.schedules.values()]
      .map((s) => JSON.parse(s) as Schedule)
      .filter((s) => !filter.ref || (s.ref.cluster === filter.ref.cluster && s.ref.nodegroup === filter.ref.nodegroup))
      .sort((a, b) => (a.nextAt ?? Infinity) - (b.nextAt ?? Infinity));
  }

  async getSchedule(id: string): Promise<Schedule | undefined> {
    const s = this.schedules.get(id);
    return s === undefined ? undefined : (JSON.parse(s) as Schedule);
  }

  /** Creates or replaces the schedule with this id. */
  async putSchedule(schedule: Schedule): Promise<void> {
    this.schedules.set(schedule.id, JSON.stringify(schedule));
  }

  /** Resolves true when there was such a schedule. */
  async deleteSchedule(id: string): Promise<boolean> {
    return this.schedules.delete(id);
  }

  /** Memory never fails to write. */
  health(): StoreHealth {
    return { ok: true };
  }

  private put(run: Run): void {
    this.runs.set(run.id, JSON.stringify(run));
    this.meta.set(run.id, { rev: run.rev, status: run.status });
  }

  private all(): Run[] {
    return [...this.runs.values()].map((s) => JSON.parse(s) as Run);
  }
}
