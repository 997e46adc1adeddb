// Unary HTTP/1.1 requests over a pool of keep-alive TLS (or TCP) sockets,
// for RestClient's JSON calls. Node's http client spends ~200 µs of
// JavaScript per request (ClientRequest, IncomingMessage, agent bookkeeping,
// URL objects); a scheduler binding pods or a controller writing status does
// little else. Here a request is one write of a prebuilt head and body, and
// the answer is read by a small parser (status line, headers, Content-Length
// or chunked body). Streaming requests (watches, logs) still use node:http.
import net from 'node:net';
import tls from 'node:tls';

export interface PoolOptions {
  host: string;
  port: number;
  secure: boolean;
  tls?: tls.ConnectionOptions;
  /** A Unix socket to connect to instead of host:port (plain HTTP). */
  socketPath?: string;
}

export interface PoolRequest {
  method: string;
  /** Path with query, already encoded. */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

export interface PoolResponse {
  status: number;
  /** Lower-case names; repeated headers joined as node:http joins them (", "), warnings kept apart. */
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** No HTTP answer (refused, reset, TLS): the caller turns it into a ConnectionError. */
export class PoolConnectionError extends Error {}

interface Pending {
  resolve(res: PoolResponse): void;
  reject(err: Error): void;
  /** Whether any byte of the answer arrived (a reused socket closed before that is retried). */
  answered: boolean;
  reused: boolean;
  idempotent: boolean;
  request: Buffer;
  retried: boolean;
}

class PooledSocket {
  pending?: Pending;
  /** Ended by our side (KeepAlivePool.close), so nothing is retried. */
  closedLocally = false;
  private buf: Buffer | undefined;
  private response?: { status: number; headers: Record<string, string | string[]>; bodyLength: number | 'chunked' | 'close'; chunks: Buffer[]; got: number; keepAlive: boolean };
  closed = false;

  constructor(readonly socket: net.Socket, private readonly pool: KeepAlivePool) {
    socket.setNoDelay(true);
    socket.on('data', (c: Buffer) => this.onData(c));
    socket.on('error', (err) => this.onClose(err));
    socket.on('close', () => this.onClose(new Error('socket closed')));
  }

  send(p: Pending): void {
    this.pending = p;
    this.socket.ref();
    this.socket.write(p.request);
  }

  private onData(chunk: Buffer): void {
    const p = this.pending;
    if (!p) {
      // Nothing was asked: the server misbehaves; drop the connection.
      this.socket.destroy();
      return;
    }
    p.answered = true;
    this.buf = this.buf ? Buffer.concat([this.buf, chunk]) : chunk;
    try {
      this.parse();
    } catch (err) {
      this.fail(new PoolConnectionError(`malformed HTTP answer: ${(err as Error).message}`));
    }
  }

  private parse(): void {
    for (;;) {
      const buf = this.buf;
      if (!buf) return;
      const r = this.response;
      if (!r) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) {
          if (buf.length > 64 * 1024) throw new Error('headers too large');
          return;
        }
        const lines = buf.toString('latin1', 0, end).split('\r\n');
        const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
        if (!m) throw new Error(`bad status line ${JSON.stringify(lines[0].slice(0, 80))}`);
        const headers: Record<string, string | string[]> = {};
        for (let i = 1; i < lines.length; i++) {
          const colon = lines[i].indexOf(':');
          if (colon <= 0) continue;
          const name = lines[i].slice(0, colon).trim().toLowerCase();
          const value = lines[i].slice(colon + 1).trim();
          const prev = headers[name];
          if (name === 'warning' || name === 'set-cookie') headers[name] = [...((prev as string[] | undefined) ?? []), value];
          else headers[name] = prev === undefined ? value : `${prev}, ${value}`;
        }
        const status = Number(m[1]);
        const te = String(headers['transfer-encoding'] ?? '').toLowerCase();
        const length = headers['content-length'];
        const noBody = status === 204 || status === 304 || (status >= 100 && status < 200);
        const keepAlive = !/\bclose\b/i.test(String(headers['connection'] ?? '')) && lines[0].startsWith('HTTP/1.1');
        this.response = {
          status,
          headers,
          bodyLength: noBody ? 0 : te.includes('chunked') ? 'chunked' : length !== undefined ? Number(length) : 'close',
          chunks: [],
          got: 0,
          keepAlive,
        };
        this.buf = buf.length > end + 4 ? buf.subarray(end + 4) : undefined;
        continue;
      }
      if (r.bodyLength === 'close') {
        r.chunks.push(buf);
        this.buf = undefined;
        return; // ends with the connection
      }
      if (r.bodyLength === 'chunked') {
        const lineEnd = buf.indexOf('\r\n');
        if (lineEnd < 0) return;
        const size = parseInt(buf.toString('latin1', 0, lineEnd).split(';')[0], 16);
        if (Number.isNaN(size)) throw new Error('bad chunk size');
        if (size === 0) {
          // Trailers (none expected) end with an empty line.
          const trailerEnd = buf.indexOf('\r\n\r\n', lineEnd);
          const emptyTrailers = buf.length >= lineEnd + 4 && buf[lineEnd + 2] === 13 && buf[lineEnd + 3] === 10;
          if (!emptyTrailers && trailerEnd < 0) return;
          const consumed = emptyTrailers ? lineEnd + 4 : trailerEnd + 4;
          this.buf = buf.length > consumed ? buf.subarray(consumed) : undefined;
          return this.complete();
        }
        if (buf.length < lineEnd + 2 + size + 2) return;
        r.chunks.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
        this.buf = buf.length > lineEnd + 4 + size ? buf.subarray(lineEnd + 4 + size) : undefined;
        continue;
      }
      const need = r.bodyLength - r.got;
      if (buf.length < need) {
        r.chunks.push(buf);
        r.got += buf.length;
        this.buf = undefined;
        return;
      }
      r.chunks.push(buf.subarray(0, need));
      r.got += need;
      this.buf = buf.length > need ? buf.subarray(need) : undefined;
      return this.complete();
    }
  }

  private complete(): void {
    const r = this.response!;
    const p = this.pending!;
    this.response = undefined;
    this.pending = undefined;
    const body = r.chunks.length === 1 ? r.chunks[0] : Buffer.concat(r.chunks);
    if (this.buf || !r.keepAlive) this.socket.destroy();
    else this.pool.release(this);
    p.resolve({ status: r.status, headers: r.headers, body });
  }

  private onClose(err: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.pool.forget(this);
    const r = this.response;
    const p = this.pending;
    if (p && r?.bodyLength === 'close') {
      this.response = undefined;
      this.pending = undefined;
      p.resolve({ status: r.status, headers: r.headers, body: Buffer.concat(r.chunks) });
      return;
    }
    this.fail(new PoolConnectionError(err.message));
  }

  private fail(err: Error): void {
    const p = this.pending;
    this.pending = undefined;
    this.response = undefined;
    this.socket.destroy();
    if (!p) return;
    // A kept-alive socket the server closed before answering a read: send it again
    // once (a write might have been applied, so it fails as node:http would).
    if (p.reused && !p.answered && !p.retried && p.idempotent && !this.closedLocally) {
      p.retried = true;
      this.pool.dispatch(p);
      return;
    }
    p.reject(err);
  }
}

export class KeepAlivePool {
  private readonly idle: PooledSocket[] = [];
  private readonly all = new Set<PooledSocket>();

  constructor(private readonly opts: PoolOptions) {}

  request(req: PoolRequest): Promise<PoolResponse> {
    const head = [`${req.method} ${req.path} HTTP/1.1`, `Host: ${this.hostHeader()}`];
    for (const [k, v] of Object.entries(req.headers)) head.push(`${k}: ${v}`);
    if (req.body !== undefined) head.push(`Content-Length: ${req.body.length}`);
    const headBuf = Buffer.from(head.join('\r\n') + '\r\n\r\n', 'latin1');
    const request = req.body?.length ? Buffer.concat([headBuf, req.body]) : headBuf;
    return new Promise((resolve, reject) => this.dispatch({ resolve, reject, answered: false, reused: false, idempotent: req.method === 'GET' || req.method === 'HEAD', request, retried: false }));
  }

  /** Ends every socket (their requests fail); later requests dial anew, as after node:http's agent.destroy(). */
  close(): void {
    for (const s of this.all) {
      s.closedLocally = true;
      s.socket.destroy();
    }
    this.all.clear();
    this.idle.length = 0;
  }

  dispatch(p: Pending): void {
    let s = this.idle.pop();
    while (s && s.closed) s = this.idle.pop();
    p.reused = s !== undefined;
    if (!s) s = this.connect();
    s.send(p);
  }

  release(s: PooledSocket): void {
    if (s.closed) return;
    // An idle socket must not keep the process alive.
    s.socket.unref();
    this.idle.push(s);
  }

  forget(s: PooledSocket): void {
    this.all.delete(s);
    const i = this.idle.indexOf(s);
    if (i >= 0) this.idle.splice(i, 1);
  }

  private connect(): PooledSocket {
    const { host, port, secure, socketPath } = this.opts;
    const socket = socketPath ? net.connect({ path: socketPath }) : secure ? tls.connect({ host, port, ...this.opts.tls }) : net.connect({ host, port });
    const s = new PooledSocket(socket, this);
    this.all.add(s);
    return s;
  }

  private hostHeader(): string {
    const { host, port, secure } = this.opts;
    const h = host.includes(':') ? `[${host}]` : host;
    return (secure && port === 443) || (!secure && port === 80) ? h : `${h}:${port}`;
  }
}
