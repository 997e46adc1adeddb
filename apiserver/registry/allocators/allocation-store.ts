// Allocated values kept in etcd, one key per value under a reserved prefix, so
// any number of apiservers share them: a claim is a create (compare
// mod_revision == 0), so of two apiservers claiming one value only one wins.
import type { Backend, KeyValue } from '../../storage/backend';

export const ALLOCATIONS_PREFIX = '/registry/kapstan/allocations/';

/** Who holds a value: the object it was allocated for. */
export interface AllocationOwner {
  kind: string;
  namespace?: string;
  name: string;
  uid: string;
}

export interface Allocation {
  value: string;
  owner: AllocationOwner;
  modRevision: number;
}

export class AllocationStore {
  private readonly prefix: string;

  /** pool: e.g. 'podcidrs', 'serviceips', 'nodeports'. */
  constructor(private readonly backend: Backend, pool: string) {
    this.prefix = `${ALLOCATIONS_PREFIX}${pool}/`;
  }

  async list(): Promise<Allocation[]> {
    const out: Allocation[] = [];
    let startKey: string | undefined;
    for (;;) {
      const res = await this.backend.list(this.prefix, { startKey, limit: 1000 });
      for (const kv of res.kvs) out.push(this.decode(kv));
      if (!res.more || res.kvs.length === 0) return out;
      startKey = res.kvs[res.kvs.length - 1].key + '\0';
    }
  }

  async get(value: string): Promise<Allocation | undefined> {
    const kv = await this.backend.get(this.key(value));
    return kv ? this.decode(kv) : undefined;
  }

  /** True if the value is now ours (also when we already held it). */
  async claim(value: string, owner: AllocationOwner): Promise<boolean> {
    const res = await this.backend.create(this.key(value), encode(owner));
    if (res.ok) return true;
    return res.current !== undefined && this.decode(res.current).owner.uid === owner.uid;
  }

  /** Takes a value over from a holder found to be gone; false if it changed meanwhile. */
  async takeOver(stale: Allocation, owner: AllocationOwner): Promise<boolean> {
    const res = await this.backend.update(this.key(stale.value), encode(owner), stale.modRevision);
    return res.ok;
  }

  /** Frees the value if this owner holds it; anyone else's claim stays. */
  async release(value: string, owner: Pick<AllocationOwner, 'uid'>): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.get(value);
      if (!current || current.owner.uid !== owner.uid) return;
      if ((await this.backend.delete(this.key(value), current.modRevision)).ok) return;
    }
  }

  private key(value: string): string {
    return this.prefix + value.replace(/\//g, '_');
  }

  private decode(kv: KeyValue): Allocation {
    return {
      value: kv.key.slice(this.prefix.length).replace(/_/g, '/'),
      owner: JSON.parse(kv.value.toString()) as AllocationOwner,
      modRevision: kv.modRevision,
    };
  }
}

function encode(owner: AllocationOwner): Buffer {
  return Buffer.from(JSON.stringify(owner));
}
