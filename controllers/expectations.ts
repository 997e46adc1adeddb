// Expectations (k8s controller_utils): after creating or deleting pods a
// controller waits until its cache has seen those changes before it counts
// pods again, so a lagging cache never makes it create or delete twice.
import type { Clock } from '../client/work-queue';

interface Record {
  adds: number;
  deletes: Set<string>;
  at: number;
}

export class Expectations {
  private readonly records = new Map<string, Record>();

  constructor(
    private readonly clock: Clock,
    /** Expectations older than this are given up on (a lost event must not wedge a controller). */
    private readonly ttlMs = 5 * 60_000,
  ) {}

  expectCreations(key: string, n: number): void {
    this.records.set(key, { adds: n, deletes: new Set(), at: this.clock.now() });
  }

  expectDeletions(key: string, uids: string[]): void {
    this.records.set(key, { adds: 0, deletes: new Set(uids), at: this.clock.now() });
  }

  /** Both at once, for a pass that creates and deletes. */
  expect(key: string, adds: number, deleteUids: string[]): void {
    this.records.set(key, { adds, deletes: new Set(deleteUids), at: this.clock.now() });
  }

  creationObserved(key: string): void {
    const r = this.records.get(key);
    if (r && r.adds > 0) r.adds--;
  }

  deletionObserved(key: string, uid: string): void {
    this.records.get(key)?.deletes.delete(uid);
  }

  satisfied(key: string): boolean {
    const r = this.records.get(key);
    if (!r) return true;
    return (r.adds <= 0 && r.deletes.size === 0) || this.clock.now() - r.at > this.ttlMs;
  }

  delete(key: string): void {
    this.records.delete(key);
  }
}
