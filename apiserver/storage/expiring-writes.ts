// A backend whose every create and update expires after a TTL asked for at
// write time (Events, as Kubernetes' --event-ttl): the store above it stays
// unaware, and reads, deletes and watches pass through unchanged.
import type { Backend, ListOptions, ListResult, KeyValue, PutOptions, StorageWatch, WatchHandlers, WriteResult } from './backend';

export class ExpiringWrites implements Backend {
  constructor(
    private readonly inner: Backend,
    /** Seconds a key lives after each write (an update starts the TTL again). */
    private readonly ttlSeconds: () => number,
  ) {}

  private withTtl(opts?: PutOptions): PutOptions {
    return Object.assign({}, opts, { ttlSeconds: this.ttlSeconds() });
  }

  create(key: string, value: Buffer, opts?: PutOptions): Promise<WriteResult> {
    return this.inner.create(key, value, this.withTtl(opts));
  }

  update(key: string, value: Buffer, expectedRevision: number, opts?: PutOptions): Promise<WriteResult> {
    return this.inner.update(key, value, expectedRevision, this.withTtl(opts));
  }

  get(key: string): Promise<KeyValue | undefined> {
    return this.inner.get(key);
  }

  list(prefix: string, opts?: ListOptions): Promise<ListResult> {
    return this.inner.list(prefix, opts);
  }

  count(prefix: string): Promise<number> {
    return this.inner.count(prefix);
  }

  delete(key: string, expectedRevision: number): Promise<WriteResult> {
    return this.inner.delete(key, expectedRevision);
  }

  watch(prefix: string, afterRevision: number, handlers: WatchHandlers): StorageWatch {
    return this.inner.watch(prefix, afterRevision, handlers);
  }

  currentRevision(): Promise<number> {
    return this.inner.currentRevision();
  }

  compact(revision: number): Promise<void> {
    return this.inner.compact(revision);
  }

  /** The inner backend is shared with every other store: its owner closes it. */
  async close(): Promise<void> {}
}
