// The RunStore and ScheduleStore in the Kubernetes API of the cluster mngbot runs in (MNG_STORE=
// kubernetes), so that two replicas share one state and either can carry on where the other stopped.
//
//   NodeGroupUpgrade <runId>   spec.run: the run; spec.events: its newest events and the names of the
//                              sealed batches before them; status: what `kubectl get ngu` shows
//   UpgradeEvents <runId>-…    a sealed batch of older events (immutable)
//   UpgradeSchedule <id>       spec.schedule
//   UpgradeAudit audit-<day>   spec.entries: that day's audit entries (UTC)
//
// - Every update is a PUT naming the resourceVersion it read: a 409 Conflict is a ConflictError, so a
//   write never overwrites one it did not see. A run's rev (the engine's compare-and-set) is kept in
//   the object beside it.
// - A save writes the run and its new events in one PUT; once the newest events pass TAIL_EVENTS the
//   oldest of them are sealed into an UpgradeEvents object first (created, never changed), which the
//   run then names. A save that loses its PUT leaves that batch unnamed: never read, and deleted with
//   the run's other batches.
// - The runs are watched (ObjectInformer): list() reads that copy; get() asks the API server. A change
//   another replica made is handed to onRemoteChange with the events it added, so the leader acts on
//   what a follower wrote.
import { randomUUID } from 'node:crypto';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { ConflictError, errorMessage, UserError } from '../../engine/errors.js';
import type { ProgressEvent } from '../../engine/events.js';
import type { AuditEntry, ChangedRecords, GroupRef, RunStore } from '../../engine/ports.js';
import { isActive, type Run } from '../../engine/run.js';
import type { Schedule, ScheduleStore } from '../../schedule/schedules.js';
import { assertGroupFree } from '../active-run.js';
import { DEFAULT_EVENT_LIMIT } from '../retention.js';
import type { StoreHealth } from '../store-health.js';
import { codeOf, statusOf } from '../../kube/kube-errors.js';
import { AUDIT, EVENTS, GROUP, RUNS, SCHEDULES, VERSION, type KindNames } from './crds.js';
import { ObjectInformer, type StoredObject } from './object-informer.js';

/** Newest events kept in the run object itself; older ones are sealed in batches of about this many. */
export const TAIL_EVENTS = 200;
/** What etcd takes in one value (1.5 MiB), with room for the object's metadata. */
export const MAX_OBJECT_BYTES = 1_400_000;
const WRITE_ATTEMPTS = 10;

export interface KubernetesRunStoreOptions {
  kubeConfig: KubeConfig;
  /** The namespace mngbot's objects live in (the bot's own). */
  namespace: string;
  /** Events kept per run; older batches are deleted and counted. Default DEFAULT_EVENT_LIMIT. */
  eventLimit?: number;
  now?: () => number;
  log?: (message: string) => void;
  /** Each API request gives up after this long. Default 30 s. */
  requestTimeoutMs?: number;
}

interface EventsSpec {
  tail: ProgressEvent[];
  batches: { name: string; count: number }[];
  /** Events no longer kept. */
  dropped: number;
  /** Every event the run ever had: tail + batches + dropped. */
  total: number;
}

interface RunObject extends StoredObject {
  spec: { run: Run; events: EventsSpec };
}

export type RemoteChange = (runId: string, events: ProgressEvent[]) => void;

const emptyEvents = (): EventsSpec => ({ tail: [], batches: [], dropped: 0, total: 0 });

export class KubernetesRunStore implements RunStore, ScheduleStore {
  readonly file: string;
  private readonly api: CustomObjectsApi;
  private readonly ns: string;
  private readonly eventLimit: number;
  private readonly now: () => number;
  private readonly log: (m: string) => void;
  /** Every run object as last seen (watch, or our own writes): newest rev wins. */
  private readonly runs = new Map<string, RunObject>();
  /** Events of each run this replica has seen or written: more than that in an update is another's. */
  private readonly seen = new Map<string, number>();
  /** The newest rev of each run this replica wrote or was told of: an update up to it is not news. */
  private readonly known = new Map<string, number>();
  private readonly listeners = new Set<RemoteChange>();
  private readonly informer: ObjectInformer;
  private failure?: { problem: string; since: number };
  private closed = false;

  private constructor(private readonly opts: KubernetesRunStoreOptions) {
    this.api = opts.kubeConfig.makeApiClient(CustomObjectsApi);
    this.ns = opts.namespace;
    this.file = `Kubernetes namespace ${opts.namespace}`;
    this.eventLimit = opts.eventLimit ?? DEFAULT_EVENT_LIMIT;
    this.now = opts.now ?? Date.now;
    this.log = opts.log ?? (() => {});
    this.informer = new ObjectInformer({
      kubeConfig: opts.kubeConfig,
      path: `/apis/${GROUP}/${VERSION}/namespaces/${this.ns}/${RUNS.plural}`,
      list: async () => {
        const list = (await this.call('list', RUNS, undefined, () => this.api.listNamespacedCustomObject(this.ref(RUNS)))) as { items: RunObject[]; metadata: { resourceVersion: string } };
        return { items: list.items, resourceVersion: list.metadata.resourceVersion };
      },
      onList: (items) => this.relisted(items as RunObject[]),
      onChange: (type, object) => this.changed(type, object as RunObject),
      log: this.log,
    });
  }

  /**
   * Connects and reads every run; rejects with a UserError saying what to do when the custom resources
   * are not defined in the cluster or mngbot may not read them.
   */
  static async open(opts: KubernetesRunStoreOptions): Promise<KubernetesRunStore> {
    const store = new KubernetesRunStore(opts);
    try {
      await store.informer.start();
    } catch (err) {
      store.informer.stop();
      const code = codeOf(err);
      if (code === 404) {
        throw new UserError(
          `MNG_STORE=kubernetes: the cluster has no ${RUNS.plural}.${GROUP} custom resource (404)`,
          'apply its definition first: kubectl apply -f manifests/ha/crds.yaml (or kubectl apply -k manifests/)',
        );
      }
      if (code === 403 || code === 401) {
        throw new UserError(
          `MNG_STORE=kubernetes: mngbot may not read ${RUNS.plural}.${GROUP} in namespace ${opts.namespace} (${code}: ${statusOf(err).message ?? ''})`,
          'bind the Role in manifests/ha/rbac-store.yaml to mngbot’s service account',
        );
      }
      throw new UserError(`MNG_STORE=kubernetes: cannot read mngbot's runs from the Kubernetes API (${errorMessage(err)})`, 'check KUBECONFIG or the in-cluster service account, and MNG_NAMESPACE');
    }
    return store;
  }

  /** Changes another replica made to a run, with the events it added, in order. */
  onRemoteChange(fn: RemoteChange): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  // ---- RunStore

  async get(id: string): Promise<Run | undefined> {
    const obj = await this.fetchRun(id);
    return obj?.spec.run;
  }

  async list(filter: { cluster?: string; nodegroup?: string; statuses?: readonly Run['status'][] } = {}): Promise<Run[]> {
    this.assertOpen();
    await this.informer.ready;
    return [...this.runs.values()]
      .map((o) => o.spec.run)
      .filter((r) => (!filter.cluster || r.ref.cluster === filter.cluster) && (!filter.nodegroup || r.ref.nodegroup === filter.nodegroup) && (!filter.statuses || filter.statuses.includes(r.status)))
      .sort((a, b) => b.createdAt - a.createdAt)
      .map((r) => structuredClone(r));
  }

  async create(run: Run): Promise<void> {
    this.assertOpen();
    if (this.runs.has(run.id)) throw new ConflictError(`run ${run.id} exists already`);
    assertGroupFree(run, [...this.runs.values()].map((o) => o.spec.run));
    const stored: Run = { ...run, rev: 1 };
    const body = this.runObject(stored, emptyEvents());
    let created: RunObject;
    try {
      created = (await this.call('create', RUNS, run.id, () => this.api.createNamespacedCustomObject({ ...this.ref(RUNS), body }))) as RunObject;
    } catch (err) {
      if (codeOf(err) === 409) throw new ConflictError(`run ${run.id} exists already`);
      throw err;
    }
    run.rev = 1;
    this.remember(created);
    this.known.set(run.id, 1);
    this.seen.set(run.id, 0);
  }

  async save(run: Run, events: ProgressEvent[] = [], _changed?: ChangedRecords): Promise<void> {
    this.assertOpen();
    let current = this.runs.get(run.id);
    if (!current || current.spec.run.rev !== run.rev) current = await this.fetchRun(run.id);
    if (!current) throw new UserError(`no run ${run.id}`);
    const stored = current.spec.run;
    if (stored.rev !== run.rev) throw new ConflictError(`run ${run.id} changed meanwhile (rev ${stored.rev}, not ${run.rev})`);
    if (stored.status !== run.status && isActive(run.status)) assertGroupFree(run, [...this.runs.values()].map((o) => o.spec.run));
    const log = await this.appendEvents(run.id, current.spec.events, events);
    const next: Run = { ...run, rev: run.rev + 1 };
    const body = this.runObject(next, log.spec, current.metadata.resourceVersion);
    let saved: RunObject;
    try {
      saved = (await this.call('update', RUNS, run.id, () => this.api.replaceNamespacedCustomObject({ ...this.ref(RUNS), name: run.id, body }))) as RunObject;
    } catch (err) {
      if (codeOf(err) === 409) {
        // Another writer got there first: what we sealed is nobody's.
        for (const b of log.sealed) void this.deleteQuietly(EVENTS, b);
        throw new ConflictError(`run ${run.id} changed meanwhile (another mngbot replica saved it)`);
      }
      throw err;
    }
    run.rev++;
    this.remember(saved);
    this.known.set(run.id, run.rev);
    this.seen.set(run.id, log.spec.total);
    for (const b of log.expired) void this.deleteQuietly(EVENTS, b);
  }

  async events(runId: string, limit?: number): Promise<{ events: ProgressEvent[]; dropped: number }> {
    const obj = await this.fetchRun(runId);
    if (!obj) return { events: [], dropped: 0 };
    const log = obj.spec.events;
    let out = [...log.tail];
    for (let i = log.batches.length - 1; i >= 0 && (limit === undefined || out.length < limit); i--) {
      const batch = (await this.call('get', EVENTS, log.batches[i].name, () => this.api.getNamespacedCustomObject({ ...this.ref(EVENTS), name: log.batches[i].name })).catch((err) => {
        if (codeOf(err) === 404) return undefined;
        throw err;
      })) as { spec?: { events?: ProgressEvent[] } } | undefined;
      out = [...(batch?.spec?.events ?? []), ...out];
    }
    const kept = limit === undefined ? out : out.slice(-limit);
    return { events: kept, dropped: log.total - kept.length };
  }

  async audit(entry: AuditEntry): Promise<void> {
    const name = `audit-${new Date(entry.at).toISOString().slice(0, 10)}`;
    await this.update<{ entries: AuditEntry[] }>(AUDIT, name, (spec) => ({ entries: [...(spec?.entries ?? []), entry] }), (spec) => ({ entries: spec.entries.length }));
  }

  async auditLog(limit = 50): Promise<AuditEntry[]> {
    const list = (await this.call('list', AUDIT, undefined, () => this.api.listNamespacedCustomObject(this.ref(AUDIT)))) as { items: { metadata: { name: string }; spec?: { entries?: AuditEntry[] } }[] };
    const days = list.items.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    const out: AuditEntry[] = [];
    for (let i = days.length - 1; i >= 0 && out.length < limit; i--) out.unshift(...(days[i].spec?.entries ?? []));
    return out.slice(-limit);
  }

  // ---- ScheduleStore

  async listSchedules(filter: { ref?: GroupRef } = {}): Promise<Schedule[]> {
    const list = (await this.call('list', SCHEDULES, undefined, () => this.api.listNamespacedCustomObject(this.ref(SCHEDULES)))) as { items: { spec: { schedule: Schedule } }[] };
    return list.items
      .map((o) => o.spec.schedule)
      .filter((s) => !filter.ref || (s.ref.cluster === filter.ref.cluster && s.ref.nodegroup === filter.ref.nodegroup))
      .sort((a, b) => (a.nextAt ?? Infinity) - (b.nextAt ?? Infinity));
  }

  async getSchedule(id: string): Promise<Schedule | undefined> {
    const obj = (await this.getObject(SCHEDULES, id)) as { spec: { schedule: Schedule } } | undefined;
    return obj?.spec.schedule;
  }

  async putSchedule(schedule: Schedule): Promise<void> {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(schedule.id)) throw new UserError(`schedule id ${schedule.id} cannot name a Kubernetes object: use lower-case letters, digits and -`);
    await this.update<{ schedule: Schedule }>(SCHEDULES, schedule.id, () => ({ schedule }));
  }

  async deleteSchedule(id: string): Promise<boolean> {
    try {
      await this.call('delete', SCHEDULES, id, () => this.api.deleteNamespacedCustomObject({ ...this.ref(SCHEDULES), name: id }));
      return true;
    } catch (err) {
      if (codeOf(err) === 404) return false;
      throw err;
    }
  }

  // ---- health and lifecycle

  health(): StoreHealth {
    if (this.closed) return { ok: false, problem: `${this.file}: store is closed` };
    return this.failure ? { ok: false, ...this.failure } : { ok: true };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.informer.stop();
    this.listeners.clear();
  }

  // ---- inside

  private ref(kind: KindNames): { group: string; version: string; namespace: string; plural: string } {
    return { group: GROUP, version: VERSION, namespace: this.ns, plural: kind.plural };
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`${this.file}: store is closed`);
  }

  /** An API call, timed out, its failure recorded for health(): an answer (404, 409) is not a failure. */
  private async call<T>(verb: string, kind: KindNames, name: string | undefined, fn: () => Promise<T>): Promise<T> {
    this.assertOpen();
    try {
      const result = await withTimeout(fn(), this.opts.requestTimeoutMs ?? 30_000, `${verb} ${kind.plural}`);
      // Any answer: the API server is back (a follower may not write for hours).
      this.failure = undefined;
      return result;
    } catch (err) {
      const code = codeOf(err);
      if (code === 404 || code === 409) throw err;
      const problem = `${verb} ${kind.plural}.${GROUP}${name ? ` ${name}` : ''}: ${statusOf(err).message ?? errorMessage(err)}`;
      this.failure ??= { problem, since: this.now() };
      throw Object.assign(new Error(`Kubernetes API: ${problem}`), { statusCode: code });
    }
  }

  private async getObject(kind: KindNames, name: string): Promise<StoredObject | undefined> {
    try {
      return (await this.call('get', kind, name, () => this.api.getNamespacedCustomObject({ ...this.ref(kind), name }))) as StoredObject;
    } catch (err) {
      if (codeOf(err) === 404) return undefined;
      throw err;
    }
  }

  private async fetchRun(id: string): Promise<RunObject | undefined> {
    const obj = (await this.getObject(RUNS, id)) as RunObject | undefined;
    if (obj) this.remember(obj);
    return obj;
  }

  /** Batches nobody reads any more: a failure leaves one behind, which costs only its room. */
  private async deleteQuietly(kind: KindNames, name: string): Promise<void> {
    await this.api.deleteNamespacedCustomObject({ ...this.ref(kind), name }).catch((err: unknown) => {
      if (codeOf(err) !== 404) this.log(`could not delete ${kind.kind} ${name}: ${errorMessage(err)}`);
    });
  }

  /** Read, change, write back with the version read; again on a conflict. */
  private async update<S>(kind: KindNames, name: string, change: (spec: S | undefined) => S, status?: (spec: S) => Record<string, unknown>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.getObject(kind, name);
      const spec = change(current?.spec as S | undefined);
      const body = {
        apiVersion: `${GROUP}/${VERSION}`,
        kind: kind.kind,
        metadata: { name, ...(current ? { resourceVersion: current.metadata.resourceVersion } : {}), labels: { 'app.kubernetes.io/managed-by': 'mngbot' } },
        spec,
        ...(status ? { status: status(spec) } : {}),
      };
      checkSize(body, `${kind.kind} ${name}`);
      try {
        if (current) await this.call('update', kind, name, () => this.api.replaceNamespacedCustomObject({ ...this.ref(kind), name, body }));
        else await this.call('create', kind, name, () => this.api.createNamespacedCustomObject({ ...this.ref(kind), body }));
        return;
      } catch (err) {
        if (codeOf(err) !== 409 || attempt >= WRITE_ATTEMPTS) throw codeOf(err) === 409 ? new ConflictError(`${kind.kind} ${name} kept changing while mngbot wrote it`) : err;
      }
    }
  }

  /** The run's event log with `more` added: sealing the oldest of the tail when it is long, dropping past the limit. */
  private async appendEvents(runId: string, log: EventsSpec, more: ProgressEvent[]): Promise<{ spec: EventsSpec; sealed: string[]; expired: string[] }> {
    const spec: EventsSpec = { tail: [...log.tail, ...more], batches: [...log.batches], dropped: log.dropped, total: log.total + more.length };
    const sealed: string[] = [];
    if (spec.tail.length > 2 * TAIL_EVENTS) {
      const events = spec.tail.slice(0, spec.tail.length - TAIL_EVENTS);
      const name = `${runId}-${spec.total - spec.tail.length}-${randomUUID().slice(0, 6)}`;
      const body = { apiVersion: `${GROUP}/${VERSION}`, kind: EVENTS.kind, metadata: { name, labels: { 'mngbot.io/run': runId, 'app.kubernetes.io/managed-by': 'mngbot' } }, spec: { runId, events } };
      checkSize(body, `${EVENTS.kind} ${name}`);
      await this.call('create', EVENTS, name, () => this.api.createNamespacedCustomObject({ ...this.ref(EVENTS), body }));
      sealed.push(name);
      spec.batches.push({ name, count: events.length });
      spec.tail = spec.tail.slice(events.length);
    }
    const expired: string[] = [];
    let kept = spec.tail.length + spec.batches.reduce((n, b) => n + b.count, 0);
    while (kept > this.eventLimit && spec.batches.length > 0) {
      const b = spec.batches.shift()!;
      kept -= b.count;
      spec.dropped += b.count;
      expired.push(b.name);
    }
    return { spec, sealed, expired };
  }

  private runObject(run: Run, events: EventsSpec, resourceVersion?: string): RunObject {
    const old = run.nodes.filter((n) => n.role === 'old');
    const body: RunObject = {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: RUNS.kind,
      metadata: {
        name: run.id,
        ...(resourceVersion ? { resourceVersion } : {}),
        labels: { 'app.kubernetes.io/managed-by': 'mngbot', ...labelled('mngbot.io/cluster', run.ref.cluster), ...labelled('mngbot.io/nodegroup', run.ref.nodegroup), 'mngbot.io/status': run.status },
      },
      spec: { run, events },
      status: {
        runId: run.id,
        cluster: run.ref.cluster,
        nodegroup: run.ref.nodegroup,
        status: run.status,
        phase: run.phase,
        progress: `${old.filter((n) => n.state === 'terminated').length}/${old.length} replaced`,
        toVersion: run.plan.toVersion,
      },
    };
    checkSize(body, `run ${run.id}`);
    return body;
  }

  /** Keeps the newer of what we have and `obj` (by the run's rev, which only grows). */
  private remember(obj: RunObject): void {
    const mine = this.runs.get(obj.metadata.name);
    if (!mine || obj.spec.run.rev >= mine.spec.run.rev) this.runs.set(obj.metadata.name, obj);
  }

  private relisted(items: RunObject[]): void {
    const first = this.seen.size === 0 && this.runs.size === 0;
    const names = new Set(items.map((i) => i.metadata.name));
    for (const name of [...this.runs.keys()]) if (!names.has(name)) this.runs.delete(name);
    for (const obj of items) {
      if (first) {
        this.runs.set(obj.metadata.name, obj);
        this.known.set(obj.metadata.name, obj.spec.run.rev);
        this.seen.set(obj.metadata.name, obj.spec.events.total);
      } else this.changed('MODIFIED', obj);
    }
  }

  private changed(type: string, obj: RunObject): void {
    const id = obj.metadata.name;
    if (type === 'DELETED') {
      this.runs.delete(id);
      this.seen.delete(id);
      this.known.delete(id);
      return;
    }
    this.remember(obj);
    if (obj.spec.run.rev <= (this.known.get(id) ?? 0)) return;
    this.known.set(id, obj.spec.run.rev);
    // Someone else's write: the events it added are the newest of the tail (a batch sealed since is rare, and only older events).
    const seen = this.seen.get(id) ?? 0;
    const added = Math.max(0, obj.spec.events.total - seen);
    this.seen.set(id, obj.spec.events.total);
    const events = obj.spec.events.tail.slice(-Math.min(added, obj.spec.events.tail.length));
    for (const l of this.listeners) {
      try {
        l(id, added === 0 ? [] : structuredClone(events));
      } catch (err) {
        this.log(`a listener of run changes failed: ${errorMessage(err)}`);
      }
    }
  }
}

/** A label when the value may be one (63 characters of [A-Za-z0-9-_.]); none otherwise. */
function labelled(key: string, value: string): Record<string, string> {
  return /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(value) ? { [key]: value } : {};
}

function checkSize(body: unknown, what: string): void {
  const bytes = Buffer.byteLength(JSON.stringify(body));
  if (bytes > MAX_OBJECT_BYTES) {
    throw new UserError(`${what} would take ${Math.round(bytes / 1024)} KiB, more than etcd keeps in one object (${Math.round(MAX_OBJECT_BYTES / 1024)} KiB)`, 'upgrade the node group in smaller parts, or use the file store (MNG_STORE=file)');
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
