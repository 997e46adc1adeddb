// The storage contract the apiserver needs, kept kine-sized: reads, a prefix
// list at a revision, and writes that are compare-and-swap on mod_revision.

export interface KeyValue {
  key: string;
  value: Buffer;
  modRevision: number;
  createRevision: number;
}

export interface ListResult {
  kvs: KeyValue[];
  /** Revision the list was read at (the collection's resourceVersion). */
  revision: number;
  /** True when `limit` cut the list short. */
  more: boolean;
}

export interface ListOptions {
  /** Start key inside the prefix (inclusive), for paging. */
  startKey?: string;
  limit?: number;
  /** Read at this revision (0 = latest). */
  revision?: number;
}

export interface PutOptions {
  /**
   * The key expires (etcd deletes it, watchers see a delete) this many seconds
   * after the write, as Kubernetes' --event-ttl; a write without it keeps the
   * key forever. Keys with close expiries share one etcd lease.
   */
  ttlSeconds?: number;
}

export type WriteResult = { ok: true; revision: number } | { ok: false; current?: KeyValue };

export type StorageEventType = 'put' | 'delete';

export interface StorageEvent {
  type: StorageEventType;
  kv: KeyValue; // for delete: key, empty value, modRevision = the delete revision
  prev?: KeyValue;
}

export interface StorageWatch {
  close(): void;
}

export interface WatchHandlers {
  onEvents(events: StorageEvent[], revision: number): void;
  /** Terminal: the watch stopped (e.g. compacted → errors.gone, or etcd unreachable). */
  onError(err: Error): void;
}

export interface Backend {
  get(key: string): Promise<KeyValue | undefined>;
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  count(prefix: string): Promise<number>;
  /** Put if the key does not exist. */
  create(key: string, value: Buffer, opts?: PutOptions): Promise<WriteResult>;
  /** Put if the key's mod_revision equals expected (a TTL, if given, starts again). */
  update(key: string, value: Buffer, expectedRevision: number, opts?: PutOptions): Promise<WriteResult>;
  /** Delete if the key's mod_revision equals expected. */
  delete(key: string, expectedRevision: number): Promise<WriteResult>;
  /** Watch a prefix for changes after `afterRevision`. */
  watch(prefix: string, afterRevision: number, handlers: WatchHandlers): StorageWatch;
  currentRevision(): Promise<number>;
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}
