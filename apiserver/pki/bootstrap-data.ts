// What a server joining an HA cluster needs from a running one, and the
// endpoints that hand it over (as k3s's /cacerts and server-bootstrap):
//   GET  /cacerts                      the cluster CA, public: the joiner pins it by the token's hash
//   GET  /v1-kapstan/server-bootstrap  CA and client-CA key pairs, admin token, join secrets
//   POST /v1-kapstan/etcd-members      adds the joiner's etcd member, returns --initial-cluster
// The last two take `Authorization: Bearer <server token>` (K10<ca-hash>::server:<secret>);
// a node token is refused, since it must never unlock the CA keys.
import https from 'node:https';
import { checkServerIdentity } from 'node:tls';
import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '../../api/errors';
import type { ExtraRoute } from '../http/server';
import { readBody, sendError, sendJson } from '../http/respond';
import type { Pki } from './ensure-pki';
import { pkiPaths } from './ensure-pki';
import { caHash, formatJoinToken, parseJoinToken, secretsEqual, NODE_TOKEN_USER, SERVER_TOKEN_USER } from './tokens';
import { ensurePrivateDir, readIfExists, writePrivateFile } from './private-files';

export const CACERTS_PATH = '/cacerts';
export const SERVER_BOOTSTRAP_PATH = '/v1-kapstan/server-bootstrap';
export const ETCD_MEMBERS_PATH = '/v1-kapstan/etcd-members';

export interface BootstrapData {
  caCert: string;
  caKey: string;
  clientCaCert: string;
  clientCaKey: string;
  adminToken: string;
  nodeTokenSecret: string;
  serverTokenSecret: string;
}

export interface EtcdMemberRequest {
  name: string;
  peerURL: string;
}

export interface EtcdMemberResponse {
  /** name=peerURL,… including the new member: the joiner's --initial-cluster. */
  initialCluster: string;
}

export function bootstrapDataOf(pki: Pki): BootstrapData {
  if (!pki.caKeyPem || !pki.clientCaKeyPem) throw new ApiError('ServiceUnavailable', 'this server has no CA keys to share (its CA was provided without keys)');
  return {
    caCert: pki.caPem,
    caKey: pki.caKeyPem,
    clientCaCert: pki.clientCaPem,
    clientCaKey: pki.clientCaKeyPem,
    adminToken: pki.adminToken,
    nodeTokenSecret: pki.nodeTokenSecret,
    serverTokenSecret: pki.serverTokenSecret,
  };
}

/** Whether DATA already holds a cluster CA (a server that joined before, or its own cluster). */
export function hasClusterCa(dataDir: string): boolean {
  return existsSync(pkiPaths(dataDir).caCert);
}

/**
 * Writes the shared material where ensurePki() finds it, so the joiner loads
 * the same CAs and tokens and issues only its own serving certificate.
 */
export function writeBootstrapData(dataDir: string, data: BootstrapData): void {
  const paths = pkiPaths(dataDir);
  const existing = readIfExists(paths.caCert);
  if (existing !== undefined && caHash(existing) !== caHash(data.caCert)) {
    throw new Error(`${paths.caCert} belongs to another cluster; use an empty --data-dir to join this one`);
  }
  ensurePrivateDir(paths.tlsDir);
  writePrivateFile(paths.caCert, data.caCert);
  writePrivateFile(paths.caKey, data.caKey);
  writePrivateFile(paths.clientCaCert, data.clientCaCert);
  writePrivateFile(paths.clientCaKey, data.clientCaKey);
  writePrivateFile(paths.adminToken, data.adminToken + '\n');
  writePrivateFile(paths.nodeToken, formatJoinToken(data.caCert, data.nodeTokenSecret, NODE_TOKEN_USER) + '\n');
  writePrivateFile(paths.serverToken, formatJoinToken(data.caCert, data.serverTokenSecret, SERVER_TOKEN_USER) + '\n');
}

export interface BootstrapRoutesOptions {
  pki: Pki;
  /** Adds an etcd member (absent when this server does not run a managed etcd cluster). */
  addEtcdMember?(req: EtcdMemberRequest): Promise<EtcdMemberResponse>;
}

export function bootstrapRoutes(opts: BootstrapRoutesOptions): Map<string, ExtraRoute> {
  const routes = new Map<string, ExtraRoute>();
  routes.set(CACERTS_PATH, async (req, res) => {
    if (req.method !== 'GET') return sendError(res, new ApiError('MethodNotAllowed', `${req.method} is not allowed on ${CACERTS_PATH}`));
    res.writeHead(200, { 'Content-Type': 'application/x-pem-file', 'Content-Length': Buffer.byteLength(opts.pki.caPem) });
    res.end(opts.pki.caPem);
  });
  routes.set(SERVER_BOOTSTRAP_PATH, guarded(opts.pki, 'GET', async (_req, res) => sendJson(res, 200, bootstrapDataOf(opts.pki))));
  routes.set(ETCD_MEMBERS_PATH, guarded(opts.pki, 'POST', async (req, res) => {
    if (!opts.addEtcdMember) throw new ApiError('BadRequest', 'this server does not run a managed etcd cluster (start the first server with --cluster-init)');
    const body = JSON.parse((await readBody(req, 64 * 1024)).toString('utf8') || '{}') as Partial<EtcdMemberRequest>;
    if (typeof body.name !== 'string' || !body.name || typeof body.peerURL !== 'string' || !/^https?:\/\//.test(body.peerURL)) {
      throw new ApiError('Invalid', 'an etcd member needs a name and a peerURL (http[s]://HOST:PORT)');
    }
    sendJson(res, 201, await opts.addEtcdMember({ name: body.name, peerURL: body.peerURL }));
  }));
  return routes;
}

/** Only for the server token, with a message that names what is wrong. */
function guarded(pki: Pki, method: string, handler: ExtraRoute): ExtraRoute {
  return async (req: IncomingMessage, res: ServerResponse) => {
    try {
      if (req.method !== method) throw new ApiError('MethodNotAllowed', `${req.method} is not allowed here; use ${method}`);
      checkServerToken(pki, req.headers.authorization);
      await handler(req, res);
    } catch (err) {
      sendError(res, err instanceof SyntaxError ? new ApiError('BadRequest', `invalid JSON: ${err.message}`) : err);
    }
  };
}

export function checkServerToken(pki: Pki, authorization: string | undefined): void {
  const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!m) throw new ApiError('Unauthorized', 'joining a server needs "Authorization: Bearer <server token>" (DATA/server-token of a running server)');
  let token;
  try {
    token = parseJoinToken(m[1]);
  } catch (err) {
    throw new ApiError('Unauthorized', (err as Error).message);
  }
  if (token.caHash !== undefined && !secretsEqual(pki.caHash, token.caHash)) {
    throw new ApiError('Unauthorized', 'the server token was issued for another cluster: its CA hash does not match this server\'s CA');
  }
  if (token.user === NODE_TOKEN_USER) {
    throw new ApiError('Forbidden', 'this is a node (agent) token; a server joins with the server token (DATA/server-token of a running server)');
  }
  if ((token.user !== undefined && token.user !== SERVER_TOKEN_USER) || !secretsEqual(pki.serverTokenSecret, token.secret)) {
    throw new ApiError('Unauthorized', 'invalid server token: the secret does not match this cluster\'s server token');
  }
}

// ---- the joining side -------------------------------------------------------

/**
 * Fetches the CA from `serverUrl` over TLS that verifies nothing yet, and
 * accepts it only if its sha256 is the one in the token: the token pins the
 * cluster before any secret is sent.
 */
export async function fetchTrustedCa(serverUrl: string, token: string): Promise<string> {
  const parsed = parseJoinToken(token);
  if (!parsed.caHash) throw new Error('the server token must be the full K10<ca-hash>::server:<secret> form, so the cluster CA can be verified');
  const res = await httpsRequest(serverUrl, 'GET', CACERTS_PATH, { rejectUnauthorized: false });
  if (res.status !== 200 || !res.text.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`${serverUrl}${CACERTS_PATH} answered ${res.status}: ${res.text.slice(0, 200)}`);
  const served = caHash(res.text);
  if (served !== parsed.caHash) {
    throw new Error(`the cluster CA of ${serverUrl} has sha256 ${served}, but the token expects ${parsed.caHash}: refusing to trust this server`);
  }
  return res.text;
}

export async function fetchBootstrapData(serverUrl: string, token: string, caPem: string): Promise<BootstrapData> {
  const res = await httpsRequest(serverUrl, 'GET', SERVER_BOOTSTRAP_PATH, { caPem, token });
  if (res.status !== 200) throw new Error(`${serverUrl} refused to share its bootstrap data: ${statusMessage(res)}`);
  return JSON.parse(res.text) as BootstrapData;
}

export async function requestEtcdMember(serverUrl: string, token: string, caPem: string, member: EtcdMemberRequest): Promise<EtcdMemberResponse> {
  const res = await httpsRequest(serverUrl, 'POST', ETCD_MEMBERS_PATH, { caPem, token, body: JSON.stringify(member) });
  if (res.status !== 201) throw new Error(`${serverUrl} did not add etcd member ${member.name}: ${statusMessage(res)}`);
  return JSON.parse(res.text) as EtcdMemberResponse;
}

function statusMessage(res: { status: number; text: string }): string {
  try {
    return `${res.status} ${JSON.parse(res.text).message}`;
  } catch {
    return `${res.status} ${res.text.slice(0, 200)}`;
  }
}

function httpsRequest(
  serverUrl: string, method: string, path: string,
  opts: { rejectUnauthorized?: boolean; caPem?: string; token?: string; body?: string },
): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(opts.body));
  }
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(path, serverUrl), {
      method,
      headers,
      ca: opts.caPem,
      rejectUnauthorized: opts.rejectUnauthorized ?? true,
      // Every server's certificate names `kubernetes`; the pinned CA is what makes it ours.
      servername: 'kubernetes',
      checkServerIdentity: (_host, cert) => checkServerIdentity('kubernetes', cert),
      timeout: 30_000,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${serverUrl} did not answer within 30 s`)));
    req.on('error', (err) => reject(new Error(`cannot reach ${serverUrl}: ${err.message}`)));
    req.end(opts.body);
  });
}
