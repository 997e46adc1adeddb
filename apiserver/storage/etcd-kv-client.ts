// Unary etcd KV calls (Range, Txn) as plain gRPC over one node:http2 session
// per endpoint. The etcd3 client's stack (policies, interceptors, resolver,
// load balancer, a protobuf runtime) cost about as much CPU per call as the
// rest of a create; this is the apiserver's hot path, so it gets a lean one.
// Watches are etcd-watch-client.ts; leases and compaction stay on etcd3.
import http2 from 'node:http2';

export class EtcdCallError extends Error {
  constructor(
    message: string,
    /** gRPC status code, or undefined when the call never got an answer. */
    readonly grpcCode?: number,
    /** The request never left: retrying cannot apply it twice. */
    readonly notSent = false,
  ) {
    super(message);
  }
}

export interface EtcdKvClientOptions {
  /** http:// endpoints; on a connection failure the next one is tried. */
  endpoints: string[];
  /** Deadline of one call. */
  timeoutMs: number;
}

export const GRPC_HEADERS = { ':method': 'POST', 'content-type': 'application/grpc', te: 'trailers' } as const;

/**
 * The session to endpoint `index`, dialled when its slot is empty or dead; it
 * leaves the slot when it fails or ends. Unreferenced: an idle session does
 * not keep the process alive.
 */
export function etcdSession(sessions: (http2.ClientHttp2Session | undefined)[], index: number, endpoint: string): http2.ClientHttp2Session {
  let s = sessions[index];
  if (s && !s.closed && !s.destroyed) return s;
  s = http2.connect(endpoint);
  const created = s;
  const drop = () => {
    if (sessions[index] === created) sessions[index] = undefined;
  };
  s.on('error', drop);
  s.on('goaway', drop);
  s.on('close', drop);
  s.unref();
  sessions[index] = s;
  return s;
}

/** The gRPC status of a call, filled in when its headers or trailers carry one. */
export function grpcStatus(stream: http2.ClientHttp2Stream): { code?: number; message: string } {
  const status: { code?: number; message: string } = { message: '' };
  const read = (headers: http2.IncomingHttpHeaders) => {
    const code = headers['grpc-status'];
    if (code === undefined) return;
    status.code = Number(code);
    status.message = decodeURIComponent(String(headers['grpc-message'] ?? ''));
  };
  stream.on('response', read);
  stream.on('trailers', read);
  return status;
}

/** A gRPC length-prefixed message, uncompressed. */
export function grpcFrame(message: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(5 + message.length);
  frame[0] = 0; // not compressed
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  return frame;
}

export class EtcdKvClient {
  private readonly sessions: (http2.ClientHttp2Session | undefined)[];
  private current = 0;
  private closed = false;

  constructor(private readonly opts: EtcdKvClientOptions) {
    for (const e of opts.endpoints) if (!e.startsWith('http://')) throw new Error(`EtcdKvClient speaks plain http only: ${e}`);
    this.sessions = opts.endpoints.map(() => undefined);
  }

  range(request: Buffer): Promise<Buffer> {
    return this.call('/etcdserverpb.KV/Range', request);
  }

  txn(request: Buffer): Promise<Buffer> {
    return this.call('/etcdserverpb.KV/Txn', request);
  }

  close(): void {
    this.closed = true;
    for (const s of this.sessions) s?.close();
    this.sessions.fill(undefined);
  }

  /**
   * One call; a connection failure moves to the next endpoint, once around all
   * of them (as the etcd3 client's retry policy did). A call that a closing
   * session refused before sending anything is redialled once more.
   */
  private async call(path: string, message: Buffer): Promise<Buffer> {
    const frame = grpcFrame(message);
    let lastError: Error | undefined;
    let redialled = false;
    for (let attempt = 0; attempt < this.opts.endpoints.length; attempt++) {
      if (this.closed) throw new EtcdCallError('etcd client closed');
      const index = this.current;
      try {
        return await this.once(index, path, frame);
      } catch (err) {
        if (!(err instanceof EtcdCallError) || err.grpcCode !== undefined) throw err;
        lastError = err;
        if (err.notSent && !redialled) {
          redialled = true;
          attempt--;
          continue;
        }
        // Unreachable member: the next call (and this retry) go to the next one.
        if (this.current === index) this.current = (index + 1) % this.opts.endpoints.length;
      }
    }
    throw lastError!;
  }

  private session(index: number): http2.ClientHttp2Session {
    return etcdSession(this.sessions, index, this.opts.endpoints[index]);
  }

  private once(index: number, path: string, frame: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      let stream: http2.ClientHttp2Stream;
      try {
        // A session that is shutting down refuses new streams at once: the caller tries again.
        stream = this.session(index).request({ ...GRPC_HEADERS, ':path': path, 'grpc-timeout': `${this.opts.timeoutMs}m` });
      } catch (err) {
        this.sessions[index]?.destroy();
        this.sessions[index] = undefined;
        reject(new EtcdCallError(`etcd ${this.opts.endpoints[index]}: ${(err as Error).message}`, undefined, true));
        return;
      }
      const chunks: Buffer[] = [];
      const status = grpcStatus(stream);
      let answered = false;
      const settle = (err: Error | undefined, value?: Buffer) => {
        if (answered) return;
        answered = true;
        clearTimeout(timer);
        if (err) {
          stream.close(http2.constants.NGHTTP2_CANCEL);
          reject(err);
        } else resolve(value!);
      };
      const timer = setTimeout(
        () => settle(new EtcdCallError(`etcd ${path}: deadline of ${this.opts.timeoutMs} ms exceeded`, 4)),
        this.opts.timeoutMs,
      );
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', (err) => settle(new EtcdCallError(`etcd ${this.opts.endpoints[index]}: ${err.message}`)));
      stream.on('close', () => {
        if (status.code === undefined) return settle(new EtcdCallError(`etcd ${this.opts.endpoints[index]}: the call ended without a status`));
        if (status.code !== 0) return settle(new EtcdCallError(status.message || `etcd call failed with gRPC status ${status.code}`, status.code));
        const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
        if (body.length < 5) return settle(new EtcdCallError(`etcd ${path}: empty answer`, 13));
        settle(undefined, body.subarray(5, 5 + body.readUInt32BE(1)));
      });
      stream.end(frame);
    });
  }
}
