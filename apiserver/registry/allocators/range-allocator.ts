// Hands out values of a finite range (IPs, subnets, ports) through an
// AllocationStore. Free values are tried from a random offset so concurrent
// apiservers rarely race for the same one; a lost race moves to the next.
import { AllocationStore, type Allocation, type AllocationOwner } from './allocation-store';

export interface ValueRange {
  /** How many values the range holds. */
  size: number;
  /** The i-th value (0 ≤ i < size), in its stored text form. */
  at(i: number): string;
  /** Whether a requested value belongs to the range (and is not reserved). */
  contains(value: string): boolean;
  /** Values never handed out (e.g. a network's first address). */
  reserved?(i: number): boolean;
}

/** Whether an allocation's owner still exists; a gone owner's values are reused. */
export type OwnerLiveness = (owner: AllocationOwner) => Promise<boolean>;

export type AllocateFailure = 'OutOfRange' | 'Taken' | 'Full';

export class AllocationError extends Error {
  constructor(readonly reason: AllocateFailure, message: string) {
    super(message);
  }
}

export class RangeAllocator {
  constructor(
    readonly store: AllocationStore,
    readonly range: ValueRange,
    private readonly describe: string,
  ) {}

  /** Any free value; values of owners that isLive reports gone count as free. */
  async allocate(owner: AllocationOwner, isLive?: OwnerLiveness): Promise<string> {
    const held = new Map((await this.store.list()).map((a) => [a.value, a]));
    for (const a of held.values()) if (a.owner.uid === owner.uid) return a.value; // a retried request
    const start = Math.floor(Math.random() * this.range.size);
    const stale: Allocation[] = [];
    for (let step = 0; step < this.range.size; step++) {
      const i = (start + step) % this.range.size;
      if (this.range.reserved?.(i)) continue;
      const value = this.range.at(i);
      const existing = held.get(value);
      if (existing) {
        stale.push(existing);
        continue;
      }
      if (await this.store.claim(value, owner)) return value;
    }
    // Full: reuse the values of owners that no longer exist.
    if (isLive) {
      for (const a of stale) {
        if (!(await isLive(a.owner)) && (await this.store.takeOver(a, owner))) return a.value;
      }
    }
    throw new AllocationError('Full', `no free ${this.describe} left`);
  }

  /** Exactly this value, or AllocationError (OutOfRange / Taken). */
  async allocateSpecific(value: string, owner: AllocationOwner, isLive?: OwnerLiveness): Promise<string> {
    if (!this.range.contains(value)) throw new AllocationError('OutOfRange', `${value} is not in the ${this.describe} range`);
    if (await this.store.claim(value, owner)) return value;
    const current = await this.store.get(value);
    if (current && isLive && !(await isLive(current.owner)) && (await this.store.takeOver(current, owner))) return value;
    throw new AllocationError('Taken', `${value} is already allocated`);
  }

  /**
   * What allocateSpecific(requested) or allocate() would hand out now, claiming
   * nothing (server-side dry run): the requested value if free, else any free one.
   */
  async preview(requested?: string): Promise<string> {
    if (requested !== undefined) {
      if (!this.range.contains(requested)) throw new AllocationError('OutOfRange', `${requested} is not in the ${this.describe} range`);
      if (await this.store.get(requested)) throw new AllocationError('Taken', `${requested} is already allocated`);
      return requested;
    }
    const held = new Set((await this.store.list()).map((a) => a.value));
    const start = Math.floor(Math.random() * this.range.size);
    for (let step = 0; step < this.range.size; step++) {
      const i = (start + step) % this.range.size;
      if (!this.range.reserved?.(i) && !held.has(this.range.at(i))) return this.range.at(i);
    }
    throw new AllocationError('Full', `no free ${this.describe} left`);
  }

  release(value: string, owner: Pick<AllocationOwner, 'uid'>): Promise<void> {
    return this.store.release(value, owner);
  }
}
