// RunStore in memory: tests, the simulator CLI and the benchmark. Runs are kept serialised so that
// nobody holds a live reference to stored state.
import { ConflictError, UserError } from '../engine/errors.js';
import type { ProgressEvent } from '../engine/events.js';
import type { AuditEntry, GroupRef, RunStore } from '../engine/ports.js';
import type { NodeState, Run } from '../engine/run.js';
import type { Schedule, ScheduleStore } from '../schedule/schedules.js';
import { assertGroupFree } from './active-run.js';

export const DEFAULT_EVENT_LIMIT = 20_000;

const SETTLED: ReadonlySet<NodeState> = new Set(['terminated', 'skipped', 'failed']);
/** Marks where the kept JSON of a part goes; a NUL cannot come from the engine's own strings. */
const HOLE = '\u0000';
const HOLE_JSON = '\\u0000';

function deepFreeze<T extends object>(value: T): T {
  for (const v of Object.values(value)) if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) deepFreeze(v);
  return Object.freeze(value);
}

export class MemoryRunStore implements RunStore, ScheduleStore {
  private readonly runs = new Map<string, string>();
  private readonly meta = new Map<string, { rev: number; status: Run['status'] }>();
  private readonly eventLog = new Map<string, { events: ProgressEvent[]; dropped: number }>();
  private readonly auditEntries: AuditEntry[] = [];
  private readonly schedules = new Map<string, string>();
  private readonly frozen = new WeakMap<object, string>();

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

  private put(run: Run): void {
    this.runs.set(run.id, this.serialise(run));
    this.meta.set(run.id, { rev: run.rev, status: run.status });
  }

  /**
   * JSON of the run. A plan never changes once stored, nor does a node record that has settled: their
   * JSON is kept rather than written again on each of the thousands of saves of a large run, and they
   * are frozen, so that code changing one throws instead of being silently lost.
   */
  private serialise(run: Run): string {
    const list = <T extends object>(items: T[], final: (item: T) => boolean) =>
      `[${items.map((x) => (final(x) ? this.finalJson(x) : JSON.stringify(x))).join(',')}]`;
    const parts: Record<string, string> = {
      plan: this.finalJson(run.plan),
      nodes: list(run.nodes, (n) => SETTLED.has(n.state)),
      newNodes: list(run.newNodes, (n) => n.state === 'ready' && n.name !== undefined),
    };
    let json = JSON.stringify({ ...run, plan: `${HOLE}plan`, nodes: `${HOLE}nodes`, newNodes: `${HOLE}newNodes` });
    for (const [key, value] of Object.entries(parts)) json = json.replace(`"${HOLE_JSON}${key}"`, () => value);
    return json;
  }

  private finalJson(value: object): string {
    let json = this.frozen.get(value);
    if (json === undefined) {
      json = JSON.stringify(value);
      this.frozen.set(deepFreeze(value), json);
    }
    return json;
  }

  private all(): Run[] {
    return [...this.runs.values()].map((s) => JSON.parse(s) as Run);
  }
}
