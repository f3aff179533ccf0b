// The use cases Slack, the CLI and the scheduler call the same way. Front ends parse what a person
// typed, call one of these, and word the outcome; nothing here knows how it is shown.
import type { ApprovalPolicy, Engine } from '../engine/commands.js';
import { UserError } from '../engine/errors.js';
import type { AuditEntry, Clock, GroupRef, ImageReleases, NodeGroups, RunStore } from '../engine/ports.js';
import type { Actor, DecisionChoice, Plan, Run, UpgradeRequest } from '../engine/run.js';
import type { Logger } from '../log.js';
import type { Schedule, ScheduleStore } from '../schedule/schedules.js';
import type { Window } from '../schedule/windows.js';
import { AmiWatchTimer, type AmiWatchSettings } from './ami-watch.js';
import type { UserGroupsApi } from './approvers.js';
import { behindGroups, fleetReport, type FleetReport } from './fleet-report.js';
import { fleetRows, windowsRows, type ClusterRow, type WindowsClusterError, type WindowsRow } from './overview.js';
import { throttleRefusals } from './refusal-audit.js';
import { requestUpgrade, type UpgradeAsk, type UpgradeOutcome } from './request-upgrade.js';
import { requestRollback, type RollbackAsk, type RollbackOutcome } from './rollback.js';
import { audited, controlRun, resolveRunTarget, type RunControlDeps, type RunTarget } from './run-controls.js';
import { cancelSchedule, createSchedule, fireDueSchedules, listSchedules, type ScheduleAsk, type ScheduleDeps, type ScheduleFiring } from './schedule-upgrades.js';
import type { ChannelRef, Targets } from './targets.js';

/** Who may approve, and how to name them to someone who may not. */
export type Approvals = ApprovalPolicy & {
  /**
   * Who may approve, as Slack mentions; without `requester` when self-approval is off (the person
   * told "it needs an approver" cannot be one for their own request).
   */
  describe(requester?: string): string;
  /** The same in plain text, people by user id: any front end words it (Slack as mentions). */
  list(): string;
  /** User groups are looked up through the chat front end's client, once there is one. */
  useClient?(client: UserGroupsApi): void;
};

export interface ApplicationDeps {
  engine: Engine;
  nodeGroups: Pick<NodeGroups, 'describeCluster' | 'describeNodegroup' | 'listNodegroups'>;
  targets: Targets;
  approvers: Approvals;
  /** The audit log; without auditLog, reading it is not available. */
  store: Pick<RunStore, 'audit'> & Partial<Pick<RunStore, 'auditLog'>>;
  /** Where schedules are kept; absent: schedules are not available. */
  schedules?: ScheduleStore;
  windowsOf(ref: GroupRef): readonly Window[];
  clock: Clock;
  log: Logger;
  newScheduleId?: () => string;
  /** Real time for the refusal audit's rate limit; Date.now by default. */
  realNow?: () => number;
  /** The published image releases, to tell how far each group is behind; absent: not compared. */
  releases?: ImageReleases;
  /** When the AMI watch looks at the fleet; absent: it does not. */
  amiWatch?: AmiWatchSettings;
}

/** What the AMI watch found: the groups behind (at least one), in a report of the whole fleet. */
export interface AmiWatchFinding {
  report: FleetReport;
  behind: FleetReport['groups'];
  /** Where a chat front end posts it. */
  channel?: string;
}

export class Application {
  readonly engine: Engine;
  readonly targets: Targets;
  readonly approvers: Approvals;
  readonly clock: Clock;
  readonly log: Logger;
  /** Audit entries from the use cases; refusals at most once a minute per person. */
  readonly audit: (entry: AuditEntry) => Promise<void>;
  private readonly firingListeners = new Set<(f: ScheduleFiring) => void | Promise<void>>();
  private firing = false;
  private readonly watchListeners = new Set<(f: AmiWatchFinding) => void | Promise<void>>();
  private readonly watchTimer: AmiWatchTimer | undefined;

  constructor(private readonly deps: ApplicationDeps) {
    this.engine = deps.engine;
    this.targets = deps.targets;
    this.approvers = deps.approvers;
    this.clock = deps.clock;
    this.log = deps.log;
    this.audit = throttleRefusals((e) => deps.store.audit(e), { log: deps.log.child({ component: 'audit' }), ...(deps.realNow ? { now: deps.realNow } : {}) });
    this.watchTimer = deps.amiWatch ? new AmiWatchTimer(deps.amiWatch) : undefined;
  }

  /** An actor for a person acting now. */
  actor(user: string, channel?: string): Actor {
    return { user, at: this.clock.now(), ...(channel ? { channel } : {}) };
  }

  windowsOf(ref: GroupRef): readonly Window[] {
    return this.deps.windowsOf(ref);
  }

  get schedulesAvailable(): boolean {
    return this.deps.schedules !== undefined;
  }

  resolve(wanted: { cluster?: string; nodegroup?: string }, channel?: ChannelRef): Promise<GroupRef> {
    return this.targets.resolve(wanted, channel);
  }

  plan(request: UpgradeRequest): Promise<Plan> {
    return this.engine.plan(request);
  }

  requestUpgrade(ask: UpgradeAsk): Promise<UpgradeOutcome> {
    return requestUpgrade({ engine: this.engine, targets: this.targets, windowsOf: (ref) => this.windowsOf(ref), audit: this.audit }, ask);
  }

  /** A request nobody could see (its message could not be posted): withdrawn rather than left waiting. */
  withdraw(runId: string, channel?: string): Promise<Run> {
    return this.engine.cancel(runId, this.actor('mngbot', channel));
  }

  approve(runId: string, by: Actor): Promise<Run> {
    return this.engine.approve(runId, by);
  }

  reject(runId: string, by: Actor): Promise<Run> {
    return this.engine.reject(runId, by);
  }

  decide(runId: string, node: string, choice: DecisionChoice, by: Actor): Promise<Run> {
    return this.engine.decide(runId, node, choice, by);
  }

  /** Nodes in flight finish, none starts; approvers only. */
  pause(runId: string, by: Actor): Promise<Run> {
    return controlRun(this.controlDeps(), 'pause', runId, by);
  }

  /** Approvers only; a run its window paused carries on outside the window. */
  resume(runId: string, by: Actor): Promise<Run> {
    return controlRun(this.controlDeps(), 'resume', runId, by);
  }

  /** The run a person named by its id or its node group (the group's run under way). */
  runOf(target: RunTarget, channel?: ChannelRef): Promise<string> {
    return resolveRunTarget(this.controlDeps(), target, channel);
  }

  /** Approvers and the person who asked may cancel a run; anyone else is refused, and that is audited. */
  async cancel(runId: string, by: Actor): Promise<Run> {
    const run = await this.engine.get(runId);
    if (!run) throw new UserError(`there is no run ${runId}`, 'list the runs to see which there are');
    if (run.requestedBy.user !== by.user && !(await this.approvers.isApprover(by.user))) {
      await this.audit({ at: by.at, user: by.user, action: 'refused-cancel', runId, ...(by.channel ? { channel: by.channel } : {}), detail: 'not an approver nor the requester' });
      this.log.info('cancel refused', { runId, user: by.user });
      throw new UserError(`only approvers and the person who asked may cancel run ${runId}`, 'ask one of the configured approvers');
    }
    const after = await audited(this.controlDeps(), 'cancel', runId, by, () => this.engine.cancel(runId, by));
    this.log.info('cancel requested', { runId, user: by.user, status: after.status });
    return after;
  }

  /**
   * Asks to put the nodes a run replaced back on the release before it (app/rollback.ts): approvers
   * only; a run still under way is cancelled first. The rollback is a new run awaiting approval.
   */
  rollback(runId: string, by: Actor, opts: Omit<RollbackAsk, 'runId' | 'by'> = {}): Promise<RollbackOutcome> {
    const deps = { engine: this.engine, targets: this.targets, isApprover: (u: string) => this.approvers.isApprover(u), audit: this.audit, windowsOf: (ref: GroupRef) => this.windowsOf(ref), log: this.log };
    return requestRollback(deps, { ...opts, runId, by });
  }

  /** Runs newest first, optionally of one cluster or node group. */
  history(filter: { cluster?: string; nodegroup?: string } = {}): Promise<Run[]> {
    return this.engine.list({ ...(filter.cluster ? { cluster: filter.cluster } : {}), ...(filter.nodegroup ? { nodegroup: filter.nodegroup } : {}) });
  }

  /** One run and its latest events, or undefined. */
  async status(runId: string, events = 15): Promise<{ run: Run; events: string[] } | undefined> {
    const run = await this.engine.get(runId);
    if (!run) return undefined;
    return { run, events: (await this.engine.events(runId, events)).events.map((e) => e.detail) };
  }

  /** The last `limit` audit entries, oldest first; approvers only (a refusal is itself recorded). */
  async auditLog(by: Actor, limit: number): Promise<AuditEntry[]> {
    if (!(await this.approvers.isApprover(by.user))) {
      await this.audit({ at: by.at, user: by.user, action: 'refused-audit', ...(by.channel ? { channel: by.channel } : {}), detail: 'not an approver' });
      this.log.info('audit refused', { user: by.user });
      throw new UserError('only approvers may read the audit log', `approvers: ${this.approvers.list()}`);
    }
    if (!this.deps.store.auditLog) throw new UserError('the audit log is not available in this mngbot');
    return this.deps.store.auditLog(limit);
  }

  fleet(): Promise<ClusterRow[]> {
    return fleetRows({ targets: this.targets, nodeGroups: this.deps.nodeGroups, list: (f) => this.engine.list(f), windowsOf: (ref) => this.windowsOf(ref) });
  }

  windows(now = this.clock.now()): Promise<{ rows: WindowsRow[]; errors: WindowsClusterError[] }> {
    return windowsRows({ targets: this.targets, windowsOf: (ref) => this.windowsOf(ref) }, now);
  }

  createSchedule(ask: ScheduleAsk): Promise<Schedule> {
    return createSchedule(this.scheduleDeps(), ask);
  }

  listSchedules(): Promise<Schedule[]> {
    return listSchedules(this.scheduleDeps());
  }

  cancelSchedule(id: string, by: Actor): Promise<Schedule> {
    return cancelSchedule(this.scheduleDeps(), id, by);
  }

  /** Tells a front end about each firing (Slack posts its plan); without one, firings are only logged. */
  onScheduleFired(listener: (f: ScheduleFiring) => void | Promise<void>): () => void {
    this.firingListeners.add(listener);
    return () => this.firingListeners.delete(listener);
  }

  /** The scheduler's tick: fires what is due, one tick at a time. */
  async fireDueSchedules(now = this.clock.now()): Promise<ScheduleFiring[]> {
    if (this.firing) return [];
    this.firing = true;
    try {
      const firings = await fireDueSchedules(this.scheduleDeps(), now);
      for (const f of firings) {
        for (const listener of this.firingListeners) {
          await Promise.resolve(listener(f)).catch((err: unknown) => this.log.warn('a schedule listener failed', { schedule: f.schedule.id, error: String(err) }));
        }
      }
      return firings;
    } finally {
      this.firing = false;
    }
  }

  /** Every configured node group: its release and how far behind, its next window, its last run. */
  fleetStatus(now = this.clock.now()): Promise<FleetReport> {
    return fleetReport(
      {
        targets: this.targets,
        nodeGroups: this.deps.nodeGroups,
        ...(this.deps.releases ? { releases: this.deps.releases } : {}),
        runsOf: (ref) => this.engine.list({ cluster: ref.cluster, nodegroup: ref.nodegroup }),
        windowsOf: (ref) => this.windowsOf(ref),
      },
      now,
    );
  }

  /** The AMI watch's settings, when it is on. */
  get amiWatchSettings(): AmiWatchSettings | undefined {
    return this.watchTimer?.settings;
  }

  /** Tells a front end what the AMI watch found (Slack posts one message for the fleet). */
  onAmiWatch(listener: (f: AmiWatchFinding) => void | Promise<void>): () => void {
    this.watchListeners.add(listener);
    return () => this.watchListeners.delete(listener);
  }

  /**
   * Looks at the fleet now: when groups are behind (and not already being upgraded), tells the
   * listeners once for the whole fleet; when every group is current, nobody is told.
   */
  async amiWatch(now = this.clock.now()): Promise<AmiWatchFinding | undefined> {
    const report = await this.fleetStatus(now);
    const behind = behindGroups(report);
    const unread = report.groups.filter((g) => g.error).map((g) => `${g.ref.cluster}/${g.ref.nodegroup}`);
    if (unread.length || report.errors.length) this.log.warn('AMI watch could not read every node group', { groups: unread, clusters: report.errors.map((e) => e.cluster) });
    this.log.info('AMI watch', { groups: report.groups.length, behind: behind.map((g) => `${g.ref.cluster}/${g.ref.nodegroup}`) });
    if (behind.length === 0) return undefined;
    const channel = this.watchTimer?.settings.channel;
    const finding: AmiWatchFinding = { report, behind, ...(channel ? { channel } : {}) };
    for (const listener of this.watchListeners) {
      await Promise.resolve(listener(finding)).catch((err: unknown) => this.log.warn('an AMI watch listener failed', { error: String(err) }));
    }
    return finding;
  }

  /** The scheduler's tick: runs the AMI watch when its time has come. */
  async amiWatchTick(now = this.clock.now()): Promise<AmiWatchFinding | undefined> {
    if (!this.watchTimer?.due(now)) return undefined;
    return this.amiWatch(now);
  }

  /**
   * The AMI watch's "Schedule into next window": the group's upgrade to the latest release of its own
   * Kubernetes version, asked for as a person would, so it waits for an approval and then for the
   * group's next maintenance window (at once without windows).
   */
  async scheduleIntoWindow(ref: GroupRef, by: Actor, channel?: ChannelRef): Promise<UpgradeOutcome> {
    const resolved = await this.resolve(ref, channel);
    const { version } = await this.deps.nodeGroups.describeNodegroup(resolved);
    return this.requestUpgrade({
      choices: { cluster: resolved.cluster, nodegroup: resolved.nodegroup, version },
      by,
      ...(channel ? { channel, notify: { channel: channel.id } } : {}),
    });
  }

  /** Requests nobody answered in time are closed. */
  expireStale(): Promise<Run[]> {
    return this.engine.expireStale();
  }

  private controlDeps(): RunControlDeps {
    return { engine: this.engine, targets: this.targets, approvers: this.approvers, audit: this.audit };
  }

  private scheduleDeps(): ScheduleDeps {
    return {
      engine: this.engine,
      targets: this.targets,
      windowsOf: (ref) => this.windowsOf(ref),
      audit: this.audit,
      nodeGroups: this.deps.nodeGroups,
      isApprover: (user) => this.approvers.isApprover(user),
      log: this.log,
      ...(this.deps.schedules ? { store: this.deps.schedules } : {}),
      ...(this.deps.newScheduleId ? { newScheduleId: this.deps.newScheduleId } : {}),
    };
  }
}
