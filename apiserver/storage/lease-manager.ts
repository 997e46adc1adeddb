// Shares etcd leases between keys that should expire at about the same time,
// as Kubernetes' storage/etcd3 leaseManager does: a busy cluster writing
// thousands of Events then holds a handful of leases, not one per Event.
//
// A lease is granted with a little extra time (the reuse window: 5% of the
// TTL, at most 60 s) and handed to every key whose TTL ends inside that
// window, so a key may live up to the window longer than asked, never shorter.

/** Grants a lease of `ttlSeconds` and returns its ID (int64, positive). */
export type GrantLease = (ttlSeconds: number) => Promise<bigint>;

export interface LeaseManagerOptions {
  /** Upper bound of the reuse window (Kubernetes: 60 s). */
  reuseSeconds?: number;
  /** Reuse window as a fraction of the TTL (Kubernetes: 0.05). */
  reuseFraction?: number;
  /** Keys attached to one lease before a new one is granted (Kubernetes: 1000). */
  maxKeysPerLease?: number;
  now?: () => number;
}

interface SharedLease {
  id: bigint;
  /** When etcd will expire it (ms since epoch, by our clock at grant time). */
  expiresAt: number;
  keys: number;
}

export class LeaseManager {
  /** The lease being shared, per TTL (a server uses one or two TTLs). */
  private readonly current = new Map<number, SharedLease>();
  /** Grants in flight, so a burst of writes waits for one grant instead of making many. */
  private readonly pending = new Map<number, Promise<SharedLease>>();
  private readonly reuseSeconds: number;
  private readonly reuseFraction: number;
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(
    private readonly grant: GrantLease,
    opts: LeaseManagerOptions = {},
  ) {
    this.reuseSeconds = opts.reuseSeconds ?? 60;
    this.reuseFraction = opts.reuseFraction ?? 0.05;
    this.maxKeys = opts.maxKeysPerLease ?? 1000;
    this.now = opts.now ?? Date.now;
  }

  /** A lease for a key that should live `ttlSeconds` from now. */
  async leaseFor(ttlSeconds: number): Promise<bigint> {
    const ttl = Math.max(1, Math.ceil(ttlSeconds));
    for (;;) {
      const lease = this.current.get(ttl);
      if (lease && this.usable(lease, ttl)) {
        lease.keys++;
        return lease.id;
      }
      let granting = this.pending.get(ttl);
      if (!granting) {
        granting = this.grantShared(ttl);
        this.pending.set(ttl, granting);
      }
      // A grant just made is fresh enough for everyone who waited on it (with
      // a zero reuse window nothing else would ever be); only a full one is not.
      const granted = await granting;
      if (granted.keys < this.maxKeys) {
        granted.keys++;
        return granted.id;
      }
    }
  }

  /** Forgets the shared leases, e.g. when etcd no longer knows one (a restored or replaced etcd). */
  reset(): void {
    this.current.clear();
  }

  /** Ends no earlier than the key's TTL and no later than TTL + the reuse window. */
  private usable(lease: SharedLease, ttl: number): boolean {
    const wanted = this.now() + ttl * 1000;
    return lease.keys < this.maxKeys && lease.expiresAt >= wanted && lease.expiresAt <= wanted + this.reuseWindow(ttl) * 1000;
  }

  private reuseWindow(ttl: number): number {
    return Math.min(this.reuseSeconds, Math.floor(ttl * this.reuseFraction));
  }

  private async grantShared(ttl: number): Promise<SharedLease> {
    const withWindow = ttl + this.reuseWindow(ttl);
    const started = this.now();
    try {
      const id = await this.grant(withWindow);
      // Counted from before the request: etcd's clock started no earlier.
      const lease = { id, expiresAt: started + withWindow * 1000, keys: 0 };
      this.current.set(ttl, lease);
      return lease;
    } finally {
      this.pending.delete(ttl);
    }
  }
}
