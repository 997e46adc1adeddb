// A raw HTTPS client for API tests: what goes over the wire, nothing hidden.
import https from 'node:https';
import { appendFileSync } from 'node:fs';

export interface Endpoint {
  url: string;
  token: string;
  caPem: string;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Parsed JSON body (undefined when not JSON). */
  body: any;
}

export interface RequestOptions {
  body?: unknown;
  contentType?: string;
  accept?: string;
  token?: string | null;
}

const agents = new WeakMap<Endpoint, https.Agent>();
function agentFor(ep: Endpoint): https.Agent {
  let a = agents.get(ep);
  if (!a) {
    a = new https.Agent({ ca: ep.caPem, keepAlive: true, maxSockets: 256 });
    agents.set(ep, a);
  }
  return a;
}

export function destroyAgent(ep: Endpoint): void {
  agents.get(ep)?.destroy();
  agents.delete(ep);
}

export function request(ep: Endpoint, method: string, path: string, opts: RequestOptions = {}): Promise<RawResponse> {
  const url = new URL(path, ep.url);
  const payload =
    opts.body === undefined ? undefined : typeof opts.body === 'string' || Buffer.isBuffer(opts.body) ? opts.body : JSON.stringify(opts.body);
  const headers: Record<string, string> = { Accept: opts.accept ?? 'application/json' };
  const token = opts.token === undefined ? ep.token : opts.token;
  if (token) headers.Authorization = `Bearer ${token}`;
  if (payload !== undefined) {
    headers['Content-Type'] = opts.contentType ?? 'application/json';
    // Node sends DELETE bodies unframed unless the length is given.
    headers['Content-Length'] = String(Buffer.byteLength(payload));
  }
  const traceFile = process.env.KAPSTAN_TEST_TRACE;
  const trace = traceFile ? (m: string) => appendFileSync(traceFile, `${process.pid} ${new Date().toISOString()} ${method} ${path} ${m}\n`) : undefined;
  trace?.('sent');
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, headers, agent: agentFor(ep), servername: 'localhost' }, (res) => {
      trace?.(`-> ${res.statusCode}`);
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
      });
    });
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

export interface WatchEventLine {
  type: string;
  object: any;
  /** performance.now() when the line arrived. */
  receivedAt: number;
}

export interface OpenWatch {
  status: number;
  events: WatchEventLine[];
  /** Resolves once `n` events have arrived (or rejects after timeoutMs). */
  waitFor(n: number, timeoutMs?: number): Promise<WatchEventLine[]>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

export function openWatch(ep: Endpoint, path: string, accept?: string): Promise<OpenWatch> {
  const url = new URL(path, ep.url);
  return new Promise((resolve, reject) => {
    const req = https.request(url, {
      method: 'GET',
      headers: { Accept: accept ?? 'application/json', Authorization: `Bearer ${ep.token}` },
      agent: new https.Agent({ ca: ep.caPem, keepAlive: false }),
      servername: 'localhost',
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const events: WatchEventLine[] = [];
      const waiters: { n: number; resolve: (e: WatchEventLine[]) => void }[] = [];
      let buf = '';
      let endResolve: () => void;
      const ended = new Promise<void>((r) => (endResolve = r));
      res.on('data', (c: Buffer) => {
        // Stamped on arrival, before parsing (which benchmarks would count as delivery time).
        const receivedAt = performance.now();
        buf += c.toString();
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i).trim();
          buf = buf.slice(i + 1);
          if (!line) continue;
          // Assigned, not spread: `{ ...parsed, receivedAt }` is a slow path in V8.
          const event = JSON.parse(line) as WatchEventLine;
          event.receivedAt = receivedAt;
          events.push(event);
        }
        for (const w of [...waiters]) {
          if (events.length >= w.n) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(events.slice(0, w.n));
          }
        }
      });
      res.on('end', () => endResolve());
      res.on('close', () => endResolve());
      resolve({
        status: res.statusCode ?? 0,
        events,
        ended,
        waitFor(n, timeoutMs = 10_000) {
          if (events.length >= n) return Promise.resolve(events.slice(0, n));
          return new Promise((res2, rej) => {
            const t = setTimeout(() => rej(new Error(`timed out waiting for ${n} watch events; got ${JSON.stringify(events.map((e) => e.type))}`)), timeoutMs);
            waiters.push({ n, resolve: (e) => (clearTimeout(t), res2(e)) });
          });
        },
        close() {
          req.destroy();
        },
      });
    });
    req.end();
  });
}
