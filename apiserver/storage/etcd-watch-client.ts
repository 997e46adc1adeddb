// etcd watches as plain gRPC over our own HTTP/2 connections
// (grpc-connection.ts), as etcd-kv-client.ts does for Range and Txn: the etcd3
// client's watch path (grpc-js, a protobuf runtime, Long) cost several percent
// of the apiserver's CPU during a busy spell. Each watch is its own
// bidirectional `etcdserverpb.Watch/Watch` stream (one create request, then
// responses) on one connection per endpoint, so closing a watch is resetting
// its stream: etcd drops the watch with it.
import { EtcdCallError, EtcdConnections, toEtcdCallError } from './etcd-kv-client';
import type { BidiStream } from './grpc-connection';
import { decodeWatchResponse, encodeWatchCreate, WatchCreate, WatchResponse } from './etcd-proto';

export interface EtcdWatchClientOptions {
  /** http:// endpoints; a watch that cannot start tries the next one. */
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

const WATCH_PATH = '/etcdserverpb.Watch/Watch';

export class EtcdWatchClient {
  private readonly connections: EtcdConnections;
  private readonly open = new Set<BidiStream>();
  private current = 0;
  private closed = false;

  constructor(private readonly opts: EtcdWatchClientOptions) {
    this.connections = new EtcdConnections(opts.endpoints);
  }

  watch(create: WatchCreate, handlers: WatchStreamHandlers): WatchStream {
    const request = encodeWatchCreate(create);
    const endpoints = this.connections.endpoints;
    let closed = false;
    let stream: BidiStream | undefined;
    const fail = (err: EtcdCallError) => {
      if (closed) return;
      closed = true;
      handlers.onError(err);
    };
    // Until etcd confirms the watch, a connection failure moves on to the next
    // endpoint, once around all of them; a connection that refuses new streams is redialled once.
    const start = (tried: number, redialled: boolean, lastError?: EtcdCallError): void => {
      if (closed) return;
      if (this.closed) return fail(new EtcdCallError('etcd client closed'));
      if (tried >= endpoints.length) return fail(lastError!);
      const index = this.current;
      const endpoint = endpoints[index];
      let created = false;
      let ended = false;
      let s: BidiStream | undefined;
      const end = (err: EtcdCallError) => {
        if (ended) return;
        ended = true;
        clearTimeout(timer);
        if (s) {
          this.open.delete(s);
          s.cancel();
        }
        // Closing the client ends its watches quietly.
        if (closed || this.closed) return;
        if (!created && err.notSent && !redialled) start(tried, true, err);
        else if (!created && err.grpcCode === undefined) next(index, tried, err);
        else fail(err);
      };
      const timer = setTimeout(() => end(new EtcdCallError(`etcd ${endpoint}: the watch was not confirmed within ${this.opts.timeoutMs} ms`)), this.opts.timeoutMs);
      s = this.connections.get(index).bidi(WATCH_PATH, {
        message: (message) => {
          if (ended || closed) return;
          const res = decodeWatchResponse(message);
          if (!created) {
            created = true;
            clearTimeout(timer);
          }
          handlers.onResponse(res);
        },
        end: (err) => end(err ? toEtcdCallError(err) : new EtcdCallError(`etcd ${endpoint}: the watch stream ended`)),
      });
      if (ended) return; // failed at once (a dead connection)
      stream = s;
      this.open.add(s);
      s.write(request);
    };
    const next = (index: number, tried: number, err: EtcdCallError) => {
      if (this.current === index) this.current = (index + 1) % endpoints.length;
      start(tried + 1, false, err);
    };
    // Started on the next tick: the caller has its handle before any handler runs.
    process.nextTick(() => start(0, false));
    return {
      close: () => {
        if (closed) return;
        closed = true;
        // Resetting the stream cancels the watch in etcd.
        if (stream) {
          this.open.delete(stream);
          stream.cancel();
        }
      },
    };
  }

  close(): void {
    this.closed = true;
    for (const s of this.open) s.cancel();
    this.open.clear();
    this.connections.close();
  }
}
