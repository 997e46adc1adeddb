// An httpGet action as the kubelet's prober (pkg/probe/http): GET with kube-probe's User-Agent and the
// handler's headers; 200–399 is success. Redirects to the same host are followed (at most 10); a redirect
// elsewhere is not followed and counts as success with a warning. HTTPS does not verify certificates.
import { request, type IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { MAX_OUTPUT } from './exec-action';
import { defaultHost, DialError, dialPod, type PodEndpoint } from './pod-connection';
import type { HttpGetAction } from './probe-types';

export const PROBE_USER_AGENT = 'kube-probe/1.33';

export interface HttpOutcome {
  kind: 'success' | 'warning' | 'failure';
  output: string;
  statusCode?: number;
}

export function httpUrl(action: HttpGetAction, host: string, port: number): URL {
  const scheme = (action.scheme ?? 'HTTP').toLowerCase();
  const path = action.path ? (action.path.startsWith('/') ? action.path : `/${action.path}`) : '/';
  return new URL(`${scheme}://${isIP(host) === 6 ? `[${host}]` : host}:${port}${path}`);
}

function portOf(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

async function secure(socket: Duplex, host: string): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const tls = tlsConnect({ socket, rejectUnauthorized: false, servername: isIP(host) ? undefined : host });
    tls.once('secureConnect', () => resolve(tls));
    tls.once('error', reject);
  });
}

/** One GET over a fresh connection; resolves with the response and up to MAX_OUTPUT of its body. */
async function get(
  endpoint: PodEndpoint, url: URL, headers: Record<string, string>, deadline: number, signal: AbortSignal,
): Promise<{ res: IncomingMessage; body: string }> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let socket = await dialPod(endpoint, host, portOf(url), Math.max(1, deadline - Date.now()));
  if (signal.aborted) {
    socket.destroy();
    throw new Error('timed out');
  }
  // A slow server must not keep the connection (or the relay process) once the probe has timed out.
  const abort = () => socket.destroy();
  signal.addEventListener('abort', abort, { once: true });
  if (url.protocol === 'https:') socket = await secure(socket, host);
  return new Promise((resolve, reject) => {
    const req = request({
      createConnection: () => socket as never, method: 'GET', host, port: portOf(url), path: `${url.pathname}${url.search}`, headers,
    }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (d: Buffer) => {
        if (size < MAX_OUTPUT) chunks.push(d);
        size += d.length;
        if (size >= MAX_OUTPUT) res.destroy();
      });
      const done = () => resolve({ res, body: Buffer.concat(chunks).subarray(0, MAX_OUTPUT).toString() });
      res.on('end', done);
      res.on('close', done);
      res.on('error', done);
    });
    req.on('error', reject);
    req.end();
  }).finally(() => {
    signal.removeEventListener('abort', abort);
    socket.destroy();
  }) as Promise<{ res: IncomingMessage; body: string }>;
}

/** Runs the GET (with redirects) within timeoutMs. */
export async function httpGet(endpoint: PodEndpoint, action: HttpGetAction, port: number, timeoutMs: number): Promise<HttpOutcome> {
  const first = httpUrl(action, action.host || defaultHost(endpoint), port);
  const headers: Record<string, string> = { 'User-Agent': PROBE_USER_AGENT, Accept: '*/*' };
  for (const h of action.httpHeaders ?? []) {
    // A header given with the default's name replaces it (Host too); names compare case-insensitively.
    for (const k of Object.keys(headers)) if (k.toLowerCase() === h.name.toLowerCase()) delete headers[k];
    headers[h.name] = h.value;
  }
  const deadline = Date.now() + timeoutMs;
  const aborter = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<HttpOutcome>((resolve) => {
    timer = setTimeout(() => {
      aborter.abort();
      resolve({
      kind: 'failure', output: `Get "${first.href}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
      });
    }, timeoutMs);
  });
  const attempt = async (): Promise<HttpOutcome> => {
    let url = first;
    for (let redirects = 0; ; redirects++) {
      let res: IncomingMessage;
      let body: string;
      try {
        ({ res, body } = await get(endpoint, url, headers, deadline, aborter.signal));
      } catch (err) {
        const why = err instanceof DialError ? err.message : (err as Error).message;
        return { kind: 'failure', output: `Get "${url.href}": ${why}` };
      }
      const code = res.statusCode ?? 0;
      const location = res.headers.location;
      if (code >= 300 && code < 400 && location) {
        const next = new URL(location, url);
        if (next.hostname === first.hostname && (next.protocol === 'http:' || next.protocol === 'https:')) {
          if (redirects + 1 >= 10) return { kind: 'failure', output: `Get "${next.href}": stopped after 10 redirects` };
          url = next;
          continue;
        }
      }
      if (code >= 200 && code < 300) return { kind: 'success', output: body, statusCode: code };
      if (code >= 300 && code < 400) return { kind: 'warning', output: `Probe terminated redirects, Response body: ${body}`, statusCode: code };
      return { kind: 'failure', output: `HTTP probe failed with statuscode: ${code}`, statusCode: code };
    }
  };
  try {
    return await Promise.race([attempt(), timeout]);
  } finally {
    clearTimeout(timer);
    aborter.abort();
  }
}
