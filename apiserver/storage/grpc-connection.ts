// A lean HTTP/2 client (RFC 9113) for gRPC over plain TCP, as etcd speaks it
// on a loopback or cluster network: unary calls and bidirectional streams.
// Why not node:http2: each of its streams costs ~100 µs of JavaScript (stream
// objects, async resources, events), which was a fifth of the apiserver's CPU
// per write. Here a call is one header block built once per path, one DATA
// frame and a few Map lookups.
import net from 'node:net';
import { encodeHeaderBlock, HpackDecoder, HeaderList } from './hpack';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

const enum FrameType {
  Data = 0,
  Headers = 1,
  Priority = 2,
  RstStream = 3,
  Settings = 4,
  PushPromise = 5,
  Ping = 6,
  GoAway = 7,
  WindowUpdate = 8,
  Continuation = 9,
}
const END_STREAM = 0x1;
const ACK = 0x1;
const END_HEADERS = 0x4;
const PADDED = 0x8;
const PRIORITY = 0x20;

const SETTINGS_HEADER_TABLE_SIZE = 0x1;
const SETTINGS_ENABLE_PUSH = 0x2;
const SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;
const SETTINGS_INITIAL_WINDOW_SIZE = 0x4;
const SETTINGS_MAX_FRAME_SIZE = 0x5;

const CANCEL = 0x8;
/** What we let the server send per stream before we acknowledge it (and grant again at half). */
const RECEIVE_WINDOW = 8 << 20;
const CONNECTION_RECEIVE_WINDOW = 64 << 20;
const MAX_STREAM_ID = 2 ** 31 - 1;

/** A failed call: `code` is the gRPC status when the server gave one; `notSent` when the server never saw the call. */
export class GrpcError extends Error {
  constructor(message: string, readonly code?: number, readonly notSent = false) {
    super(message);
  }
}

/** Receives what the server sends on one stream. */
interface StreamSink {
  /** One whole gRPC message (length prefix removed). */
  message(payload: Buffer): void;
  /** The stream ended: with the gRPC status (0 = OK) or a transport error. */
  end(err: GrpcError | undefined): void;
}

interface Stream {
  id: number;
  sink: StreamSink;
  /** Bytes of the current gRPC message not yet complete. */
  pending: Buffer[];
  pendingBytes: number;
  status?: number;
  statusMessage: string;
  sendWindow: number;
  /** DATA still to send when the windows allow (frames without their END_STREAM decision). */
  queued: Buffer[];
  endAfterQueue: boolean;
  unacknowledged: number;
  closedLocal: boolean;
}

export interface BidiStream {
  write(message: Buffer): void;
  /** Ends our side; the server answers and ends its own. */
  end(): void;
  /** Abandons the stream (RST_STREAM CANCEL). */
  cancel(): void;
}

export class GrpcConnection {
  private readonly socket: net.Socket;
  private readonly decoder = new HpackDecoder(4096);
  private readonly streams = new Map<number, Stream>();
  private readonly headerBlocks = new Map<string, Buffer>();
  private nextStreamId = 1;
  private inbound: Buffer | undefined;
  /** Header block fragments until END_HEADERS: the stream and whether the block ends it. */
  private continuing?: { streamId: number; parts: Buffer[]; endStream: boolean };
  private connectionSendWindow = 65_535;
  private initialStreamSendWindow = 65_535;
  private maxFrameSize = 16_384;
  private maxConcurrentStreams = Infinity;
  private connectionUnacknowledged = 0;
  /** Streams waiting for a free slot under the server's MAX_CONCURRENT_STREAMS. */
  private readonly waitingToOpen: (() => void)[] = [];
  private connected = false;
  private failure?: GrpcError;
  /** Set by GOAWAY: streams above it were never processed. */
  private goneAwayAfter?: number;
  private openBidi = 0;
  private outbound: Buffer[] = [];

  constructor(private readonly endpoint: string) {
    const url = new URL(endpoint);
    if (url.protocol !== 'http:') throw new Error(`GrpcConnection speaks plain http only: ${endpoint}`);
    this.socket = net.connect({ host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 80), noDelay: true });
    this.socket.on('connect', () => (this.connected = true));
    this.socket.on('data', (chunk: Buffer) => this.receive(chunk));
    this.socket.on('error', (err) => this.fail(new GrpcError(`etcd ${endpoint}: ${err.message}`, undefined, !this.connected)));
    this.socket.on('close', () => this.fail(new GrpcError(`etcd ${endpoint}: connection closed`, undefined, !this.connected)));
    // An idle connection must not keep the process alive.
    this.socket.unref();
    const settings = Buffer.alloc(4 * 6);
    [
      [SETTINGS_HEADER_TABLE_SIZE, 4096],
      [SETTINGS_ENABLE_PUSH, 0],
      [SETTINGS_INITIAL_WINDOW_SIZE, RECEIVE_WINDOW],
      [SETTINGS_MAX_FRAME_SIZE, 16_384],
    ].forEach(([id, value], i) => {
      settings.writeUInt16BE(id, i * 6);
      settings.writeUInt32BE(value, i * 6 + 2);
    });
    const windowIncrement = Buffer.alloc(4);
    windowIncrement.writeUInt32BE(CONNECTION_RECEIVE_WINDOW - 65_535);
    this.socket.write(Buffer.concat([PREFACE, frame(FrameType.Settings, 0, 0, settings), frame(FrameType.WindowUpdate, 0, 0, windowIncrement)]));
  }

  /** Whether new calls may go on this connection. */
  get usable(): boolean {
    return !this.failure && this.goneAwayAfter === undefined && this.nextStreamId < MAX_STREAM_ID - 2;
  }

  close(): void {
    this.fail(new GrpcError(`etcd ${this.endpoint}: client closed`, 1));
  }

  /** One request message, one answer. */
  unary(path: string, message: Buffer, timeoutMs: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      let answer: Buffer | undefined;
      let stream: Stream | undefined;
      let settled = false;
      const settle = (err: GrpcError | undefined) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else if (answer === undefined) reject(new GrpcError(`etcd ${path}: empty answer`, 13));
        else resolve(answer);
      };
      const timer = setTimeout(() => {
        settle(new GrpcError(`etcd ${path}: deadline of ${timeoutMs} ms exceeded`, 4));
        if (stream) this.reset(stream, CANCEL);
      }, timeoutMs);
      this.open(path, timeoutMs, { message: (payload) => (answer = payload), end: settle }, (s) => {
        stream = s;
        this.sendData(s, grpcMessage(message), true);
      });
    });
  }

  /** A bidirectional stream (etcd's Watch); while one is open the connection keeps the process alive. */
  bidi(path: string, sink: StreamSink): BidiStream {
    let stream: Stream | undefined;
    const backlog: Buffer[] = [];
    let ending = false;
    let cancelled = false;
    if (this.openBidi++ === 0) this.socket.ref();
    const tracked: StreamSink = {
      message: (m) => sink.message(m),
      end: (err) => {
        if (--this.openBidi === 0) this.socket.unref();
        sink.end(err);
      },
    };
    this.open(path, 0, tracked, (s) => {
      stream = s;
      if (cancelled) return this.reset(s, CANCEL);
      for (const m of backlog) this.sendData(s, m, false);
      if (ending) this.sendData(s, Buffer.alloc(0), true);
    });
    return {
      write: (message) => {
        const data = grpcMessage(message);
        if (stream) this.sendData(stream, data, false);
        else backlog.push(data);
      },
      end: () => {
        ending = true;
        if (stream) this.sendData(stream, Buffer.alloc(0), true);
      },
      cancel: () => {
        cancelled = true;
        if (stream) this.reset(stream, CANCEL);
      },
    };
  }

  // ---- sending ---------------------------------------------------------------

  private open(path: string, timeoutMs: number, sink: StreamSink, ready: (s: Stream) => void): void {
    if (this.failure) return sink.end(this.failure);
    if (!this.usable) return sink.end(new GrpcError(`etcd ${this.endpoint}: connection is going away`, undefined, true));
    if (this.streams.size >= this.maxConcurrentStreams) {
      this.waitingToOpen.push(() => this.open(path, timeoutMs, sink, ready));
      return;
    }
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    const stream: Stream = {
      id,
      sink,
      pending: [],
      pendingBytes: 0,
      statusMessage: '',
      sendWindow: this.initialStreamSendWindow,
      queued: [],
      endAfterQueue: false,
      unacknowledged: 0,
      closedLocal: false,
    };
    this.streams.set(id, stream);
    this.send(frame(FrameType.Headers, END_HEADERS, id, this.headerBlock(path, timeoutMs)));
    ready(stream);
  }

  private headerBlock(path: string, timeoutMs: number): Buffer {
    const key = `${path} ${timeoutMs}`;
    let block = this.headerBlocks.get(key);
    if (!block) {
      const url = new URL(this.endpoint);
      const headers: HeaderList = [
        [':method', 'POST'],
        [':scheme', 'http'],
        [':path', path],
        [':authority', url.host],
        ['content-type', 'application/grpc'],
        ['te', 'trailers'],
      ];
      if (timeoutMs > 0) headers.push(['grpc-timeout', `${timeoutMs}m`]);
      block = encodeHeaderBlock(headers);
      this.headerBlocks.set(key, block);
    }
    return block;
  }

  /** Sends `data` on the stream within the flow-control windows; the rest waits for WINDOW_UPDATE. */
  private sendData(stream: Stream, data: Buffer, endStream: boolean): void {
    if (stream.closedLocal || !this.streams.has(stream.id)) return;
    if (data.length) stream.queued.push(data);
    if (endStream) stream.endAfterQueue = true;
    this.flush(stream);
  }

  private flush(stream: Stream): void {
    const frames: Buffer[] = [];
    while (stream.queued.length) {
      const allowed = Math.min(stream.sendWindow, this.connectionSendWindow, this.maxFrameSize);
      if (allowed <= 0) break;
      let chunk = stream.queued[0];
      if (chunk.length > allowed) {
        stream.queued[0] = chunk.subarray(allowed);
        chunk = chunk.subarray(0, allowed);
      } else stream.queued.shift();
      stream.sendWindow -= chunk.length;
      this.connectionSendWindow -= chunk.length;
      const last = stream.queued.length === 0 && stream.endAfterQueue;
      frames.push(frame(FrameType.Data, last ? END_STREAM : 0, stream.id, chunk));
      if (last) stream.closedLocal = true;
    }
    if (stream.queued.length === 0 && stream.endAfterQueue && !stream.closedLocal) {
      frames.push(frame(FrameType.Data, END_STREAM, stream.id, Buffer.alloc(0)));
      stream.closedLocal = true;
    }
    for (const f of frames) this.send(f);
  }

  /**
   * Frames written in one turn of the event loop leave in one write: a busy
   * apiserver starts many calls at once, and a syscall per frame cost more
   * than the framing.
   */
  private send(data: Buffer): void {
    if (this.failure) return;
    this.outbound.push(data);
    if (this.outbound.length === 1) setImmediate(this.flushOutbound);
  }

  private readonly flushOutbound = () => {
    const out = this.outbound;
    this.outbound = [];
    if (this.failure || out.length === 0) return;
    this.socket.write(out.length === 1 ? out[0] : Buffer.concat(out));
  };

  private reset(stream: Stream, code: number): void {
    if (!this.streams.has(stream.id)) return;
    const body = Buffer.alloc(4);
    body.writeUInt32BE(code);
    if (!this.failure) this.send(frame(FrameType.RstStream, 0, stream.id, body));
    this.finish(stream, new GrpcError(`etcd ${this.endpoint}: stream cancelled`, 1));
  }

  /** The stream is over: forget it, tell its sink, let a waiting stream open. */
  private finish(stream: Stream, err: GrpcError | undefined): void {
    if (!this.streams.delete(stream.id)) return;
    stream.sink.end(err);
    const waiting = this.waitingToOpen.shift();
    if (waiting) waiting();
  }

  // ---- receiving -------------------------------------------------------------

  private receive(chunk: Buffer): void {
    let buf = this.inbound ? Buffer.concat([this.inbound, chunk]) : chunk;
    let pos = 0;
    try {
      while (buf.length - pos >= 9) {
        const length = buf.readUIntBE(pos, 3);
        if (buf.length - pos < 9 + length) break;
        const type = buf[pos + 3];
        const flags = buf[pos + 4];
        const streamId = buf.readUInt32BE(pos + 5) & 0x7fffffff;
        const payload = buf.subarray(pos + 9, pos + 9 + length);
        pos += 9 + length;
        this.onFrame(type, flags, streamId, payload);
        if (this.failure) return;
      }
    } catch (err) {
      this.fail(new GrpcError(`etcd ${this.endpoint}: protocol error: ${(err as Error).message}`));
      this.socket.destroy();
      return;
    }
    if (pos < buf.length) {
      // Keep only the unparsed tail; copy it when it is a slice of a large chunk.
      buf = buf.subarray(pos);
      this.inbound = buf.length < 4096 ? Buffer.from(buf) : buf;
    } else this.inbound = undefined;
  }

  private onFrame(type: number, flags: number, streamId: number, payload: Buffer): void {
    if (this.continuing && type !== FrameType.Continuation) throw new Error('expected CONTINUATION');
    switch (type) {
      case FrameType.Data:
        return this.onData(flags, streamId, unpad(flags, payload), payload.length);
      case FrameType.Headers: {
        let block = unpad(flags, payload);
        if (flags & PRIORITY) block = block.subarray(5);
        return this.onHeaderFragment(streamId, block, (flags & END_HEADERS) !== 0, (flags & END_STREAM) !== 0);
      }
      case FrameType.Continuation:
        if (!this.continuing || this.continuing.streamId !== streamId) throw new Error('unexpected CONTINUATION');
        return this.onHeaderFragment(streamId, payload, (flags & END_HEADERS) !== 0, this.continuing.endStream);
      case FrameType.RstStream: {
        const stream = this.streams.get(streamId);
        const code = payload.readUInt32BE(0);
        // REFUSED_STREAM: the server did no work, so the call may be sent again.
        if (stream) this.finish(stream, new GrpcError(`etcd ${this.endpoint}: stream reset (HTTP/2 error ${code})`, undefined, code === 0x7));
        return;
      }
      case FrameType.Settings:
        if (flags & ACK) return;
        for (let i = 0; i + 6 <= payload.length; i += 6) this.onSetting(payload.readUInt16BE(i), payload.readUInt32BE(i + 2));
        this.send(frame(FrameType.Settings, ACK, 0, Buffer.alloc(0)));
        return this.flushAll();
      case FrameType.Ping:
        if (!(flags & ACK)) this.send(frame(FrameType.Ping, ACK, 0, payload));
        return;
      case FrameType.GoAway: {
        const lastStreamId = payload.readUInt32BE(0) & 0x7fffffff;
        this.goneAwayAfter = lastStreamId;
        for (const stream of [...this.streams.values()]) {
          if (stream.id > lastStreamId) this.finish(stream, new GrpcError(`etcd ${this.endpoint}: server going away`, undefined, true));
        }
        for (const waiting of this.waitingToOpen.splice(0)) waiting();
        return;
      }
      case FrameType.WindowUpdate: {
        const increment = payload.readUInt32BE(0) & 0x7fffffff;
        if (streamId === 0) {
          this.connectionSendWindow += increment;
          return this.flushAll();
        }
        const stream = this.streams.get(streamId);
        if (stream) {
          stream.sendWindow += increment;
          this.flush(stream);
        }
        return;
      }
      case FrameType.PushPromise:
        throw new Error('PUSH_PROMISE although push is disabled');
      default:
        return; // PRIORITY and unknown frame types are ignored
    }
  }

  private onSetting(id: number, value: number): void {
    if (id === SETTINGS_INITIAL_WINDOW_SIZE) {
      const delta = value - this.initialStreamSendWindow;
      this.initialStreamSendWindow = value;
      for (const s of this.streams.values()) s.sendWindow += delta;
    } else if (id === SETTINGS_MAX_FRAME_SIZE) this.maxFrameSize = value;
    else if (id === SETTINGS_MAX_CONCURRENT_STREAMS) this.maxConcurrentStreams = value;
  }

  private flushAll(): void {
    for (const s of this.streams.values()) if (s.queued.length || (s.endAfterQueue && !s.closedLocal)) this.flush(s);
  }

  private onHeaderFragment(streamId: number, fragment: Buffer, endHeaders: boolean, endStream: boolean): void {
    if (!endHeaders) {
      this.continuing ??= { streamId, parts: [], endStream };
      this.continuing.parts.push(Buffer.from(fragment));
      return;
    }
    let block = fragment;
    if (this.continuing) {
      block = Buffer.concat([...this.continuing.parts, fragment]);
      this.continuing = undefined;
    }
    // Decoded even for a forgotten stream: the table state must follow every block.
    const headers = this.decoder.decode(block);
    const stream = this.streams.get(streamId);
    if (!stream) return;
    for (const [name, value] of headers) {
      if (name === 'grpc-status') stream.status = Number(value);
      else if (name === 'grpc-message') stream.statusMessage = decodeGrpcMessage(value);
      else if (name === ':status' && value !== '200') {
        stream.status ??= 13;
        stream.statusMessage ||= `HTTP status ${value}`;
      }
    }
    if (endStream) this.endOfStream(stream);
  }

  /** `frameLength` (with padding) is what flow control counts. */
  private onData(flags: number, streamId: number, data: Buffer, frameLength: number): void {
    this.connectionUnacknowledged += frameLength;
    if (this.connectionUnacknowledged >= CONNECTION_RECEIVE_WINDOW / 2) {
      this.send(windowUpdate(0, this.connectionUnacknowledged));
      this.connectionUnacknowledged = 0;
    }
    const stream = this.streams.get(streamId);
    if (!stream) return;
    stream.unacknowledged += frameLength;
    if (data.length) {
      stream.pending.push(data);
      stream.pendingBytes += data.length;
      this.deliverMessages(stream);
      if (!(flags & END_STREAM) && stream.unacknowledged >= RECEIVE_WINDOW / 2 && this.streams.has(streamId)) {
        this.send(windowUpdate(streamId, stream.unacknowledged));
        stream.unacknowledged = 0;
      }
    }
    if (flags & END_STREAM) this.endOfStream(stream);
  }

  /** Hands every complete gRPC message to the sink. */
  private deliverMessages(stream: Stream): void {
    while (stream.pendingBytes >= 5) {
      let head = stream.pending[0];
      if (head.length < 5) {
        head = Buffer.concat(stream.pending);
        stream.pending = [head];
      }
      const length = head.readUInt32BE(1);
      if (stream.pendingBytes < 5 + length) return;
      if (head.length < 5 + length) {
        head = Buffer.concat(stream.pending);
        stream.pending = [head];
      }
      const message = head.subarray(5, 5 + length);
      if (head.length === 5 + length) stream.pending.shift();
      else stream.pending[0] = head.subarray(5 + length);
      stream.pendingBytes -= 5 + length;
      if (head[0] !== 0) throw new Error('compressed gRPC message although none was asked for');
      stream.sink.message(message);
      if (!this.streams.has(stream.id)) return;
    }
  }

  private endOfStream(stream: Stream): void {
    if (stream.status === undefined) {
      return this.finish(stream, new GrpcError(`etcd ${this.endpoint}: the call ended without a status`));
    }
    if (stream.status !== 0) {
      return this.finish(stream, new GrpcError(stream.statusMessage || `etcd call failed with gRPC status ${stream.status}`, stream.status));
    }
    this.finish(stream, undefined);
  }

  private fail(err: GrpcError): void {
    if (this.failure) return;
    this.failure = err;
    this.socket.destroy();
    for (const stream of [...this.streams.values()]) this.finish(stream, err);
    for (const waiting of this.waitingToOpen.splice(0)) waiting();
  }
}

function frame(type: FrameType, flags: number, streamId: number, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(9 + payload.length);
  out.writeUIntBE(payload.length, 0, 3);
  out[3] = type;
  out[4] = flags;
  out.writeUInt32BE(streamId, 5);
  payload.copy(out, 9);
  return out;
}

function windowUpdate(streamId: number, increment: number): Buffer {
  const body = Buffer.allocUnsafe(4);
  body.writeUInt32BE(increment);
  return frame(FrameType.WindowUpdate, 0, streamId, body);
}

function unpad(flags: number, payload: Buffer): Buffer {
  if (!(flags & PADDED)) return payload;
  const padLength = payload[0];
  if (padLength >= payload.length) throw new Error('padding longer than the frame');
  return payload.subarray(1, payload.length - padLength);
}

function grpcMessage(message: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out[0] = 0; // not compressed
  out.writeUInt32BE(message.length, 1);
  message.copy(out, 5);
  return out;
}

/** grpc-message is percent-encoded UTF-8. */
function decodeGrpcMessage(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
