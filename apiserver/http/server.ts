// The HTTPS front door: authentication, then discovery, OpenAPI, health and
// resource requests. Every failure leaves as a metav1.Status.
import https from 'node:https';
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { ApiError, errors } from '../../api/errors';
import type { Registry } from '../registry/registry';
import { parseRequestPath, requestTarget } from './request-info';
import { handleResource } from './rest-handler';
import { sendError, sendJson } from './respond';
import { apiGroupDoc, apiGroupList, apiResourceList, apiVersions } from './discovery';
import { serveOpenApi } from './openapi-handler';
import { IMAGES_API_PREFIX, serveImagesApi } from './image-import-handler';
import { isReviewRequest, serveReview } from './self-subject-reviews';
import { dryRunProblem } from './dry-run-param';

export interface HttpServerOptions {
  registry: Registry;
  tls: { certPem: string; keyPem: string; caPem?: string };
  /** Bearer tokens that may use the API. */
  authenticate(token: string): boolean;
  /** Reports whether storage is reachable, for /readyz. */
  ready(): Promise<boolean>;
  version: { major: string; minor: string; gitVersion: string };
  /** Handlers for extra exact paths (a server's join endpoints) that authenticate on their own. */
  routes?: ReadonlyMap<string, ExtraRoute>;
}

export type ExtraRoute = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version']);

export function createHttpServer(opts: HttpServerOptions): https.Server {
  const server = https.createServer({ cert: opts.tls.certPem, key: opts.tls.keyPem, ca: opts.tls.caPem, requestCert: false }, (req, res) => {
    handle(opts, req, res).catch((err) => sendError(res, err));
  });
  return withTimeouts(server);
}

/**
 * The same API in plain HTTP, for a Unix socket only the server's own
 * components use (its controllers and scheduler): no TLS and no TCP for the
 * traffic that never leaves the process. Requests still need a valid token.
 */
export function createLocalHttpServer(opts: Omit<HttpServerOptions, 'tls'>): http.Server {
  return withTimeouts(http.createServer((req, res) => {
    handle(opts, req, res).catch((err) => sendError(res, err));
  }));
}

function withTimeouts<S extends http.Server>(server: S): S {
  server.keepAliveTimeout = 90_000;
  server.headersTimeout = 95_000;
  // Watches stay open for up to their timeoutSeconds.
  server.requestTimeout = 0;
  return server;
}

export function tokenMatcher(tokens: string[]): (token: string) => boolean {
  const bufs = tokens.map((t) => Buffer.from(t));
  return (token) => {
    const b = Buffer.from(token);
    return bufs.some((t) => t.length === b.length && timingSafeEqual(t, b));
  };
}

async function handle(opts: Omit<HttpServerOptions, 'tls'>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = requestTarget(req.url ?? '/');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const route = opts.routes?.get(path);
  if (route) return route(req, res);
  if (!PUBLIC_PATHS.has(path)) {
    const auth = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    if (!m || !opts.authenticate(m[1])) throw errors.unauthorized();
  }
  switch (path) {
    case '/healthz':
    case '/livez':
      return sendText(res, 200, 'ok');
    case '/readyz':
      return (await opts.ready()) ? sendText(res, 200, 'ok') : sendText(res, 503, 'storage unavailable');
    case '/version':
      return sendJson(res, 200, { ...opts.version, platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`, goVersion: '', compiler: 'kapstan' });
    case '/api':
      return sendJson(res, 200, apiVersions(req.headers.host ?? 'localhost'));
    case '/apis':
      return sendJson(res, 200, apiGroupList());
  }
  if (path.startsWith('/openapi/')) return serveOpenApi(req, res, path, url.query);
  if (path.startsWith(IMAGES_API_PREFIX)) return serveImagesApi({ req, res, path, query: url.query, registry: opts.registry });
  const info = parseRequestPath(path);
  if (info.kind === 'other') {
    const parts = path.split('/').filter(Boolean);
    let doc: unknown;
    if (parts[0] === 'api' && parts.length === 2) doc = apiResourceList('', parts[1]);
    else if (parts[0] === 'apis' && parts.length === 2) doc = apiGroupDoc(parts[1]);
    else if (parts[0] === 'apis' && parts.length === 3) doc = apiResourceList(parts[1], parts[2]);
    if (doc) return sendJson(res, 200, doc);
    throw notServed(req, path);
  }
  if (isReviewRequest(info)) return serveReview(req, res, info);
  // A resource this server does not serve (e.g. HPAs for `kubectl autoscale`):
  // Kubernetes' plain 404, not a NotFound naming an object.
  if (!opts.registry.find(info.group, info.version, info.resource)) throw notServed(req, path);
  const dryRunError = dryRunProblem(req, url.query);
  if (dryRunError) throw dryRunError;
  return handleResource({ req, res, info, query: url.query, registry: opts.registry });
}

function notServed(req: IncomingMessage, path: string): ApiError {
  return new ApiError('NotFound', `the server could not find the requested resource (${req.method} ${path})`);
}

function sendText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
