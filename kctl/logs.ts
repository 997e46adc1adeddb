// kctl logs POD [-c C] [-f] [--tail N] [--previous] [--timestamps]: streams
// pods/NAME/log as it arrives (kubectl's request, see the wire notes).
import http from 'node:http';
import https from 'node:https';
import { StringDecoder } from 'node:string_decoder';
import { ApiError } from '../api/errors';
import { findByPlural } from '../api/resources';
import type { KubeObject } from '../api/types';
import type { ResolvedKubeconfig } from '../client/kubeconfig';
import { ConnectionError, errorFromResponse } from '../client/rest-client';
import { bool, num, str, UsageError } from './flags';
import type { Session } from './session';

export async function runLogs(session: Session, args: string[]): Promise<number> {
  if (args.length !== 1) throw new UsageError(args.length ? `expected one pod name, got: ${args.join(' ')}` : 'expected a pod name: kctl logs POD [-c CONTAINER]');
  const pod = args[0].replace(/^(pods?|po)\//, '');
  const container = await chooseContainer(session, pod, str(session.flags, 'container'));
  const tail = num(session.flags, 'tail');
  const query: Record<string, string> = {};
  if (container) query.container = container;
  if (bool(session.flags, 'follow')) query.follow = 'true';
  if (tail !== undefined && tail >= 0) query.tailLines = String(tail);
  if (bool(session.flags, 'previous')) query.previous = 'true';
  if (bool(session.flags, 'timestamps')) query.timestamps = 'true';
  const since = str(session.flags, 'since');
  if (since !== undefined) query.sinceSeconds = String(Math.max(1, Math.ceil(parseGoDuration(since) / 1000)));
  const sinceTime = str(session.flags, 'since-time');
  if (sinceTime !== undefined) {
    if (since !== undefined) throw new UsageError('at most one of --since-time / --since may be used');
    if (Number.isNaN(Date.parse(sinceTime))) throw new UsageError(`--since-time must be an RFC 3339 time, not "${sinceTime}"`);
    query.sinceTime = sinceTime;
  }
  const limitBytes = num(session.flags, 'limit-bytes');
  if (limitBytes !== undefined && limitBytes > 0) query.limitBytes = String(limitBytes);
  const path = `/api/v1/namespaces/${encodeURIComponent(session.namespace)}/pods/${encodeURIComponent(pod)}/log`;
  const res = await streamingGet(session.config, path, query, session.io.signal);
  const decoder = new StringDecoder('utf8');
  await new Promise<void>((resolve, reject) => {
    res.on('data', (chunk: Buffer) => session.io.out(decoder.write(chunk)));
    res.on('end', () => {
      const rest = decoder.end();
      if (rest) session.io.out(rest);
      resolve();
    });
    // An aborted -f ends quietly, as kubectl's does on Ctrl-C.
    res.on('error', (err) => (session.io.signal?.aborted ? resolve() : reject(err)));
    res.on('close', () => resolve());
  });
  return 0;
}

/** TLS and auth options for a direct request to the server, from the kubeconfig. */
export function tlsOptionsOf(config: ResolvedKubeconfig): https.RequestOptions & { headers: Record<string, string> } {
  const headers: Record<string, string> = { 'User-Agent': 'kctl/0.1.0' };
  // Bearer tokens only travel over TLS, as with kubectl.
  if (config.token && config.server.startsWith('https:')) headers.Authorization = `Bearer ${config.token}`;
  return {
    ca: config.caPem,
    cert: config.clientCertPem,
    key: config.clientKeyPem,
    rejectUnauthorized: !config.insecureSkipTlsVerify,
    servername: config.tlsServerName,
    headers,
  };
}

/** A GET whose 200 body is handed over unread; any other answer becomes its ApiError. */
async function streamingGet(config: ResolvedKubeconfig, path: string, query: Record<string, string>, signal?: AbortSignal): Promise<http.IncomingMessage> {
  const url = new URL(config.server.replace(/\/+$/, '') + path);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const transport = url.protocol === 'https:' ? https : http;
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = transport.request(url, { ...tlsOptionsOf(config), method: 'GET', signal }, resolve);
    req.on('error', (err) => reject(signal?.aborted ? new ApiError('Timeout', 'aborted') : new ConnectionError(config.server, err)));
    req.end();
  });
  if (res.statusCode === 200) return res;
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  throw errorFromResponse(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'));
}

/**
 * The container to use, as kubectl picks it: -c, else the pod's
 * kubectl.kubernetes.io/default-container annotation, else the first one
 * (saying so when there are several). Also fails early for a missing pod.
 */
export async function chooseContainer(session: Session, pod: string, container: string | undefined): Promise<string> {
  const object = await session.client.get<KubeObject>(findByPlural('', 'v1', 'pods')!, session.namespace, pod);
  if (container) return container;
  const names = ((object.spec as { containers?: { name: string }[] } | undefined)?.containers ?? []).map((c) => c.name);
  const annotated = object.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
  if (annotated && names.includes(annotated)) return annotated;
  if (names.length > 1) session.io.err(`Defaulted container "${names[0]}" out of: ${names.join(', ')}\n`);
  return names[0] ?? '';
}

/** Go's time.ParseDuration for what --since takes (h, m, s, ms; e.g. 1h30m, 90s); milliseconds. */
export function parseGoDuration(text: string): number {
  const unitMs: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * unitMs[m[2]];
    consumed = re.lastIndex;
  }
  if (text === '' || consumed !== text.length) throw new UsageError(`invalid duration "${text}": use e.g. 10s, 5m, 1h30m`);
  return total;
}
