// kctl port-forward (pod/NAME|svc/NAME|deploy/NAME|NAME) [LOCAL:]REMOTE...
// [--address ADDR,...]: listens locally and forwards each accepted connection
// to the pod over its own WebSocket (`pods/NAME/portforward?ports=REMOTE`,
// subprotocol v5.channel.k8s.io: channel 0 data, 1 error, each opened with the
// port as 2 little-endian bytes; [255, 0] half-closes). Services and
// Deployments resolve to one of their running pods client-side, as kubectl does.
import { createServer, isIPv6, type Server, type Socket } from 'node:net';
import WebSocket from 'ws';
import { ApiError } from '../api/errors';
import { findByPlural } from '../api/resources';
import type { KubeObject } from '../api/types';
import { errorFromResponse } from '../client/rest-client';
import { strs, UsageError } from './flags';
import { tlsOptionsOf } from './logs';
import type { Session } from './session';

const PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
const CLOSE = 255;

export interface PortSpec {
  /** 0 = pick a free port. */
  local: number;
  remote: number;
}

interface PodLike extends KubeObject {
  spec?: { containers?: { ports?: { name?: string; containerPort: number }[] }[] };
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
}

interface ServiceLike extends KubeObject {
  spec?: { selector?: Record<string, string>; ports?: { name?: string; port: number; targetPort?: number | string }[] };
}

/** `8080:80`, `80` (same local port), `:80` (any free local port), as kubectl parses them. */
export function parsePortSpec(text: string): PortSpec {
  const parts = text.split(':');
  if (parts.length > 2) throw new UsageError(`invalid port format '${text}'`);
  const num = (s: string, what: string) => {
    const n = Number(s);
    if (!/^\d+$/.test(s) || n > 65535 || (what === 'remote' && n === 0)) throw new UsageError(`error parsing ${what} port '${s}': must be an integer between ${what === 'remote' ? 1 : 0} and 65535`);
    return n;
  };
  if (parts.length === 1) return { local: num(parts[0], 'local'), remote: num(parts[0], 'remote') };
  return { local: parts[0] === '' ? 0 : num(parts[0], 'local'), remote: num(parts[1], 'remote') };
}

function selectorString(labels: Record<string, string>): string {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');
}

/** Running and ready pods first, then the oldest: a stable choice like kubectl's GetFirstPod. */
function firstPod(pods: PodLike[]): PodLike | undefined {
  const rank = (p: PodLike) => (p.status?.phase === 'Running' ? 0 : 2) + (p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? 0 : 1);
  return [...pods].sort((a, b) => rank(a) - rank(b) || String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)))[0];
}

async function podForSelector(session: Session, labels: Record<string, string> | undefined, what: string): Promise<PodLike> {
  if (!labels || Object.keys(labels).length === 0) throw new ApiError('BadRequest', `${what} has no selector: cannot choose a pod`);
  const list = await session.client.list<PodLike>(findByPlural('', 'v1', 'pods')!, session.namespace, { labelSelector: selectorString(labels) });
  const pod = firstPod(list.items);
  if (!pod) throw new ApiError('NotFound', `no pods found for ${what}`);
  return pod;
}

/** The pod to forward to and the ports translated for it (Service ports become target ports). */
export async function resolveForwardTarget(session: Session, arg: string, specs: PortSpec[]): Promise<{ pod: PodLike; ports: PortSpec[] }> {
  const slash = arg.indexOf('/');
  const type = slash < 0 ? 'pod' : arg.slice(0, slash).toLowerCase();
  const name = slash < 0 ? arg : arg.slice(slash + 1);
  if (!name) throw new UsageError('TYPE/NAME and list of ports are required for port-forward');
  if (['pod', 'pods', 'po'].includes(type)) {
    return { pod: await session.client.get<PodLike>(findByPlural('', 'v1', 'pods')!, session.namespace, name), ports: specs };
  }
  if (['svc', 'service', 'services'].includes(type)) {
    const svc = await session.client.get<ServiceLike>(findByPlural('', 'v1', 'services')!, session.namespace, name);
    const pod = await podForSelector(session, svc.spec?.selector, `service/${name}`);
    const ports = specs.map((s) => {
      const sp = svc.spec?.ports?.find((p) => p.port === s.remote);
      if (!sp) throw new ApiError('BadRequest', `Service ${name} does not have a service port ${s.remote}`);
      const target = sp.targetPort ?? sp.port;
      const remote = typeof target === 'number' ? target : namedContainerPort(pod, target, name);
      return { local: s.local, remote };
    });
    return { pod, ports };
  }
  if (['deploy', 'deployment', 'deployments', 'deployment.apps', 'deployments.apps'].includes(type)) {
    const deploy = await session.client.get<KubeObject>(findByPlural('apps', 'v1', 'deployments')!, session.namespace, name);
    const labels = (deploy.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)?.selector?.matchLabels;
    return { pod: await podForSelector(session, labels, `deployment/${name}`), ports: specs };
  }
  throw new UsageError(`cannot attach to ${type}: only pods, services and deployments can be port-forwarded`);
}

function namedContainerPort(pod: PodLike, portName: string, svc: string): number {
  for (const c of pod.spec?.containers ?? []) {
    const p = c.ports?.find((x) => x.name === portName);
    if (p) return p.containerPort;
  }
  throw new ApiError('BadRequest', `pod ${pod.metadata.name} does not have a named port '${portName}' (targetPort of service ${svc})`);
}

export async function runPortForward(session: Session, args: string[]): Promise<number> {
  if (args.length < 2) throw new UsageError('TYPE/NAME and list of ports are required for port-forward');
  const specs = args.slice(1).map(parsePortSpec);
  const { pod, ports } = await resolveForwardTarget(session, args[0], specs);
  const phase = pod.status?.phase ?? 'Pending';
  if (phase !== 'Running') throw new ApiError('BadRequest', `unable to forward port because pod is not running. Current status=${phase}`);
  const podName = pod.metadata.name!;
  const addresses = listenAddresses(strs(session.flags, 'address'));

  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  try {
    for (const spec of ports) {
      let local = spec.local;
      let bound = 0;
      const failures: string[] = [];
      for (const address of addresses) {
        try {
          const server = await listen(address, local);
          local = (server.address() as { port: number }).port;
          servers.push(server);
          bound++;
          session.io.out(`Forwarding from ${isIPv6(address) ? `[${address}]` : address}:${local} -> ${spec.remote}\n`);
          server.on('connection', (socket) => {
            sockets.add(socket);
            socket.on('close', () => sockets.delete(socket));
            session.io.out(`Handling connection for ${local}\n`);
            forwardSocket(session, podName, socket, local, spec.remote);
          });
        } catch (err) {
          failures.push(`unable to create listener: Error listen tcp ${address}:${local}: ${(err as Error).message}`);
        }
      }
      if (bound === 0) throw new ApiError('InternalError', `unable to listen on any of the requested ports: ${failures.join('; ')}`);
    }
    // Runs until interrupted (the signal in tests, SIGINT for the process).
    await new Promise<void>((resolve) => {
      const signal = session.io.signal;
      if (signal?.aborted) return resolve();
      signal?.addEventListener('abort', () => resolve(), { once: true });
    });
    return 0;
  } finally {
    for (const s of servers) s.close();
    for (const s of sockets) s.destroy();
  }
}

/** kubectl's default `localhost` is both loopback addresses. */
function listenAddresses(flag: string[]): string[] {
  const list = flag.flatMap((a) => a.split(',')).map((a) => a.trim()).filter(Boolean);
  const out = (list.length ? list : ['localhost']).flatMap((a) => (a === 'localhost' ? ['127.0.0.1', '::1'] : [a]));
  return [...new Set(out)];
}

function listen(address: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    // allowHalfOpen: a client that half-closes still gets the rest of the reply.
    const server = createServer({ pauseOnConnect: true, allowHalfOpen: true });
    server.once('error', reject);
    server.listen({ host: address, port, ipv6Only: isIPv6(address) }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** One local connection ↔ one WebSocket to the pod's port. */
function forwardSocket(session: Session, pod: string, socket: Socket, local: number, remote: number): void {
  const url = new URL(session.config.server.replace(/\/+$/, '') + `/api/v1/namespaces/${encodeURIComponent(session.namespace)}/pods/${encodeURIComponent(pod)}/portforward`);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('ports', String(remote));
  const { headers, ...tls } = tlsOptionsOf(session.config);
  const ws = new WebSocket(url, PROTOCOLS, { ...tls, headers, perMessageDeflate: false });
  const report = (message: string) => session.io.err(`error: an error occurred forwarding ${local} -> ${remote}: ${message}\n`);
  // Each channel starts with the port (2 bytes), not part of the stream.
  const prefix = [2, 2];
  let errorText = '';

  ws.on('unexpected-response', (_req, res) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => {
      report(errorFromResponse(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')).message);
      socket.destroy();
    });
  });
  ws.on('error', (err) => {
    report(err.message);
    socket.destroy();
  });
  ws.on('open', () => {
    socket.on('data', (data: Buffer) => {
      // A full send buffer pauses the local side until this message is written out.
      const full = ws.bufferedAmount >= 1024 * 1024;
      if (full) socket.pause();
      ws.send(Buffer.concat([Buffer.from([0]), data]), full ? () => socket.resume() : undefined);
    });
    socket.on('end', () => {
      if (ws.readyState === ws.OPEN && ws.protocol.startsWith('v5')) ws.send(Buffer.from([CLOSE, 0]));
    });
    socket.resume();
  });
  ws.on('message', (raw: Buffer) => {
    if (raw.length === 0 || raw[0] > 1) return;
    const channel = raw[0];
    let payload = raw.subarray(1);
    const skip = Math.min(prefix[channel], payload.length);
    prefix[channel] -= skip;
    payload = payload.subarray(skip);
    if (payload.length === 0) return;
    if (channel === 0) socket.write(payload);
    else errorText += payload.toString('utf8');
  });
  ws.on('close', () => {
    if (errorText) report(errorText);
    socket.end();
  });
  socket.on('error', () => ws.terminate());
  socket.on('close', () => {
    if (ws.readyState === ws.OPEN) ws.close(1000);
    else if (ws.readyState === ws.CONNECTING) ws.terminate();
  });
}
