// The few etcd messages the apiserver sends and reads (Range, Txn and Watch,
// etcd's api/etcdserverpb/rpc.proto and mvccpb/kv.proto), encoded
// and decoded by hand: a generic protobuf runtime costs more per call than
// the whole write does in etcd.
import type { KeyValue, StorageEvent } from './backend';

// ---- encoding ---------------------------------------------------------------

class Writer {
  private readonly parts: Buffer[] = [];
  private length = 0;

  private push(b: Buffer): void {
    this.parts.push(b);
    this.length += b.length;
  }

  varint(field: number, n: number, always = false): this {
    if (n === 0 && !always) return this;
    this.push(varintBytes(field << 3));
    this.push(varintBytes(n));
    return this;
  }

  /** An int64 past 2^53 (etcd lease IDs); omitted when 0, as proto3 does. */
  varint64(field: number, n: bigint | undefined): this {
    if (!n) return this;
    const out: number[] = [];
    for (; n >= 0x80n; n >>= 7n) out.push(Number(n & 0x7fn) | 0x80);
    out.push(Number(n));
    this.push(varintBytes(field << 3));
    this.push(Buffer.from(out));
    return this;
  }

  bytes(field: number, b: Buffer | undefined): this {
    if (!b) return this;
    this.push(varintBytes((field << 3) | 2));
    this.push(varintBytes(b.length));
    this.push(b);
    return this;
  }

  finish(): Buffer {
    return Buffer.concat(this.parts, this.length);
  }
}

function varintBytes(n: number): Buffer {
  const out: number[] = [];
  // Revisions and limits stay far below 2^53: plain arithmetic is exact.
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return Buffer.from(out);
}

export interface RangeRequest {
  key: Buffer;
  rangeEnd?: Buffer;
  limit?: number;
  revision?: number;
  countOnly?: boolean;
}

export function encodeRange(r: RangeRequest): Buffer {
  return new Writer()
    .bytes(1, r.key)
    .bytes(2, r.rangeEnd)
    .varint(3, r.limit ?? 0)
    .varint(4, r.revision ?? 0)
    .varint(9, r.countOnly ? 1 : 0)
    .finish();
}

export type TxnOp = { put: { key: Buffer; value: Buffer; lease?: bigint } } | { deleteKey: Buffer } | { range: Buffer };

function encodeOp(op: TxnOp): Buffer {
  const w = new Writer();
  if ('put' in op) w.bytes(2, new Writer().bytes(1, op.put.key).bytes(2, op.put.value).varint64(3, op.put.lease).finish());
  else if ('deleteKey' in op) w.bytes(3, new Writer().bytes(1, op.deleteKey).finish());
  else w.bytes(1, encodeRange({ key: op.range }));
  return w.finish();
}

/** A transaction of the one shape storage uses: if key's mod_revision == expected then … [else …]. */
export function encodeModRevisionTxn(key: Buffer, expectedRevision: number, success: TxnOp, failure?: TxnOp): Buffer {
  // Compare{result: EQUAL, target: MOD, key, mod_revision}; the oneof value is sent even when 0.
  const compare = new Writer().varint(1, 0).varint(2, 2).bytes(3, key).varint(6, expectedRevision, true).finish();
  return new Writer().bytes(1, compare).bytes(2, encodeOp(success)).bytes(3, failure && encodeOp(failure)).finish();
}

export interface WatchCreate {
  key: Buffer;
  rangeEnd?: Buffer;
  /** First revision to report (0 = from now). */
  startRevision: number;
  /** Deletes and updates carry the value before them. */
  prevKv: boolean;
}

/** WatchRequest{create_request: WatchCreateRequest}. */
export function encodeWatchCreate(c: WatchCreate): Buffer {
  const create = new Writer()
    .bytes(1, c.key)
    .bytes(2, c.rangeEnd)
    .varint(3, c.startRevision)
    .varint(6, c.prevKv ? 1 : 0)
    .finish();
  return new Writer().bytes(1, create).finish();
}

// ---- decoding -----------------------------------------------------------------

class Reader {
  pos = 0;
  constructor(
    private readonly buf: Buffer,
    private readonly end = buf.length,
  ) {}

  get done(): boolean {
    return this.pos >= this.end;
  }

  varint(): number {
    let result = 0;
    let scale = 1;
    for (;;) {
      if (this.pos >= this.end) throw new Error('etcd response: truncated varint');
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 0x80;
    }
  }

  /** A length-delimited field as a view (no copy). */
  bytes(): Buffer {
    const len = this.varint();
    const start = this.pos;
    this.pos += len;
    if (this.pos > this.end) throw new Error('etcd response: truncated field');
    return this.buf.subarray(start, this.pos);
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 2) this.bytes();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 5) this.pos += 4;
    else throw new Error(`etcd response: unexpected wire type ${wireType}`);
  }
}

/** Calls `field` for each field of a message; the handler reads or returns false to skip. */
function fields(buf: Buffer, field: (r: Reader, no: number, wireType: number) => boolean): void {
  const r = new Reader(buf);
  while (!r.done) {
    const tag = r.varint();
    const no = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (!field(r, no, wireType)) r.skip(wireType);
  }
}

function headerRevision(buf: Buffer): number {
  let revision = 0;
  fields(buf, (r, no, wt) => {
    if (no !== 3 || wt !== 0) return false;
    revision = r.varint();
    return true;
  });
  return revision;
}

function decodeKeyValue(buf: Buffer): KeyValue {
  const kv: KeyValue = { key: '', value: Buffer.alloc(0), modRevision: 0, createRevision: 0 };
  fields(buf, (r, no, wt) => {
    if (no === 1 && wt === 2) kv.key = r.bytes().toString();
    else if (no === 2 && wt === 0) kv.createRevision = r.varint();
    else if (no === 3 && wt === 0) kv.modRevision = r.varint();
    else if (no === 5 && wt === 2) kv.value = r.bytes();
    else return false;
    return true;
  });
  return kv;
}

export interface RangeResponse {
  revision: number;
  kvs: KeyValue[];
  more: boolean;
  count: number;
}

export function decodeRangeResponse(buf: Buffer): RangeResponse {
  const res: RangeResponse = { revision: 0, kvs: [], more: false, count: 0 };
  fields(buf, (r, no, wt) => {
    if (no === 1 && wt === 2) res.revision = headerRevision(r.bytes());
    else if (no === 2 && wt === 2) res.kvs.push(decodeKeyValue(r.bytes()));
    else if (no === 3 && wt === 0) res.more = r.varint() !== 0;
    else if (no === 4 && wt === 0) res.count = r.varint();
    else return false;
    return true;
  });
  return res;
}

export interface TxnResponse {
  revision: number;
  succeeded: boolean;
  /** The range answers among the responses, in order (the failure branch's read). */
  ranges: RangeResponse[];
}

export function decodeTxnResponse(buf: Buffer): TxnResponse {
  const res: TxnResponse = { revision: 0, succeeded: false, ranges: [] };
  fields(buf, (r, no, wt) => {
    if (no === 1 && wt === 2) res.revision = headerRevision(r.bytes());
    else if (no === 2 && wt === 0) res.succeeded = r.varint() !== 0;
    else if (no === 3 && wt === 2) {
      // ResponseOp: response_range = 1; puts and deletes carry nothing we read.
      fields(r.bytes(), (op, opNo, opWt) => {
        if (opNo !== 1 || opWt !== 2) return false;
        res.ranges.push(decodeRangeResponse(op.bytes()));
        return true;
      });
    } else return false;
    return true;
  });
  return res;
}

export interface WatchResponse {
  /** header.revision: the store's revision when etcd sent this. */
  revision: number;
  watchId: number;
  created: boolean;
  canceled: boolean;
  /** Set when the watch was canceled because its start revision is compacted. */
  compactRevision: number;
  cancelReason: string;
  events: StorageEvent[];
}

function decodeEvent(buf: Buffer): StorageEvent {
  let deleted = false;
  let kv: KeyValue | undefined;
  let prev: KeyValue | undefined;
  fields(buf, (r, no, wt) => {
    if (no === 1 && wt === 0) deleted = r.varint() === 1; // mvccpb.Event.EventType: PUT = 0, DELETE = 1
    else if (no === 2 && wt === 2) kv = decodeKeyValue(r.bytes());
    else if (no === 3 && wt === 2) prev = decodeKeyValue(r.bytes());
    else return false;
    return true;
  });
  kv ??= { key: '', value: Buffer.alloc(0), modRevision: 0, createRevision: 0 };
  return { type: deleted ? 'delete' : 'put', kv, prev };
}

export function decodeWatchResponse(buf: Buffer): WatchResponse {
  const res: WatchResponse = { revision: 0, watchId: 0, created: false, canceled: false, compactRevision: 0, cancelReason: '', events: [] };
  fields(buf, (r, no, wt) => {
    if (no === 1 && wt === 2) res.revision = headerRevision(r.bytes());
    else if (no === 2 && wt === 0) res.watchId = r.varint();
    else if (no === 3 && wt === 0) res.created = r.varint() !== 0;
    else if (no === 4 && wt === 0) res.canceled = r.varint() !== 0;
    else if (no === 5 && wt === 0) res.compactRevision = r.varint();
    else if (no === 6 && wt === 2) res.cancelReason = r.bytes().toString();
    else if (no === 11 && wt === 2) res.events.push(decodeEvent(r.bytes()));
    else return false;
    return true;
  });
  return res;
}
