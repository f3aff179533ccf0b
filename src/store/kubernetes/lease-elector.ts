// Leadership among mngbot's replicas through a coordination.k8s.io/v1 Lease, as client-go's
// leaderelection does it: the holder renews the Lease every renewMs; another replica takes it once it
// has seen no renewal for the lease's duration (measured on its own clock, never by comparing clocks);
// every write names the resourceVersion it read, so of two replicas taking it one wins.
// A leader that cannot renew for renewDeadlineMs (< the lease's duration) stops leading on its own
// before anyone can take over: held() turns false, and with it every world-changing call it makes.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { CoordinationV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { errorMessage } from '../../engine/errors.js';
import { codeOf } from '../../kube/kube-errors.js';

export interface LeaseSettings {
  /** A replica that saw no renewal for this long takes the lease. Default 15 s. */
  leaseDurationMs: number;
  /** How often the holder renews and the others look. Default 5 s. */
  renewMs: number;
  /** The holder stops leading when it has not renewed for this long. Default 10 s; below leaseDurationMs. */
  renewDeadlineMs: number;
}

export const DEFAULT_LEASE: LeaseSettings = { leaseDurationMs: 15_000, renewMs: 5_000, renewDeadlineMs: 10_000 };

export interface LeaseElectorOptions extends Partial<LeaseSettings> {
  kubeConfig: KubeConfig;
  namespace: string;
  /** Default mngbot-leader. */
  name?: string;
  /** Who this replica is; default <hostname>_<random>. */
  identity?: string;
  log?: { info(msg: string, fields?: Record<string, unknown>): void; warn(msg: string, fields?: Record<string, unknown>): void };
}

export type LeadershipListener = (leading: boolean) => void;

const monotonic = () => performance.now();

export class LeaseElector {
  readonly identity: string;
  readonly settings: LeaseSettings;
  private readonly api: CoordinationV1Api;
  private readonly name: string;
  private readonly listeners = new Set<LeadershipListener>();
  private leading = false;
  /** Monotonic ms of our last successful renewal (or acquisition). */
  private renewedAt = -Infinity;
  /** The lease as last read, and when (monotonic) it last changed. */
  private observed?: { key: string; at: number };
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private ticking?: Promise<void>;

  constructor(private readonly o: LeaseElectorOptions) {
    // What is not given follows the lease's duration as the defaults do: renew at a third, give up at two thirds.
    const leaseDurationMs = o.leaseDurationMs ?? DEFAULT_LEASE.leaseDurationMs;
    this.settings = {
      leaseDurationMs,
      renewMs: o.renewMs ?? Math.min(DEFAULT_LEASE.renewMs, Math.round(leaseDurationMs / 3)),
      renewDeadlineMs: o.renewDeadlineMs ?? Math.round((leaseDurationMs * 2) / 3),
    };
    const s = this.settings;
    if (!(s.renewMs < s.renewDeadlineMs && s.renewDeadlineMs < s.leaseDurationMs)) {
      throw new Error(`lease: the renewal interval (${s.renewMs} ms) must be below the renew deadline (${s.renewDeadlineMs} ms), and that below the lease's duration (${s.leaseDurationMs} ms)`);
    }
    this.api = o.kubeConfig.makeApiClient(CoordinationV1Api);
    this.name = o.name ?? 'mngbot-leader';
    this.identity = o.identity ?? `${hostname()}_${randomUUID().slice(0, 8)}`;
  }

  /** Leading, and renewed recently enough that nobody else can have taken over. */
  held(): boolean {
    return this.leading && monotonic() - this.renewedAt < this.settings.renewDeadlineMs;
  }

  /** Called with true when this replica starts leading, false when it stops. */
  onChange(fn: LeadershipListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Tries at once, then every renewMs. */
  start(): void {
    this.stopped = false;
    void this.loop();
  }

  /** Stops trying; a leader hands the lease back so another replica need not wait for it to run out. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.ticking;
    if (!this.leading) return;
    this.set(false);
    try {
      const lease = await this.api.readNamespacedLease({ name: this.name, namespace: this.o.namespace });
      if (lease.spec?.holderIdentity !== this.identity) return;
      lease.spec = { ...lease.spec, holderIdentity: undefined, leaseDurationSeconds: 1, renewTime: undefined, acquireTime: undefined };
      await this.api.replaceNamespacedLease({ name: this.name, namespace: this.o.namespace, body: lease });
    } catch (err) {
      this.o.log?.warn('could not hand the lease back; another replica takes it once it runs out', { error: errorMessage(err) });
    }
  }

  private async loop(): Promise<void> {
    if (this.stopped) return;
    this.ticking = this.tick();
    await this.ticking;
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.loop(), this.settings.renewMs);
  }

  private async tick(): Promise<void> {
    try {
      await this.tryAcquireOrRenew();
    } catch (err) {
      this.o.log?.warn('lease: could not reach the Kubernetes API', { lease: this.name, error: errorMessage(err) });
    }
    if (this.leading && !this.held()) {
      this.o.log?.warn('lease: not renewed in time; stopped leading', { lease: this.name, renewDeadlineMs: this.settings.renewDeadlineMs });
      this.set(false);
    }
  }

  private async tryAcquireOrRenew(): Promise<void> {
    const ns = this.o.namespace;
    // A call that hangs must not outlive the renew deadline unnoticed.
    const within = <T>(p: Promise<T>) => timed(p, Math.max(500, this.settings.renewDeadlineMs - this.settings.renewMs));
    let lease: V1Lease | undefined;
    try {
      lease = await within(this.api.readNamespacedLease({ name: this.name, namespace: ns }));
    } catch (err) {
      if (codeOf(err) !== 404) throw err;
    }
    const now = new Date();
    const mine = (transitions: number): V1Lease['spec'] => ({
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.max(1, Math.round(this.settings.leaseDurationMs / 1000)),
      acquireTime: now,
      renewTime: now,
      leaseTransitions: transitions,
    });
    if (!lease) {
      try {
        await within(this.api.createNamespacedLease({ namespace: ns, body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.name, namespace: ns }, spec: mine(0) } }));
      } catch (err) {
        if (codeOf(err) === 409) return; // another replica created it first
        throw err;
      }
      this.renewed();
      return;
    }
    const spec = lease.spec ?? {};
    const t = monotonic();
    const key = `${spec.holderIdentity ?? ''}|${String(spec.renewTime ?? '')}|${lease.metadata?.resourceVersion ?? ''}`;
    if (this.observed?.key !== key) this.observed = { key, at: t };
    if (spec.holderIdentity === this.identity) {
      lease.spec = { ...spec, renewTime: now, leaseDurationSeconds: mine(0)!.leaseDurationSeconds };
    } else {
      const durationMs = (spec.leaseDurationSeconds ?? 0) * 1000;
      const free = !spec.holderIdentity || t - this.observed.at >= durationMs;
      if (!free) {
        if (this.leading) this.set(false);
        return;
      }
      lease.spec = mine((spec.leaseTransitions ?? 0) + 1);
    }
    try {
      await within(this.api.replaceNamespacedLease({ name: this.name, namespace: ns, body: lease }));
    } catch (err) {
      if (codeOf(err) === 409) {
        // Someone else wrote it since we read it: if we were leading, somebody took over.
        if (this.leading) this.set(false);
        return;
      }
      throw err;
    }
    this.renewed();
  }

  private renewed(): void {
    this.renewedAt = monotonic();
    if (!this.leading) {
      this.o.log?.info('lease: leading', { lease: this.name, identity: this.identity });
      this.set(true);
    }
  }

  private set(leading: boolean): void {
    if (this.leading === leading) return;
    this.leading = leading;
    if (!leading) this.renewedAt = -Infinity;
    for (const l of this.listeners) l(leading);
  }
}

function timed<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
