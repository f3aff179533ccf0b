// The engine's public API: what Slack, the CLI and the scheduler may ask of it.
import { Refusal, UserError } from './errors.js';
import type { ProgressEvent, ProgressListener } from './events.js';
import { blockingFindings, makePlan, type PlanDefaults, type PlanInput, type PlanTimings } from './plan.js';
import type { PendingRequest, RefusalFacts } from './outcomes.js';
import type { GroupRef } from './ports.js';
import { DRAIN_CHOICES, GATE_CHOICES, HEALTH_GATE, isActive, isTerminal, type Actor, type DecisionChoice, type Plan, type Run, type UpgradeRequest } from './run.js';
import { retrying } from './retry.js';
import { Runner, type RunnerDeps } from './runner.js';
import { eksRefusal } from './steps/eks-requests.js';
import type { StoreHealth } from './store-guard.js';
import { checkTarget } from './version.js';
import { DEFAULT_BAKE_MS } from './pod-health.js';

export interface ApprovalPolicy {
  isApprover(user: string): boolean | Promise<boolean>;
  /** May the person who asked approve their own request? */
  allowSelfApproval: boolean;
}

export interface EngineOptions extends RunnerDeps {
  policy: ApprovalPolicy;
  defaults?: PlanDefaults & { approvalExpiryMs?: number };
  timings?: PlanTimings;
  newId?: () => string;
}

export const DEFAULT_APPROVAL_EXPIRY_MS = 30 * 60_000;

export type { PendingRequest } from './outcomes.js';

/** A plan that cannot be approved as it stands; the plan travels with the refusal so it can be shown. */
export class PlanRefusedError extends Refusal<Extract<RefusalFacts, { code: 'plan-refused' }>> {
  constructor(readonly plan: Plan) {
    super({ code: 'plan-refused', fields: { blocking: blockingFindings(plan) } });
  }
}

/**
 * A node group has one request awaiting approval at a time: a second would be a second plan for the
 * same nodes, and asking again and again would fill the channel and the data file.
 */
export class PendingRequestError extends Refusal<Extract<RefusalFacts, { code: 'pending-request' }>> {
  constructor(readonly pending: PendingRequest) {
    super({ code: 'pending-request', fields: pending });
  }
}

export class Engine {
  readonly runner: Runner;
  private readonly newId: () => string;

  private readonly opts: EngineOptions;

  constructor(opts: EngineOptions) {
    this.runner = new Runner(opts);
    // Commands use the runner's guarded store: a store that cannot save is one answer everywhere.
    this.opts = { ...opts, store: this.runner.store };
    this.newId = opts.newId ?? (() => `r-${globalThis.crypto.randomUUID().slice(0, 8)}`);
  }

  onEvent(listener: ProgressListener): () => void {
    return this.runner.onEvent(listener);
  }

  /** Not ok while the store cannot save (runs wait; commands are refused with the reason). */
  health(): StoreHealth {
    return this.runner.health();
  }

  /** Picks up every unfinished run in the store. */
  start(): Promise<string[]> {
    return this.runner.resumeAll();
  }

  stop(): Promise<void> {
    return this.runner.stop();
  }

  /** The run as stored, with what its steps observed since (shown already, saved with the next save). */
  get(runId: string): Promise<Run | undefined> {
    const observed = this.runner.observedRun(runId);
    return observed ? Promise.resolve(observed) : this.opts.store.get(runId);
  }

  /** The run as stored. Within runner.withLock it is the runner's own copy, safe to change and commit. */
  async mustGet(runId: string): Promise<Run> {
    const run = await this.runner.load(runId);
    if (!run) throw new Refusal({ code: 'no-such-run', fields: { runId } });
    return run;
  }

  /** A run's newest events, oldest first, and how many older ones the store dropped. */
  events(runId: string, limit?: number): Promise<{ events: ProgressEvent[]; dropped: number }> {
    return this.opts.store.events(runId, limit);
  }

  list(filter?: Parameters<EngineOptions['store']['list']>[0]): Promise<Run[]> {
    return this.opts.store.list(filter);
  }

  /**
   * The pace the plan's estimate stands on: the world's when it is known (a simulated world), else what
   * the group's last successful run measured, else none (the plan assumes real EKS's, as a range).
   */
  private async timingsFor(ref: GroupRef): Promise<Partial<Pick<PlanInput, 'timings' | 'timingsFrom'>>> {
    if (this.opts.timings) return { timings: this.opts.timings, timingsFrom: { kind: 'world' } };
    const runs = await this.opts.store.list({ cluster: ref.cluster, nodegroup: ref.nodegroup, statuses: ['succeeded'] });
    const last = runs.find((r) => r.outcome?.measured?.launchToReadyMs !== undefined);
    if (!last) return {};
    return { timings: { ...last.outcome!.measured }, timingsFrom: { kind: 'past-run', runId: last.id } };
  }

  /** Works out what an upgrade would do; changes nothing. */
  async plan(request: UpgradeRequest): Promise<Plan> {
    const { nodeGroups, clock } = this.opts;
    const call = <T>(fn: () => Promise<T>) => retrying(clock, fn);
    const cluster = await call(() => nodeGroups.describeCluster(request.ref.cluster));
    const group = await call(() => nodeGroups.describeNodegroup(request.ref));
    const target = checkTarget({
      target: request.version,
      controlPlane: cluster.version,
      nodegroup: group.version,
      names: { cluster: cluster.name, nodegroup: group.name },
      ...(request.rollback && !group.managed ? { allowOlder: true } : {}),
    });
    const k8s = this.opts.clusterFor(request.ref.cluster);
    const { rollback } = request;
    const [instances, image, nodes, pods, pdbs] = await Promise.all([
      call(() => nodeGroups.listInstances(request.ref)),
      // A rollback goes back to the very image the group ran, whether or not SSM still names it.
      rollback && request.releaseVersion
        ? { version: target.version, releaseVersion: request.releaseVersion, imageId: rollback.imageId }
        : call(() => nodeGroups.resolveImage(request.ref, target.version, request.releaseVersion)),
      call(() => k8s.listNodes()),
      call(() => k8s.listPods()),
      call(() => k8s.listPdbs()),
    ]);
    return makePlan({
      request,
      cluster,
      group,
      instances,
      nodes,
      pods,
      pdbs,
      image,
      defaults: { ...this.opts.defaults, bakeMs: this.opts.defaults?.bakeMs ?? DEFAULT_BAKE_MS },
      ...(await this.timingsFor(request.ref)),
      now: clock.now(),
      ...(this.runner.settings.self ? { self: this.runner.settings.self } : {}),
    });
  }

  /** Plans the upgrade and stores it awaiting approval. Refuses (PlanRefusedError) a plan with blocking findings. */
  async requestUpgrade(
    request: UpgradeRequest,
    by: Actor,
    extra: { notify?: Run['notify']; notBefore?: number; outsideWindows?: boolean } = {},
  ): Promise<Run> {
    // Before planning, so that asking again and again costs no cloud calls; again below, under the lock.
    // A run under way first: its own change (EKS's UPDATING, a group being resized) would otherwise
    // refuse the plan for a reason that hides the run to follow.
    await this.assertNoPendingRequest(request.ref);
    await this.assertNoActiveRun(request.ref);
    const plan = await this.plan(request);
    if (blockingFindings(plan).length > 0) throw new PlanRefusedError(plan);
    // The group's key, not a run id: two requests for one group at once see each other.
    return this.runner.withLock(`request ${request.ref.cluster}/${request.ref.nodegroup}`, async () => {
      await this.assertNoPendingRequest(request.ref);
      await this.assertNoActiveRun(request.ref);
      return this.createRequest(request, plan, by, extra);
    });
  }

  private async createRequest(request: UpgradeRequest, plan: Plan, by: Actor, extra: { notify?: Run['notify']; notBefore?: number; outsideWindows?: boolean }): Promise<Run> {
    const now = this.opts.clock.now();
    const run: Run = {
      id: this.newId(),
      rev: 0,
      ref: request.ref,
      strategy: plan.strategy,
      status: 'awaiting-approval',
      phase: 'pending',
      plan,
      requestedBy: by,
      createdAt: now,
      expiresAt: now + (this.opts.defaults?.approvalExpiryMs ?? DEFAULT_APPROVAL_EXPIRY_MS),
      nodes: plan.nodes.map((n) => ({ name: n.name, instanceId: n.instanceId, az: n.az, role: 'old', state: 'waiting', at: {}, evicted: 0, forced: 0 })),
      newNodes: [],
      requests: {},
      counters: { podsEvicted: 0, forcedDeletions: 0, apiErrors: 0 },
      ...(extra.notify ? { notify: extra.notify } : {}),
      ...(extra.notBefore ? { notBefore: extra.notBefore } : {}),
      ...(extra.outsideWindows ? { outsideWindows: true } : {}),
    };
    await this.opts.store.create(run);
    await this.audit(by, 'request', run.id, `${request.ref.cluster}/${request.ref.nodegroup} → ${plan.toVersion} (${plan.toRelease})`);
    return run;
  }

  /** Approves and starts (or schedules) the run. Exactly one of any number of concurrent approvals wins. */
  async approve(runId: string, by: Actor): Promise<Run> {
    const run = await this.runner.withLock(runId, async () => {
      const run = await this.mustGet(runId);
      await this.checkDecidable(run, by, 'approve');
      await this.assertNoActiveRun(run.ref, run.id);
      const now = this.opts.clock.now();
      run.approvedBy = by;
      run.decidedBy = { ...by, decision: 'approved' };
      let detail = `approved by ${by.user}`;
      const gate = run.outsideWindows ? undefined : this.opts.windows?.(run.ref);
      const window = gate?.at(now);
      if (gate && window && !window.open) {
        run.notBefore = Math.max(run.notBefore ?? 0, window.opensAt ?? now);
        detail += window.opensAt ? `; waiting for the maintenance window: next window opens ${gate.describe(window.opensAt, now)}` : '';
      }
      run.status = run.notBefore && run.notBefore > now ? 'scheduled' : 'running';
      await this.runner.commit(run, [this.statusEvent(run, detail)]);
      await this.audit(by, 'approve', run.id);
      return run;
    });
    void this.runner.start(runId);
    return run;
  }

  async reject(runId: string, by: Actor): Promise<Run> {
    return this.runner.withLock(runId, async () => {
      const run = await this.mustGet(runId);
      await this.checkDecidable(run, by, 'reject');
      run.status = 'rejected';
      run.decidedBy = { ...by, decision: 'rejected' };
      run.finishedAt = this.opts.clock.now();
      run.outcome = { status: 'rejected', summary: `Rejected by ${by.user}; nothing was changed.`, changes: [] };
      await this.runner.commit(run, [this.statusEvent(run, `rejected by ${by.user}`)]);
      await this.audit(by, 'reject', run.id);
      return run;
    });
  }

  /** Marks requests nobody decided in time as expired; returns them. */
  async expireStale(): Promise<Run[]> {
    const now = this.opts.clock.now();
    const expired: Run[] = [];
    for (const stale of await this.opts.store.list({ statuses: ['awaiting-approval'] })) {
      if ((stale.expiresAt ?? Infinity) > now) continue;
      const run = await this.runner.withLock(stale.id, () => this.expire(stale.id));
      if (run) expired.push(run);
    }
    return expired;
  }

  /** Stops the run at its next safe point and puts back what it changed. */
  async cancel(runId: string, by: Actor): Promise<Run> {
    const run = await this.runner.withLock(runId, async () => {
      const run = await this.mustGet(runId);
      if (isTerminal(run.status)) throw new Refusal({ code: 'run-ended', fields: { runId, status: run.status } });
      if (run.status === 'awaiting-approval') {
        run.status = 'cancelled';
        run.finishedAt = this.opts.clock.now();
        run.outcome = { status: 'cancelled', summary: `Cancelled by ${by.user} before it started; nothing was changed.`, changes: [] };
        await this.runner.commit(run, [this.statusEvent(run, `cancelled by ${by.user}`)]);
      } else if (run.phase === 'pending' && run.status === 'scheduled') {
        run.status = 'cancelled';
        run.finishedAt = this.opts.clock.now();
        run.outcome = { status: 'cancelled', summary: `Cancelled by ${by.user} before its window; nothing was changed.`, changes: [] };
        await this.runner.commit(run, [this.statusEvent(run, `cancelled by ${by.user}`)]);
      } else {
        if (run.cleanupReason) throw new Refusal({ code: 'run-cleaning-up', fields: { runId, status: run.cleanupReason.status } });
        const refusal = eksRefusal(run, 'cancel');
        if (refusal) throw refusal;
        run.requests.cancel = by;
        await this.runner.commit(run, []);
      }
      await this.audit(by, 'cancel', run.id);
      return run;
    });
    this.runner.wake(runId);
    return run;
  }

  /**
   * A person's answer to a blocked drain (force, skip the node, or abort the run), or to the health
   * gate (node HEALTH_GATE: continue, roll back, or abort).
   */
  async decide(runId: string, node: string, choice: DecisionChoice, by: Actor): Promise<Run> {
    const run = await this.runner.withLock(runId, async () => {
      const run = await this.mustGet(runId);
      const atGate = node === HEALTH_GATE;
      if (!(await this.opts.policy.isApprover(by.user))) {
        await this.audit(by, `refused-${choice}`, runId, 'not an approver');
        throw new Refusal({ code: 'not-approver', fields: { action: choice, of: atGate ? 'the health gate' : 'a blocked drain' } });
      }
      if (run.status !== 'needs-decision' || run.decision?.node !== node) {
        throw new Refusal({ code: 'no-decision-waiting', fields: { runId, node, status: run.status } });
      }
      if (!(atGate ? GATE_CHOICES : DRAIN_CHOICES).includes(choice)) {
        throw new UserError(`${choice} is not an answer to ${atGate ? 'the health gate' : 'a blocked drain'}: choose ${(atGate ? GATE_CHOICES : DRAIN_CHOICES).join(', ')}`);
      }
      const chosen = run.requests.decision;
      if (chosen) throw new Refusal({ code: 'already-chosen', fields: { node, by: chosen.by.user, choice: chosen.choice } });
      run.requests.decision = { node, choice, by };
      await this.runner.commit(run, []);
      await this.audit(by, choice, runId, node);
      // The runner goes on with this very object once woken: the caller gets the run as decided, with
      // the question it answered, not whatever the next step makes of it.
      return structuredClone(run);
    });
    this.runner.wake(runId);
    return run;
  }

  async pause(runId: string, by: Actor): Promise<Run> {
    const run = await this.runner.withLock(runId, async () => {
      const run = await this.mustGet(runId);
      if (run.status !== 'running') throw new Refusal({ code: 'run-not-running', fields: { runId, status: run.status } });
      const refusal = eksRefusal(run, 'pause');
      if (refusal) throw refusal;
      run.requests.pause = by;
      await this.runner.commit(run, []);
      await this.audit(by, 'pause', runId);
      return run;
    });
    this.runner.wake(runId);
    return run;
  }

  async resume(runId: string, by: Actor): Promise<Run> {
    const run = await this.runner.withLock(runId, async () => {
      const run = await this.mustGet(runId);
      if (run.status !== 'paused' && !run.requests.pause) throw new Refusal({ code: 'run-not-paused', fields: { runId, status: run.status } });
      delete run.requests.pause;
      if (run.windowPause) {
        // A person resuming a run the window paused means: carry on outside the window.
        run.windowPause = undefined;
        run.outsideWindows = true;
      }
      // Said in the thread as the pause was: who resumed it.
      const events: ProgressEvent[] =
        run.status === 'paused'
          ? [
              { runId, at: this.opts.clock.now(), kind: 'decision', choice: 'resume', by: by.user, detail: `resumed by ${by.user}` },
              this.statusEvent(run, `resumed by ${by.user}`, 'running'),
            ]
          : [];
      if (run.status === 'paused') run.status = 'running';
      await this.runner.commit(run, events);
      await this.audit(by, 'resume', runId);
      return run;
    });
    void this.runner.start(runId);
    return run;
  }

  /** Records where a chat front end shows the run, so a restarted bot edits the same messages. */
  async setNotify(runId: string, notify: NonNullable<Run['notify']>): Promise<void> {
    await this.runner.withLock(runId, async () => {
      const run = await this.mustGet(runId);
      const merged = { ...run.notify, ...notify };
      if (JSON.stringify(merged) === JSON.stringify(run.notify)) return;
      run.notify = merged;
      await this.runner.commit(run, []);
    });
  }

  /** A node group's window opened or closed: its runs look at once rather than at their next wake-up. */
  async windowChanged(ref: GroupRef): Promise<void> {
    const runs = await this.opts.store.list({ cluster: ref.cluster, nodegroup: ref.nodegroup, statuses: ['scheduled', 'running', 'paused', 'needs-decision'] });
    for (const run of runs) this.runner.wake(run.id);
  }

  private async expire(runId: string): Promise<Run | undefined> {
    const run = await this.mustGet(runId);
    if (run.status !== 'awaiting-approval') return undefined;
    const now = this.opts.clock.now();
    run.status = 'expired';
    run.finishedAt = now;
    run.decidedBy = { user: 'mngbot', at: now, decision: 'expired' };
    run.outcome = { status: 'expired', summary: 'Nobody approved this request in time; nothing was changed.', changes: [] };
    await this.runner.commit(run, [this.statusEvent(run, 'approval expired')]);
    await this.audit({ user: 'mngbot', at: now }, 'expire', runId);
    return run;
  }

  private async checkDecidable(run: Run, by: Actor, action: 'approve' | 'reject'): Promise<void> {
    const refuse = async (outcome: RefusalFacts): Promise<never> => {
      const refusal = new Refusal(outcome);
      await this.audit(by, `refused-${action}`, run.id, refusal.message);
      throw refusal;
    };
    if (run.status !== 'awaiting-approval') {
      const decider = run.decidedBy ? { by: run.decidedBy.user } : {};
      await refuse({ code: 'already-decided', fields: { runId: run.id, decision: run.decidedBy?.decision ?? run.status, ...decider } });
    }
    if ((run.expiresAt ?? Infinity) <= this.opts.clock.now()) {
      await this.expire(run.id);
      await refuse({ code: 'request-expired', fields: { runId: run.id } });
    }
    if (!(await this.opts.policy.isApprover(by.user))) await refuse({ code: 'not-approver', fields: { action, of: 'upgrades' } });
    if (action === 'approve' && by.user === run.requestedBy.user && !this.opts.policy.allowSelfApproval) {
      await refuse({ code: 'self-approval', fields: { runId: run.id } });
    }
  }

  /** Requests awaiting approval whose time has not run out (the expiry timer marks the others). */
  private async assertNoPendingRequest(ref: GroupRef): Promise<void> {
    const now = this.opts.clock.now();
    const pending = (await this.opts.store.list({ cluster: ref.cluster, nodegroup: ref.nodegroup, statuses: ['awaiting-approval'] })).find(
      (r) => r.status === 'awaiting-approval' && (r.expiresAt ?? Infinity) > now,
    );
    if (pending) {
      throw new PendingRequestError({
        runId: pending.id,
        ref: pending.ref,
        requestedBy: pending.requestedBy,
        createdAt: pending.createdAt,
        ...(pending.expiresAt !== undefined ? { expiresAt: pending.expiresAt } : {}),
        ...(pending.notify ? { notify: pending.notify } : {}),
      });
    }
  }

  private async assertNoActiveRun(ref: GroupRef, except?: string): Promise<void> {
    const active = (await this.opts.store.list({ cluster: ref.cluster, nodegroup: ref.nodegroup })).find(
      (r) => r.id !== except && isActive(r.status),
    );
    if (active) {
      throw new Refusal({ code: 'active-run', fields: { ref: { cluster: ref.cluster, nodegroup: ref.nodegroup }, runId: active.id, status: active.status } });
    }
  }

  private statusEvent(run: Run, detail: string, status: Run['status'] = run.status): ProgressEvent {
    return { runId: run.id, at: this.opts.clock.now(), kind: 'status', status, detail };
  }

  private audit(by: Actor, action: string, runId?: string, detail?: string): Promise<void> {
    return this.opts.store.audit({
      at: by.at ?? this.opts.clock.now(),
      user: by.user,
      action,
      ...(runId ? { runId } : {}),
      ...(by.channel ? { channel: by.channel } : {}),
      ...(detail ? { detail } : {}),
    });
  }
}
