// etcd watches as plain gRPC over node:http2, as etcd-kv-client.ts does for
// Range and Txn: the etcd3 client's watch path (grpc-js, a protobuf runtime,
// Long) cost several percent of the apiserver's CPU during a busy spell.
// Each watch is its own bidirectional `etcdserverpb.Watch/Watch` stream (one
// create request, then responses) on one http2 session per endpoint, so
// closing a watch is resetting its stream: etcd drops the watch with it.
import http2 from 'node:http2';
import { EtcdCallError, etcdSession, GRPC_HEADERS, grpcFrame, grpcStatus } from './etcd-kv-client';
import { decodeWatchResponse, encodeWatchCreate, WatchCreate, WatchResponse } from './etcd-proto';

export interface EtcdWatchClientOptions {
  /** http:// or https:// endpoints (a bare host:port is plain http); a watch that cannot start tries the next one. */
  endpoints: string[];
  /** How long etcd has to confirm a new watch. */
  timeoutMs: number;
}

export interface WatchStreamHandlers {
  /** Every response after the watch started, the `created` one included; a canceled one is the last. */
  onResponse(res: WatchResponse): void;
  /** Terminal: the watch could not start on any endpoint, or its stream broke. */
  onError(err: EtcdCallError): void;
}

export interface WatchStream {
  close(): void;
}

const WATCH_HEADERS = { ...GRPC_HEADERS, ':path': '/etcdserverpb.Watch/Watch' };

export class EtcdWatchClient {
  private readonly endpoints: string[];
  private readonly sessions: (http2.ClientHttp2Session | undefined)[];
  /** Open streams per session: a session with a watch keeps the process alive, an idle one does not. */
  private readonly streamCount = new Map<http2.ClientHttp2Session, number>();
  private readonly open = new Set<http2.ClientHttp2Stream>();
  private current = 0;
  private closed = false;

  constructor(private readonly opts: EtcdWatchClientOptions) {
    this.endpoints = opts.endpoints.map((e) => (/^https?:\/\//.test(e) ? e : `http://${e}`));
    this.sessions = this.endpoints.map(() => undefined);
  }

  watch(create: WatchCreate, handlers: WatchStreamHandlers): WatchStream {
    const frame = grpcFrame(encodeWatchCreate(create));
    let closed = false;
    let stream: http2.ClientHttp2Stream | undefined;
    const fail = (err: EtcdCallError) => {
      if (closed) return;
      closed = true;
      handlers.onError(err);
    };
    // Until etcd confirms the watch, a connection failure moves on to the next
    // endpoint, once around all of them; a session that refuses new streams is redialled once.
    const start = (tried: number, redialled: boolean, lastError?: EtcdCallError): void => {
      if (closed) return;
      if (this.closed) return fail(new EtcdCallError('etcd client closed'));
      if (tried >= this.endpoints.length) return fail(lastError!);
      const index = this.current;
      const endpoint = this.endpoints[index];
      let session: http2.ClientHttp2Session;
      let s: http2.ClientHttp2Stream;
      try {
        session = this.session(index);
        s = session.request(WATCH_HEADERS);
      } catch (err) {
        this.sessions[index]?.destroy();
        this.sessions[index] = undefined;
        const e = new EtcdCallError(`etcd ${endpoint}: ${(err as Error).message}`, undefined, true);
        return redialled ? next(index, tried, e) : start(tried, true, e);
      }
      stream = s;
      this.track(session, s, 1);
      let created = false;
      let ended = false;
      const status = grpcStatus(s);
      const end = (err: EtcdCallError) => {
        if (ended) return;
        ended = true;
        clearTimeout(timer);
        this.track(session, s, -1);
        s.close(http2.constants.NGHTTP2_CANCEL);
        if (closed) return;
        if (!created && err.grpcCode === undefined) next(index, tried, err);
        else fail(err);
      };
      const timer = setTimeout(() => end(new EtcdCallError(`etcd ${endpoint}: the watch was not confirmed within ${this.opts.timeoutMs} ms`)), this.opts.timeoutMs);
      s.on(
        'data',
        grpcMessages((message) => {
          if (ended || closed) return;
          const res = decodeWatchResponse(message);
          if (!created) {
            created = true;
            clearTimeout(timer);
          }
          handlers.onResponse(res);
        }),
      );
      s.on('error', (err) => end(new EtcdCallError(`etcd ${endpoint}: ${err.message}`)));
      s.on('close', () => {
        if (status.code) end(new EtcdCallError(status.message || `etcd watch failed with gRPC status ${status.code}`, status.code));
        else end(new EtcdCallError(`etcd ${endpoint}: the watch stream ended`));
      });
      s.write(frame);
    };
    const next = (index: number, tried: number, err: EtcdCallError) => {
      if (this.current === index) this.current = (index + 1) % this.endpoints.length;
      start(tried + 1, false, err);
    };
    // Started on the next tick: the caller has its handle before any handler runs.
    process.nextTick(() => start(0, false));
    return {
      close: () => {
        if (closed) return;
        closed = true;
        // Resetting the stream cancels the watch in etcd; its 'close' then finds the watch closed.
        stream?.close(http2.constants.NGHTTP2_CANCEL);
      },
    };
  }

  close(): void {
    this.closed = true;
    for (const s of this.open) s.close(http2.constants.NGHTTP2_CANCEL);
    for (const s of this.sessions) s?.close();
    this.sessions.fill(undefined);
  }

  private track(session: http2.ClientHttp2Session, stream: http2.ClientHttp2Stream, delta: 1 | -1): void {
    if (delta > 0) this.open.add(stream);
    else this.open.delete(stream);
    const n = (this.streamCount.get(session) ?? 0) + delta;
    if (n > 0) this.streamCount.set(session, n);
    else this.streamCount.delete(session);
    if (session.destroyed) return;
    if (n === 1 && delta > 0) session.ref();
    if (n === 0) session.unref();
  }

  private session(index: number): http2.ClientHttp2Session {
    return etcdSession(this.sessions, index, this.endpoints[index]);
  }
}

/**
 * A 'data' listener that cuts the gRPC length-prefixed messages out of a
 * stream's chunks; a message spread over many chunks is joined once.
 */
function grpcMessages(onMessage: (message: Buffer) => void): (chunk: Buffer) => void {
  let chunks: Buffer[] = [];
  let have = 0;
  let need = 5;
  return (chunk) => {
    chunks.push(chunk);
    have += chunk.length;
    if (have < need) return;
    const buf = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, have);
    let pos = 0;
    while (buf.length - pos >= 5) {
      const end = pos + 5 + buf.readUInt32BE(pos + 1);
      if (end > buf.length) break;
      onMessage(buf.subarray(pos + 5, end));
      pos = end;
    }
    const rest = buf.subarray(pos);
    chunks = rest.length ? [rest] : [];
    have = rest.length;
    need = rest.length >= 5 ? 5 + rest.readUInt32BE(1) : 5;
  };
}
