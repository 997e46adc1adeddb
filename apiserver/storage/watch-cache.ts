// One etcd watch per resource prefix feeds every client watching that resource.
// Recent events stay in a ring buffer so a client resuming from a recent
// resourceVersion is served from memory; an older one falls back to a direct
// etcd watch, which answers 410 Gone once etcd has compacted that revision.
import type { Backend, KeyValue, StorageEvent, StorageWatch } from './backend';
import { storageError } from './etcd-backend';

export type CacheEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface CacheEvent<T> {
  type: CacheEventType;
  /** The etcd key of the object. */
  key: string;
  object: T;
  /** The object as the JSON clients get, built once from the stored bytes (see WatchCacheOptions.json). */
  json(): Buffer;
  /** The object before this change (absent for ADDED). */
  prev?: T;
  /** Whether `prev` is there, known without decoding it. */
  hasPrev: boolean;
  revision: number;
}

export interface CacheSubscriber<T> {
  onEvent(ev: CacheEvent<T>): void;
  onError(err: Error): void;
}

export interface Subscription {
  close(): void;
}

export interface WatchCacheOptions<T> {
  /** How many recent events stay replayable from memory. */
  capacity?: number;
  /** Turns a stored value into the object clients see (resourceVersion set). */
  decode(value: Buffer, revision: number): T;
  /** The same object as client JSON, straight from the stored bytes (no decode). */
  json(value: Buffer, revision: number): Buffer;
}

export class WatchCache<T> {
  private readonly buffer: CacheEvent<T>[] = [];
  /**
   * The newest stored value of each key written in the buffer's window. It may
   * lag behind etcd: writers use it only as the first guess of a
   * compare-and-swap (a stale guess fails the swap and costs one retry).
   */
  private readonly latest = new Map<string, KeyValue>();
  /** The put behind each buffered event (undefined for deletes), parallel to `buffer`. */
  private readonly bufferKvs: (KeyValue | undefined)[] = [];
  private readonly subscribers = new Set<CacheSubscriber<T>>();
  private readonly capacity: number;
  private watch?: StorageWatch;
  private startRevision = 0;
  /** Highest revision this cache has seen (events or start). */
  revision = 0;
  private failed?: Error;
  private restartTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly backend: Backend,
    private readonly prefix: string,
    private readonly opts: WatchCacheOptions<T>,
  ) {
    this.capacity = opts.capacity ?? 4096;
  }

  async start(): Promise<void> {
    const rev = await this.backend.currentRevision();
    this.begin(rev);
  }

  private begin(rev: number): void {
    this.startRevision = rev;
    this.revision = Math.max(this.revision, rev);
    this.failed = undefined;
    this.watch = this.backend.watch(this.prefix, rev, {
      onEvents: (events) => this.ingest(events),
      onError: (err) => this.fail(err),
    });
  }

  /** The etcd watch broke: tell every subscriber (they relist), then start over. */
  private fail(err: Error): void {
    this.failed = err;
    this.watch = undefined;
    this.buffer.length = 0;
    this.bufferKvs.length = 0;
    this.latest.clear();
    for (const s of [...this.subscribers]) s.onError(err);
    this.subscribers.clear();
    if (this.stopped) return;
    this.restartTimer = setTimeout(() => {
      this.backend.currentRevision().then(
        (rev) => !this.stopped && this.begin(rev),
        () => !this.stopped && this.fail(err),
      );
    }, 1_000);
  }

  private ingest(events: StorageEvent[]): void {
    for (const e of events) {
      if (e.type === 'delete' && !e.prev) continue;
      const ev = lazyEvent(e, this.opts);
      this.revision = Math.max(this.revision, ev.revision);
      this.buffer.push(ev);
      this.bufferKvs.push(e.type === 'put' ? e.kv : undefined);
      if (e.type === 'put') this.latest.set(e.kv.key, e.kv);
      else this.latest.delete(e.kv.key);
      // Trimmed in batches: shifting a full buffer on every event costs O(capacity) each time.
      if (this.buffer.length > this.capacity + (this.capacity >> 3)) {
        const n = this.buffer.length - this.capacity;
        this.buffer.splice(0, n);
        for (const kv of this.bufferKvs.splice(0, n)) if (kv && this.latest.get(kv.key) === kv) this.latest.delete(kv.key);
      }
      for (const s of this.subscribers) s.onEvent(ev);
    }
  }

  /**
   * Delivers every event after `afterRevision`, then live events. Throws a
   * 503 when the cache is broken.
   */
  subscribe(afterRevision: number, sub: CacheSubscriber<T>): Subscription {
    if (this.failed || !this.watch) throw storageError(this.failed ?? new Error('watch cache not started'));
    const oldest = this.buffer.length ? this.buffer[0].revision : this.revision + 1;
    const coveredFrom = Math.max(this.startRevision, this.buffer.length ? oldest - 1 : this.revision);
    if (afterRevision < coveredFrom) return this.directWatch(afterRevision, sub);
    for (const ev of this.buffer) if (ev.revision > afterRevision) sub.onEvent(ev);
    // Live events older than the resume point (the cache lags behind a fresh list) are skipped.
    const gated: CacheSubscriber<T> = {
      onEvent: (ev) => ev.revision > afterRevision && sub.onEvent(ev),
      onError: (err) => sub.onError(err),
    };
    this.subscribers.add(gated);
    return { close: () => this.subscribers.delete(gated) };
  }

  /** A private etcd watch for a client resuming from before what the cache holds. */
  private directWatch(afterRevision: number, sub: CacheSubscriber<T>): Subscription {
    const w = this.backend.watch(this.prefix, afterRevision, {
      onEvents: (events) => {
        for (const e of events) if (e.type === 'put' || e.prev) sub.onEvent(lazyEvent(e, this.opts));
      },
      onError: (err) => sub.onError(err),
    });
    return { close: () => w.close() };
  }

  /** The last value of `key` this cache saw written, if still in its window (may be stale). */
  latestStored(key: string): KeyValue | undefined {
    return this.latest.get(key);
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    this.watch?.close();
    this.subscribers.clear();
  }
}

/**
 * An event whose objects are decoded on first use: most events of most
 * resources are never read by anyone, and every reader shares one decode.
 */
function lazyEvent<T>(e: StorageEvent, codec: StoredCodec<T>): CacheEvent<T> {
  const revision = e.kv.modRevision;
  const type: CacheEventType = e.type === 'delete' ? 'DELETED' : e.kv.createRevision === e.kv.modRevision ? 'ADDED' : 'MODIFIED';
  // A deleted object is reported with the revision of its deletion.
  const current = lazyStored(e.type === 'delete' ? e.prev!.value : e.kv.value, revision, codec);
  let prev: T | undefined;
  return {
    type,
    key: e.kv.key,
    revision,
    hasPrev: e.prev !== undefined,
    get object(): T {
      return current.object;
    },
    json: () => current.json(),
    get prev(): T | undefined {
      if (!e.prev) return undefined;
      return (prev ??= codec.decode(e.prev.value, e.prev.modRevision));
    },
  };
}

type StoredCodec<T> = Pick<WatchCacheOptions<T>, 'decode' | 'json'>;

/** A stored value whose object and client JSON are each built once, on first use. */
export function lazyStored<T>(value: Buffer, revision: number, codec: StoredCodec<T>): { readonly revision: number; readonly object: T; json(): Buffer } {
  let object: T | undefined;
  let json: Buffer | undefined;
  return {
    revision,
    get object(): T {
      return (object ??= codec.decode(value, revision));
    },
    json: () => (json ??= codec.json(value, revision)),
  };
}
