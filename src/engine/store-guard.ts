// Every store call the engine makes goes through here: a failure that is not the store's answer
// (a conflict, a refusal) becomes a StoreUnavailableError, and the engine's health says so until a
// write succeeds again.
import { ConflictError, errorMessage, StoreUnavailableError, UserError } from './errors.js';
import type { RunStore } from './ports.js';

export interface StoreHealth {
  ok: boolean;
  /** What failed, while not ok. */
  problem?: string;
  /** Engine-clock ms of the first failure in a row. */
  since?: number;
}

const WRITES = new Set<keyof RunStore>(['create', 'save', 'audit']);

export class GuardedStore implements RunStore {
  private failure?: { problem: string; since: number; write: boolean };

  constructor(
    private readonly inner: RunStore,
    private readonly now: () => number,
  ) {}

  health(): StoreHealth {
    return this.failure ? { ok: false, problem: this.failure.problem, since: this.failure.since } : { ok: true };
  }

  get: RunStore['get'] = (id) => this.call('get', () => this.inner.get(id));
  list: RunStore['list'] = (filter) => this.call('list', () => this.inner.list(filter));
  create: RunStore['create'] = (run) => this.call('create', () => this.inner.create(run));
  save: RunStore['save'] = (run, events, changed) => this.call('save', () => this.inner.save(run, events, changed));
  events: RunStore['events'] = (runId, limit) => this.call('events', () => this.inner.events(runId, limit));
  audit: RunStore['audit'] = (entry) => this.call('audit', () => this.inner.audit(entry));
  auditLog: RunStore['auditLog'] = (limit) => this.call('auditLog', () => this.inner.auditLog(limit));

  private async call<T>(method: keyof RunStore, fn: () => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await fn();
    } catch (err) {
      if (err instanceof ConflictError || err instanceof UserError) throw err;
      this.failure ??= { problem: `${method}: ${errorMessage(err)}`, since: this.now(), write: WRITES.has(method) };
      throw new StoreUnavailableError(err);
    }
    // A read that works says nothing about the disk: only a write clears a failed write.
    if (this.failure && (WRITES.has(method) || !this.failure.write)) this.failure = undefined;
    return result;
  }
}
