// Leader election on a coordination.k8s.io/v1 Lease, as client-go's
// leaderelection: candidates try every retryPeriod to take a lease whose
// holder has not renewed it for leaseDuration (measured on OUR clock from when
// we last saw the record change, so clock skew between hosts does not matter);
// the leader renews every retryPeriod and steps down if it cannot renew within
// renewDeadline. Writes carry the resourceVersion read, so two candidates
// never both win.
import { isApiError } from '../api/errors';
import { findByKind } from '../api/resources';
import type { KubeObject } from '../api/types';
import type { RestClient } from './rest-client';
import { Clock, realClock } from './work-queue';

const leases = findByKind('coordination.k8s.io/v1', 'Lease')!;

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

export interface LeaderElectionOptions {
  client: RestClient;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  clock?: Clock;
  log?: (message: string) => void;
  onStartedLeading(): void | Promise<void>;
  onStoppedLeading(): void | Promise<void>;
  onNewLeader?(identity: string): void;
}

/** metav1.MicroTime: RFC 3339 with microseconds. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaderElector {
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly clock: Clock;
  private readonly log: (message: string) => void;
  private leading = false;
  private stopped = false;
  private timer: unknown;
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  /** The record as last seen, and when (our clock) it last changed. */
  private observed: { holder?: string; renewTime?: string; at: number } | undefined;
  private lastRenew = 0;
  private knownLeader: string | undefined;

  constructor(private readonly opts: LeaderElectionOptions) {
    this.leaseDurationMs = opts.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = opts.retryPeriodMs ?? 2_000;
    this.clock = opts.clock ?? realClock;
    this.log = opts.log ?? (() => {});
  }

  isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    if (this.running || this.stopped) return;
    this.running = this.loop();
  }

  /** Stops trying; a leader steps down and releases the lease so another candidate takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clock.clearTimeout(this.timer);
    this.wake?.();
    await this.running;
    if (this.leading) {
      await this.release().catch((err) => this.log(`leader election: releasing the lease failed: ${(err as Error).message}`));
      await this.stepDown();
    }
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let ok = false;
      try {
        ok = await this.tryAcquireOrRenew();
      } catch (err) {
        this.log(`leader election: ${(err as Error).message}`);
      }
      if (this.stopped) break;
      const now = this.clock.now();
      if (ok) {
        this.lastRenew = now;
        if (!this.leading) {
          this.leading = true;
          this.log(`leader election: ${this.opts.identity} became the leader of ${this.opts.namespace}/${this.opts.name}`);
          await this.callback(this.opts.onStartedLeading);
        }
      } else if (this.leading && now - this.lastRenew >= this.renewDeadlineMs) {
        this.log(`leader election: ${this.opts.identity} could not renew within ${this.renewDeadlineMs} ms; stepping down`);
        await this.stepDown();
      }
      await this.sleep(this.retryPeriodMs);
    }
  }

  /** True when we hold the lease after this attempt. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const { client, namespace, name, identity } = this.opts;
    const now = this.clock.now();
    const durationSeconds = Math.max(1, Math.round(this.leaseDurationMs / 1000));
    let lease: Lease;
    try {
      lease = await client.get<Lease>(leases, namespace, name);
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
      const created: Lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace },
        spec: { holderIdentity: identity, leaseDurationSeconds: durationSeconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
      };
      try {
        await client.create(leases, namespace, created);
      } catch (e) {
        if (isApiError(e, 'AlreadyExists')) return false;
        throw e;
      }
      this.observe(created.spec!, now);
      return true;
    }
    const spec = lease.spec ?? {};
    this.observe(spec, now);
    const holder = spec.holderIdentity ?? '';
    const heldByOther = holder !== '' && holder !== identity;
    const otherDurationMs = (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
    if (heldByOther && this.observed!.at + otherDurationMs > now) return false;
    const next: Lease = structuredClone(lease);
    next.spec = {
      ...spec,
      holderIdentity: identity,
      leaseDurationSeconds: durationSeconds,
      renewTime: microTime(now),
      acquireTime: holder === identity ? spec.acquireTime ?? microTime(now) : microTime(now),
      leaseTransitions: (spec.leaseTransitions ?? 0) + (holder === identity ? 0 : 1),
    };
    try {
      await client.update(leases, namespace, next);
    } catch (err) {
      if (isApiError(err, 'Conflict')) return false; // someone else wrote first
      throw err;
    }
    this.observe(next.spec, now);
    return true;
  }

  private observe(spec: LeaseSpec, now: number): void {
    const holder = spec.holderIdentity;
    if (!this.observed || this.observed.holder !== holder || this.observed.renewTime !== spec.renewTime) {
      this.observed = { holder, renewTime: spec.renewTime, at: now };
    }
    if (holder && holder !== this.knownLeader) {
      this.knownLeader = holder;
      this.opts.onNewLeader?.(holder);
    }
  }

  private async release(): Promise<void> {
    const { client, namespace, name, identity } = this.opts;
    const lease = await client.get<Lease>(leases, namespace, name);
    if (lease.spec?.holderIdentity !== identity) return;
    const next = structuredClone(lease);
    next.spec = { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(this.clock.now()) };
    await client.update(leases, namespace, next);
  }

  private async stepDown(): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    await this.callback(this.opts.onStoppedLeading);
  }

  private async callback(fn: () => void | Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.log(`leader election: callback failed: ${(err as Error).stack ?? err}`);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      this.wake = () => {
        this.wake = undefined;
        resolve();
      };
      this.timer = this.clock.setTimeout(this.wake, ms);
    });
  }
}
