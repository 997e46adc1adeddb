// A small typed REST client for the Kubernetes wire format, used by kctl,
// controllers and the scheduler. One keep-alive agent per client; every
// failure is either an ApiError (the server answered with a Status) or a
// ConnectionError naming the server it could not reach.
import http from 'node:http';
import https from 'node:https';
import { ApiError, ErrorCode, ERROR_CODES, fromStatus, HTTP_STATUS, Status } from '../api/errors';
import { resourcePath, ResourceInfo } from '../api/resources';
import type { DeleteOptions, KubeList, KubeObject } from '../api/types';
import type { ResolvedKubeconfig } from './kubeconfig';
import { watchStreamOf, WatchStream } from './watch';
import { KeepAlivePool, PoolConnectionError } from './keep-alive-pool';

export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

export interface RestClientConfig {
  server: string;
  caPem?: string;
  insecureSkipTlsVerify?: boolean;
  tlsServerName?: string;
  token?: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  userAgent?: string;
  /** Called with the text of each `Warning: 299` header the server sends. */
  onWarning?: (text: string) => void;
  /**
   * The server's own Unix socket (plain HTTP), for components running inside
   * `kapstan server`; `server` then only names it in messages.
   */
  socketPath?: string;
}

/** The server could not be reached (refused, reset, DNS, TLS): no HTTP answer at all. */
export class ConnectionError extends Error {
  override name = 'ConnectionError';
  constructor(
    readonly server: string,
    override readonly cause: Error,
  ) {
    super(`Unable to connect to the server ${server}: ${cause.message}`);
  }
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  accept?: string;
}

export interface Response<T> {
  status: number;
  body: T;
  warnings: string[];
}

export interface WriteOptions {
  fieldManager?: string;
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
  dryRun?: boolean;
  subresource?: string;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

export interface WatchOptions {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  timeoutSeconds?: number;
  allowWatchBookmarks?: boolean;
  /** Ask for each event's object as a one-row meta.k8s.io Table. */
  asTable?: boolean;
}

export class RestClient {
  readonly server: string;
  private readonly base: URL;
  private readonly transport: typeof https | typeof http;
  private readonly agent: http.Agent;
  /** Unary JSON requests; streams (watches) go through node:http and `agent`. */
  private readonly pool: KeepAlivePool;
  private readonly basePath: string;

  constructor(private readonly config: RestClientConfig) {
    this.server = config.socketPath ? `unix:${config.socketPath}` : config.server.replace(/\/+$/, '');
    this.base = new URL(config.socketPath ? 'http://localhost' : this.server);
    this.basePath = this.base.pathname.replace(/\/$/, '');
    const secure = this.base.protocol === 'https:';
    this.transport = secure ? https : http;
    this.pool = new KeepAlivePool({
      host: this.base.hostname.replace(/^\[|\]$/g, ''),
      port: Number(this.base.port || (secure ? 443 : 80)),
      secure,
      socketPath: config.socketPath,
      tls: {
        ca: config.caPem,
        cert: config.clientCertPem,
        key: config.clientKeyPem,
        rejectUnauthorized: !config.insecureSkipTlsVerify,
        servername: config.tlsServerName,
      },
    });
    this.agent = secure
      ? new https.Agent({
          keepAlive: true,
          ca: config.caPem,
          cert: config.clientCertPem,
          key: config.clientKeyPem,
          rejectUnauthorized: !config.insecureSkipTlsVerify,
          servername: config.tlsServerName,
        })
      : new http.Agent({ keepAlive: true });
  }

  static fromKubeconfig(kc: ResolvedKubeconfig, extra: Pick<RestClientConfig, 'userAgent' | 'onWarning'> = {}): RestClient {
    return new RestClient({
      server: kc.server,
      caPem: kc.caPem,
      insecureSkipTlsVerify: kc.insecureSkipTlsVerify,
      tlsServerName: kc.tlsServerName,
      token: kc.token,
      clientCertPem: kc.clientCertPem,
      clientKeyPem: kc.clientKeyPem,
      ...extra,
    });
  }

  /** Closes idle keep-alive sockets so the process can exit. */
  close(): void {
    this.agent.destroy();
    this.pool.close();
  }

  // ---- verbs on resources -----------------------------------------------------

  get<T extends KubeObject = KubeObject>(r: ResourceInfo, namespace: string | undefined, name: string, opts: { subresource?: string } = {}): Promise<T> {
    return this.json<T>('GET', resourcePath(r, namespace, name, opts.subresource));
  }

  list<T extends KubeObject = KubeObject>(r: ResourceInfo, namespace: string | undefined, opts: ListOptions = {}): Promise<KubeList<T>> {
    return this.json<KubeList<T>>('GET', resourcePath(r, namespace), { query: { ...opts } });
  }

  /** Every page of a list, following `continue` tokens. */
  async listAll<T extends KubeObject = KubeObject>(r: ResourceInfo, namespace: string | undefined, opts: ListOptions = {}): Promise<KubeList<T>> {
    const first = await this.list<T>(r, namespace, { limit: 500, ...opts });
    let page = first;
    while (page.metadata?.continue) {
      page = await this.list<T>(r, namespace, { ...opts, limit: opts.limit ?? 500, continue: page.metadata.continue });
      first.items.push(...page.items);
    }
    first.metadata = { resourceVersion: page.metadata?.resourceVersion ?? first.metadata?.resourceVersion };
    return first;
  }

  create<T extends KubeObject = KubeObject>(r: ResourceInfo, namespace: string | undefined, obj: unknown, opts: WriteOptions = {}): Promise<T> {
    return this.json<T>('POST', resourcePath(r, namespace, undefined), { body: obj, query: writeQuery(opts) });
  }

  update<T extends KubeObject = KubeObject>(r: ResourceInfo, namespace: string | undefined, obj: KubeObject, opts: WriteOptions = {}): Promise<T> {
    const name = obj.metadata?.name;
    if (!name) throw new Error('update needs metadata.name');
    return this.json<T>('PUT', resourcePath(r, namespace, name, opts.subresource), { body: obj, query: writeQuery(opts) });
  }

  patch<T extends KubeObject = KubeObject>(
    r: ResourceInfo,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    contentType: string,
    opts: WriteOptions = {},
  ): Promise<T> {
    return this.json<T>('PATCH', resourcePath(r, namespace, name, opts.subresource), { body: patch, contentType, query: writeQuery(opts) });
  }

  /** Returns the object (while finalizers or a grace period hold it) or a Success Status. */
  delete(r: ResourceInfo, namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<KubeObject | Status> {
    return this.json<KubeObject | Status>('DELETE', resourcePath(r, namespace, name), { body: { kind: 'DeleteOptions', apiVersion: 'v1', ...opts } });
  }

  /** A meta.k8s.io/v1 Table of a list (name undefined) or of one object. */
  table(r: ResourceInfo, namespace: string | undefined, name?: string, opts: ListOptions = {}): Promise<Table> {
    const query = name === undefined ? { limit: 500, ...opts } : {};
    return this.json<Table>('GET', resourcePath(r, namespace, name), { accept: TABLE_ACCEPT, query });
  }

  async watch<T = KubeObject>(r: ResourceInfo, namespace: string | undefined, opts: WatchOptions = {}): Promise<WatchStream<T>> {
    const { asTable, ...rest } = opts;
    const path = resourcePath(r, namespace);
    const req = this.send('GET', path, { query: { ...rest, watch: true }, accept: asTable ? TABLE_ACCEPT : 'application/json' });
    const res = await req.response;
    if ((res.statusCode ?? 0) >= 300) {
      const text = await readAll(res);
      throw errorFromResponse(res.statusCode ?? 0, text);
    }
    return watchStreamOf<T>(res, () => req.abort());
  }

  // ---- raw requests ------------------------------------------------------------

  /** A request whose JSON reply is returned; non-2xx replies throw ApiError. */
  async json<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    return (await this.request<T>(method, path, opts)).body;
  }

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<Response<T>> {
    let res;
    try {
      res = await this.pool.request({ method, path: this.basePath + path + queryString(opts.query), headers: this.headers(opts), body: payloadOf(opts.body) });
    } catch (err) {
      throw err instanceof PoolConnectionError ? new ConnectionError(this.server, err) : err;
    }
    const text = res.body.toString('utf8');
    const status = res.status;
    const warnings = parseWarnings(res.headers.warning);
    for (const w of warnings) this.config.onWarning?.(w);
    if (status < 200 || status >= 300) throw errorFromResponse(status, text);
    let body: unknown = text;
    if (text !== '' && /json/.test(String(res.headers['content-type'] ?? 'application/json'))) {
      try {
        body = JSON.parse(text);
      } catch {
        throw new ApiError('InternalError', `the server sent an unreadable reply to ${method} ${path}: ${text.slice(0, 200)}`);
      }
    }
    return { status, body: body as T, warnings };
  }

  private headers(opts: RequestOptions): Record<string, string> {
    const headers: Record<string, string> = {
      Accept: opts.accept ?? 'application/json',
      'User-Agent': this.config.userAgent ?? 'kapstan-client',
    };
    // Bearer tokens only travel over TLS, as with kubectl, or to the server's own socket.
    if (this.config.token && (this.base.protocol === 'https:' || this.config.socketPath)) headers.Authorization = `Bearer ${this.config.token}`;
    if (opts.body !== undefined) headers['Content-Type'] = opts.contentType ?? 'application/json';
    return headers;
  }

  private send(method: string, path: string, opts: RequestOptions): { response: Promise<http.IncomingMessage>; abort(): void } {
    const url = new URL(this.basePath + path + queryString(opts.query), this.base);
    const payload = payloadOf(opts.body);
    const headers = this.headers(opts);
    if (payload !== undefined) headers['Content-Length'] = String(payload.length);
    let req: http.ClientRequest;
    const response = new Promise<http.IncomingMessage>((resolve, reject) => {
      req = this.transport.request(url, { method, headers, agent: this.agent, socketPath: this.config.socketPath }, resolve);
      req.on('error', (err) => reject(new ConnectionError(this.server, err)));
      if (payload !== undefined) req.write(payload);
      req.end();
    });
    return { response, abort: () => req.destroy() };
  }
}

function queryString(query: RequestOptions['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v));
  const q = params.toString();
  return q ? `?${q}` : '';
}

function payloadOf(body: unknown): Buffer | undefined {
  if (body === undefined) return undefined;
  if (Buffer.isBuffer(body)) return body;
  return Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
}

export interface TableColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
}

export interface TableRow {
  cells: unknown[];
  object?: { kind?: string; apiVersion?: string; metadata?: KubeObject['metadata'] } & Record<string, unknown>;
}

export interface Table {
  kind: 'Table';
  apiVersion: string;
  metadata: { resourceVersion?: string; continue?: string };
  columnDefinitions: TableColumn[];
  rows: TableRow[];
}

function writeQuery(opts: WriteOptions): Record<string, string | undefined> {
  return {
    fieldManager: opts.fieldManager,
    fieldValidation: opts.fieldValidation,
    dryRun: opts.dryRun ? 'All' : undefined,
  };
}

function readAll(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

/** A Status body becomes its ApiError; anything else is named by its HTTP code. */
export function errorFromResponse(httpStatus: number, text: string): ApiError {
  try {
    const body = JSON.parse(text) as Partial<Status>;
    if (body && body.kind === 'Status') return fromStatus(body, httpStatus);
  } catch {
    /* not JSON */
  }
  const code: ErrorCode = ERROR_CODES.find((c) => HTTP_STATUS[c] === httpStatus) ?? 'InternalError';
  const detail = text.trim() ? `: ${text.trim().slice(0, 300)}` : '';
  return new ApiError(code, `the server responded with HTTP ${httpStatus}${detail}`);
}

/** `299 - "text"` values of the Warning header(s). */
export function parseWarnings(header: string | string[] | undefined): string[] {
  if (!header) return [];
  const values = Array.isArray(header) ? header : [header];
  const out: string[] = [];
  for (const v of values) {
    const re = /\d{3}\s+\S+\s+("(?:[^"\\]|\\.)*")/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(v))) {
      try {
        out.push(JSON.parse(m[1]) as string);
      } catch {
        out.push(m[1].slice(1, -1));
      }
    }
  }
  return out;
}
