// Backend over a real etcd: reads, writes and watches as plain gRPC over our
// own HTTP/2 client (etcd-kv-client.ts, etcd-watch-client.ts); leases and
// compaction through the etcd3 client. Endpoints are plain http (a bare
// host:port counts as http://): TLS to etcd is not supported. Writes are single
// transactions (compare mod_revision, then put/delete), so a failure at any
// point leaves etcd either unchanged or fully changed — never half-written.
import { Etcd3, isRecoverableError } from 'etcd3';
import { circuitBreaker, retry, handleWhen, noop, ConsecutiveBreaker } from 'cockatiel';
import { errors, ApiError, isApiError } from '../../api/errors';
import type { Backend, KeyValue, ListOptions, ListResult, PutOptions, StorageWatch, WatchHandlers, WriteResult } from './backend';
import { LeaseManager } from './lease-manager';
import { EtcdKvClient } from './etcd-kv-client';
import { EtcdWatchClient } from './etcd-watch-client';
import { decodeRangeResponse, decodeTxnResponse, encodeModRevisionTxn, encodeRange, RangeRequest, TxnOp } from './etcd-proto';

export interface EtcdBackendOptions {
  endpoints: string[];
  /** Deadline of one unary call; a call past it fails with 503. */
  callTimeoutMs?: number;
}

const toBuf = (s: string) => Buffer.from(s);

function prefixEnd(prefix: string): Buffer {
  const b = Buffer.from(prefix);
  for (let i = b.length - 1; i >= 0; i--) {
    if (b[i] < 0xff) {
      const end = Buffer.from(b.subarray(0, i + 1));
      end[i]++;
      return end;
    }
  }
  return Buffer.from([0]);
}

function plainHttpEndpoint(endpoint: string): string {
  if (!/^[a-z]+:\/\//i.test(endpoint)) return `http://${endpoint}`;
  if (endpoint.startsWith('http://')) return endpoint;
  throw new Error(`etcd endpoint ${endpoint}: Kapstan reaches etcd over plain http only (TLS to etcd is not supported)`);
}

/** Maps client failures to the API's taxonomy: an unreachable etcd is 503. */
export function storageError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as Error;
  const msg = e?.message ?? String(err);
  if (/compacted/.test(msg)) return errors.gone(`too old resource version: ${msg}`);
  if (/request is too large|message larger than max/i.test(msg)) return errors.tooLarge(`etcd refused the object: ${msg}`);
  return errors.unavailable(`storage is unavailable: ${msg}`);
}

export class EtcdBackend implements Backend {
  readonly client: Etcd3;
  /** Gets, lists and writes: the hot path, on a lean gRPC client. */
  private readonly kv: EtcdKvClient;
  private readonly timeout: number;
  /** Watches: plain gRPC streams. */
  private readonly watchClient: EtcdWatchClient;
  private readonly watches = new Set<StorageWatch>();
  /** Leases of keys written with a TTL (Events), shared by keys that expire together. */
  private readonly leases = new LeaseManager((ttl) => this.grantLease(ttl));
  private closed = false;

  constructor(opts: EtcdBackendOptions) {
    this.timeout = opts.callTimeoutMs ?? 5_000;
    const endpoints = opts.endpoints.map(plainHttpEndpoint);
    this.client = new Etcd3({
      hosts: endpoints,
      dialTimeout: 2_000,
      // Fail fast on a dead member and try the next one; never retry forever,
      // so an outage reaches the client as a 503 instead of a hung request.
      faultHandling: {
        host: () =>
          circuitBreaker(handleWhen(isRecoverableError), { halfOpenAfter: 1_000, breaker: new ConsecutiveBreaker(3) }),
        global:
          endpoints.length > 1 ? retry(handleWhen(isRecoverableError), { maxAttempts: endpoints.length }) : noop,
      },
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + this.timeout }),
    });
    this.watchClient = new EtcdWatchClient({ endpoints, timeoutMs: this.timeout });
    this.kv = new EtcdKvClient({ endpoints, timeoutMs: this.timeout });
  }

  private async range(req: RangeRequest): Promise<{ kvs: KeyValue[]; revision: number; more: boolean; count: number }> {
    return decodeRangeResponse(await this.call(() => this.kv.range(encodeRange(req))));
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw storageError(err);
    }
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const res = await this.range({ key: toBuf(key) });
    return res.kvs[0];
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const res = await this.range({
      key: toBuf(opts.startKey ?? prefix),
      rangeEnd: prefixEnd(prefix),
      limit: opts.limit ?? 0,
      revision: opts.revision ?? 0,
    });
    return { kvs: res.kvs, revision: res.revision, more: res.more };
  }

  async count(prefix: string): Promise<number> {
    return (await this.range({ key: toBuf(prefix), rangeEnd: prefixEnd(prefix), countOnly: true })).count;
  }

  async create(key: string, value: Buffer, opts?: PutOptions): Promise<WriteResult> {
    return this.put(toBuf(key), value, 0, opts);
  }

  async update(key: string, value: Buffer, expectedRevision: number, opts?: PutOptions): Promise<WriteResult> {
    return this.put(toBuf(key), value, expectedRevision, opts);
  }

  private async put(key: Buffer, value: Buffer, expectedRevision: number, opts?: PutOptions): Promise<WriteResult> {
    if (!opts?.ttlSeconds) return this.cas(key, expectedRevision, { put: { key, value } });
    try {
      return await this.cas(key, expectedRevision, { put: { key, value, lease: await this.leaseOf(opts) } });
    } catch (err) {
      // etcd refuses the whole transaction: nothing was written, so one retry on a fresh lease is safe.
      if (!/lease not found/i.test((err as Error).message)) throw err;
      this.leases.reset();
      return this.cas(key, expectedRevision, { put: { key, value, lease: await this.leaseOf(opts) } });
    }
  }

  /**
   * The lease a put attaches (none: the key never expires). Granted before the
   * transaction: if etcd fails between the two, an unused lease simply expires.
   */
  private async leaseOf(opts: PutOptions | undefined): Promise<bigint | undefined> {
    return opts?.ttlSeconds ? this.leases.leaseFor(opts.ttlSeconds) : undefined;
  }

  private async grantLease(ttlSeconds: number): Promise<bigint> {
    const res = await this.call(() => this.client.leaseClient.leaseGrant({ TTL: ttlSeconds, ID: 0 }));
    if (res.error) throw storageError(new Error(`lease grant: ${res.error}`));
    return BigInt(res.ID);
  }

  async delete(key: string, expectedRevision: number): Promise<WriteResult> {
    const k = toBuf(key);
    return this.cas(k, expectedRevision, { deleteKey: k });
  }

  /** If key's mod_revision == expected then op, else read the key: one transaction. */
  private async cas(key: Buffer, expectedRevision: number, op: TxnOp): Promise<WriteResult> {
    // A create rarely finds its key taken, and etcd spends CPU on a failure
    // branch even when it does not run it (~10% of a create's cost in etcd):
    // a create reads the key only after failing. An update's failed swap reads
    // it in the same transaction, for the retry that usually follows.
    const readOnFailure = expectedRevision !== 0;
    const res = decodeTxnResponse(await this.call(() => this.kv.txn(encodeModRevisionTxn(key, expectedRevision, op, readOnFailure ? { range: key } : undefined))));
    if (res.succeeded) return { ok: true, revision: res.revision };
    if (readOnFailure) return { ok: false, current: res.ranges[0]?.kvs[0] };
    return { ok: false, current: (await this.range({ key })).kvs[0] };
  }

  watch(prefix: string, afterRevision: number, handlers: WatchHandlers): StorageWatch {
    let done = false;
    const finish = (err: Error) => {
      if (done) return;
      done = true;
      stop();
      handlers.onError(err);
    };
    const stop = () => {
      this.watches.delete(watch);
      stream.close();
    };
    const watch: StorageWatch = {
      close() {
        if (done) return;
        done = true;
        stop();
      },
    };
    if (this.closed) {
      done = true;
      return watch;
    }
    let canceled = false;
    // Its handlers run from the next tick on, when `stream` is set.
    const stream = this.watchClient.watch(
      { key: toBuf(prefix), rangeEnd: prefixEnd(prefix), startRevision: afterRevision + 1, prevKv: true },
      {
        onResponse: (res) => {
          if (done || canceled) return;
          if (!res.canceled) {
            // One batch per response, as etcd grouped them (a transaction's events come together).
            if (res.events.length) handlers.onEvents(res.events, res.revision);
            return;
          }
          canceled = true;
          const gone = errors.gone(`too old resource version: ${afterRevision}`);
          if (res.compactRevision > 0) return finish(gone);
          // Some etcd versions cancel a watch on a compacted revision without
          // saying so; ask etcd whether that revision is still readable to tell.
          const err = storageError(new Error(`etcd canceled the watch${res.cancelReason ? `: ${res.cancelReason}` : ''}`));
          this.compactedSince(afterRevision + 1).then(
            (compacted) => finish(compacted ? gone : err),
            () => finish(err),
          );
        },
        onError: (err) => finish(storageError(err)),
      },
    );
    this.watches.add(watch);
    return watch;
  }

  /** True when `revision` has been compacted away. */
  private async compactedSince(revision: number): Promise<boolean> {
    try {
      await this.range({ key: toBuf('/'), revision, countOnly: true });
      return false;
    } catch (err) {
      if (isApiError(err, 'Gone')) return true;
      throw err;
    }
  }

  async currentRevision(): Promise<number> {
    return (await this.range({ key: toBuf('/'), countOnly: true })).revision;
  }

  async compact(revision: number): Promise<void> {
    await this.call(() => this.client.kv.compact({ revision, physical: true }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of [...this.watches]) w.close();
    this.watchClient.close();
    this.client.close();
    this.kv.close();
  }
}
