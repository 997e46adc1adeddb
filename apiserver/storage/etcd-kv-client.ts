// Unary etcd KV calls (Range, Txn) as plain gRPC over our own HTTP/2
// connection per endpoint (grpc-connection.ts). The etcd3 client's stack
// (policies, interceptors, resolver, load balancer, a protobuf runtime) and
// then node:http2's per-stream machinery each cost a large share of a
// create's CPU; this is the apiserver's hot path, so it gets a lean one.
// Watches are etcd-watch-client.ts; leases and compaction stay on etcd3.
import { GrpcConnection, GrpcError } from './grpc-connection';

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

export function toEtcdCallError(err: unknown): EtcdCallError {
  if (err instanceof EtcdCallError) return err;
  if (err instanceof GrpcError) return new EtcdCallError(err.message, err.code, err.notSent);
  return new EtcdCallError((err as Error).message ?? String(err));
}

export interface EtcdKvClientOptions {
  /** http:// endpoints; on a connection failure the next one is tried. */
  endpoints: string[];
  /** Deadline of one call. */
  timeoutMs: number;
}

/** One connection per endpoint, dialled when its slot is empty or can no longer take calls. */
export class EtcdConnections {
  private readonly connections: (GrpcConnection | undefined)[];

  constructor(readonly endpoints: string[]) {
    for (const e of endpoints) if (!e.startsWith('http://')) throw new Error(`etcd clients speak plain http only: ${e}`);
    this.connections = endpoints.map(() => undefined);
  }

  get(index: number): GrpcConnection {
    let c = this.connections[index];
    if (!c?.usable) {
      c?.close();
      c = new GrpcConnection(this.endpoints[index]);
      this.connections[index] = c;
    }
    return c;
  }

  close(): void {
    for (const c of this.connections) c?.close();
    this.connections.fill(undefined);
  }
}

export class EtcdKvClient {
  private readonly connections: EtcdConnections;
  private current = 0;
  private closed = false;

  constructor(private readonly opts: EtcdKvClientOptions) {
    this.connections = new EtcdConnections(opts.endpoints);
  }

  range(request: Buffer): Promise<Buffer> {
    return this.call('/etcdserverpb.KV/Range', request);
  }

  txn(request: Buffer): Promise<Buffer> {
    return this.call('/etcdserverpb.KV/Txn', request);
  }

  close(): void {
    this.closed = true;
    this.connections.close();
  }

  /**
   * One call; a connection failure moves to the next endpoint, once around all
   * of them (as the etcd3 client's retry policy did). A call that a closing
   * connection refused before sending anything is redialled once more.
   */
  private async call(path: string, message: Buffer): Promise<Buffer> {
    let lastError: Error | undefined;
    let redialled = false;
    for (let attempt = 0; attempt < this.opts.endpoints.length; attempt++) {
      if (this.closed) throw new EtcdCallError('etcd client closed');
      const index = this.current;
      try {
        return await this.connections.get(index).unary(path, message, this.opts.timeoutMs);
      } catch (caught) {
        const err = toEtcdCallError(caught);
        if (err.grpcCode !== undefined) throw err;
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
}
