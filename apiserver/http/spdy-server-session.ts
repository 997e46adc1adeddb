// The server half of a SPDY/3.1 session, only as much as kubectl's
// port-forward uses (the moby/spdystream client in client-go): the client
// opens streams (SYN_STREAM), we accept each (SYN_REPLY), both send DATA and
// half-close with FIN; RST_STREAM, PING (echoed), GOAWAY. No flow control:
// spdystream neither sends nor honours WINDOW_UPDATE. Header blocks are zlib
// with the SPDY/3 dictionary, one compression context per direction; ours are
// written as stored (uncompressed) deflate blocks ended by a sync-flush marker,
// which any inflater accepts.
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { constants as zc, createInflate, deflateSync, type Inflate } from 'node:zlib';
import { SPDY3_HEADER_DICTIONARY } from './spdy-dictionary';

const VERSION = 3;
const TYPE = { synStream: 1, synReply: 2, rstStream: 3, settings: 4, ping: 6, goAway: 7, headers: 8, windowUpdate: 9 } as const;
const FLAG_FIN = 0x01;
/** RST_STREAM status codes we send. */
export const RST = { protocolError: 1, invalidStream: 2, cancel: 5 } as const;
/** Larger writes are split; spdystream reads frames of any size up to 2^24-1. */
const MAX_DATA_FRAME = 64 * 1024;
/** The zlib header (FDICT with the dictionary's Adler-32) that starts our header stream. */
const ZLIB_PREAMBLE = deflateSync(Buffer.alloc(0), { dictionary: SPDY3_HEADER_DICTIONARY, finishFlush: zc.Z_SYNC_FLUSH }).subarray(0, 6);
/**
 * The empty stored block a Z_SYNC_FLUSH ends with. Go's inflater hands out a
 * block's bytes only when the next block is in sight; without this marker it
 * would read past the frame's header block and fail the next frame.
 */
const SYNC_FLUSH_MARKER = Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]);

export class SpdyStream extends EventEmitter {
  private localEnded = false;
  remoteEnded = false;

  constructor(
    readonly id: number,
    /** Lower-cased names; the first value of each. */
    readonly headers: ReadonlyMap<string, string>,
    private readonly session: SpdyServerSession,
  ) {
    super();
  }

  /** Sends DATA; false when the transport's buffer is full (wait for the session's 'drain'). */
  write(data: Buffer): boolean {
    if (this.localEnded || data.length === 0) return true;
    let ok = true;
    for (let off = 0; off < data.length; off += MAX_DATA_FRAME) {
      ok = this.session.sendData(this.id, data.subarray(off, off + MAX_DATA_FRAME), false);
    }
    return ok;
  }

  /** Half-closes our side (an empty DATA frame with FIN). */
  end(): void {
    if (this.localEnded) return;
    this.localEnded = true;
    this.session.sendData(this.id, Buffer.alloc(0), true);
    this.session.maybeForget(this);
  }

  reset(status: number = RST.cancel): void {
    this.localEnded = true;
    this.remoteEnded = true;
    this.session.sendReset(this.id, status);
    this.session.forget(this.id);
  }

  get closed(): boolean {
    return this.localEnded && this.remoteEnded;
  }
}

export interface SpdyServerSessionEvents {
  stream: [SpdyStream];
  close: [];
  drain: [];
}

/**
 * Emits 'stream' for each stream the client opens (already replied to),
 * stream 'data' / 'end' (client FIN) / 'reset', and 'close' once the
 * transport is gone. Frames are handled strictly in order.
 */
export class SpdyServerSession extends EventEmitter<SpdyServerSessionEvents> {
  private readonly streams = new Map<number, SpdyStream>();
  private buffered: Buffer = Buffer.alloc(0);
  private inbox: Promise<void> = Promise.resolve();
  private readonly inflater: Inflate = createInflate({ dictionary: SPDY3_HEADER_DICTIONARY });
  private headerBlocksSent = 0;
  private lastStreamId = 0;
  private closed = false;

  constructor(private readonly transport: Duplex) {
    super();
    transport.on('data', (chunk: Buffer) => this.receive(chunk));
    transport.on('drain', () => this.emit('drain'));
    transport.on('end', () => this.close());
    transport.on('close', () => this.close());
    transport.on('error', () => this.close());
    this.inflater.on('error', () => this.close());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private pauses = 0;

  /**
   * Stops reading the client until every pause has its resume. Without flow
   * control (spdystream has none) a slow stream can only hold the whole
   * session back, as a Go reader blocked on one stream does.
   */
  pause(): void {
    if (this.pauses++ === 0) this.transport.pause();
  }

  resume(): void {
    if (this.pauses > 0 && --this.pauses === 0) this.transport.resume();
  }

  /** GOAWAY, then ends the transport; every open stream gets 'reset'. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.transport.writable) {
      this.transport.end(control(TYPE.goAway, 0, u32(this.lastStreamId, 0)));
    }
    for (const s of this.streams.values()) s.emit('reset');
    this.streams.clear();
    this.inflater.close();
    this.emit('close');
  }

  sendData(id: number, data: Buffer, fin: boolean): boolean {
    if (this.closed) return true;
    const head = Buffer.alloc(8);
    head.writeUInt32BE(id & 0x7fffffff, 0);
    head.writeUInt32BE(((fin ? FLAG_FIN : 0) << 24) | data.length, 4);
    return this.transport.write(data.length ? Buffer.concat([head, data]) : head);
  }

  sendReset(id: number, status: number): void {
    if (!this.closed) this.transport.write(control(TYPE.rstStream, 0, u32(id, status)));
  }

  forget(id: number): void {
    this.streams.delete(id);
  }

  maybeForget(stream: SpdyStream): void {
    if (stream.closed) this.streams.delete(stream.id);
  }

  private receive(chunk: Buffer): void {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    while (this.buffered.length >= 8) {
      const length = this.buffered.readUInt32BE(4) & 0xffffff;
      if (this.buffered.length < 8 + length) break;
      const frame = this.buffered.subarray(0, 8 + length);
      this.buffered = this.buffered.subarray(8 + length);
      this.inbox = this.inbox.then(() => this.handle(frame)).catch(() => this.close());
    }
  }

  private async handle(frame: Buffer): Promise<void> {
    if (this.closed) return;
    const flags = frame[4];
    const body = frame.subarray(8);
    if ((frame[0] & 0x80) === 0) return this.onData(frame.readUInt32BE(0) & 0x7fffffff, flags, body);
    const version = frame.readUInt16BE(0) & 0x7fff;
    const type = frame.readUInt16BE(2);
    if (version !== VERSION) throw new Error(`unsupported SPDY version ${version}`);
    switch (type) {
      case TYPE.synStream: {
        const id = body.readUInt32BE(0) & 0x7fffffff;
        const headers = parseHeaderBlock(await this.inflate(body.subarray(10)));
        return this.onSynStream(id, flags, headers);
      }
      case TYPE.headers:
      case TYPE.synReply:
        // Only to keep the shared decompression context in step.
        await this.inflate(body.subarray(4));
        return;
      case TYPE.rstStream: {
        const s = this.streams.get(body.readUInt32BE(0) & 0x7fffffff);
        if (s) {
          this.streams.delete(s.id);
          s.remoteEnded = true;
          s.emit('reset');
        }
        return;
      }
      case TYPE.ping:
        // Odd ids are the client's pings: echo them back.
        if (body.readUInt32BE(0) % 2 === 1) this.transport.write(frame);
        return;
      case TYPE.goAway:
        this.close();
        return;
      default:
        return; // SETTINGS, WINDOW_UPDATE: nothing to do without flow control
    }
  }

  private onSynStream(id: number, flags: number, headers: Map<string, string>): void {
    if (this.streams.has(id) || id % 2 === 0) {
      this.sendReset(id, RST.protocolError);
      return;
    }
    this.lastStreamId = Math.max(this.lastStreamId, id);
    const stream = new SpdyStream(id, headers, this);
    this.streams.set(id, stream);
    this.transport.write(control(TYPE.synReply, 0, Buffer.concat([u32(id), this.headerBlock(new Map())])));
    if (flags & FLAG_FIN) stream.remoteEnded = true;
    this.emit('stream', stream);
    if (flags & FLAG_FIN) stream.emit('end');
  }

  private onData(id: number, flags: number, data: Buffer): void {
    const stream = this.streams.get(id);
    if (!stream || stream.remoteEnded) return;
    if (data.length) stream.emit('data', data);
    if (flags & FLAG_FIN) {
      stream.remoteEnded = true;
      this.maybeForget(stream);
      stream.emit('end');
    }
  }

  /** One header block through the connection's inflate context (Z_SYNC_FLUSH per block, as SPDY requires). */
  private inflate(block: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const out: Buffer[] = [];
      const collect = (d: Buffer) => out.push(d);
      this.inflater.on('data', collect);
      this.inflater.once('error', reject);
      this.inflater.write(block);
      this.inflater.flush(zc.Z_SYNC_FLUSH, () => {
        this.inflater.off('data', collect);
        this.inflater.off('error', reject);
        resolve(Buffer.concat(out));
      });
    });
  }

  /** A header block as a stored deflate block in our zlib stream (the first also carries the zlib header). */
  private headerBlock(headers: Map<string, string>): Buffer {
    const parts: Buffer[] = [u32(headers.size)];
    for (const [name, value] of headers) {
      parts.push(u32(Buffer.byteLength(name)), Buffer.from(name), u32(Buffer.byteLength(value)), Buffer.from(value));
    }
    const raw = Buffer.concat(parts);
    const stored = Buffer.alloc(5);
    stored[0] = 0; // BFINAL=0, BTYPE=00 (stored), padded to the byte
    stored.writeUInt16LE(raw.length, 1);
    stored.writeUInt16LE(~raw.length & 0xffff, 3);
    const first = this.headerBlocksSent++ === 0;
    return Buffer.concat([first ? ZLIB_PREAMBLE : Buffer.alloc(0), stored, raw, SYNC_FLUSH_MARKER]);
  }
}

function u32(...values: number[]): Buffer {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, 4 * i));
  return b;
}

function control(type: number, flags: number, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8000 | VERSION, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt32BE((flags << 24) | body.length, 4);
  return Buffer.concat([head, body]);
}

/** name/value pairs: 32-bit count, then 32-bit-length-prefixed strings; NUL separates multiple values. */
export function parseHeaderBlock(block: Buffer): Map<string, string> {
  const headers = new Map<string, string>();
  let off = 0;
  const take = (): string => {
    const len = block.readUInt32BE(off);
    const s = block.subarray(off + 4, off + 4 + len).toString('utf8');
    off += 4 + len;
    return s;
  };
  const count = block.readUInt32BE(0);
  off = 4;
  for (let i = 0; i < count; i++) {
    const name = take().toLowerCase();
    const value = take().split('\0')[0];
    headers.set(name, value);
  }
  return headers;
}
