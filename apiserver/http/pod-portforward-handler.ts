// pods/NAME/portforward in the three shapes clients speak:
// - WebSocket, subprotocol SPDY/3.1+portforward.k8s.io: a SPDY session
//   tunnelled in binary messages (kubectl ≥ 1.31);
// - Upgrade: SPDY/3.1 with X-Stream-Protocol-Version portforward.k8s.io
//   (kubectl 1.27-1.30, and newer ones when the WebSocket is refused);
// - WebSocket, subprotocol v4.channel.k8s.io (the kubelet's port-forward
//   WebSocket: ?ports=P1,P2, channels 2i data and 2i+1 error, each opened with
//   the port as two little-endian bytes) or v5.channel.k8s.io, which adds
//   [255, channel] for a half-close (kctl uses it).
// In SPDY every kubectl connection is a pair of streams (streamType error and
// data) with the same requestID; each becomes one PORT_FORWARD to the agent.
import type { IncomingMessage } from 'node:http';
import { WebSocketServer, createWebSocketStream, type RawData, type WebSocket } from 'ws';
import { errors } from '../../api/errors';
import type { KubeObject } from '../../api/types';
import type { ResourceStore } from '../registry/store';
import { tunnelHubFor, type TunnelHub } from '../grpc/streaming/tunnel-hub';
import { notConnected } from '../grpc/streaming/tunnel-hub';
import type { StreamTarget } from '../grpc/streaming/stream-target';
import { takeOverSocket, type PodExecRequest } from './pod-exec-handler';
import { forwardConnection, type ForwardedConnection } from './pod-portforward-connection';
import { SpdyServerSession, type SpdyStream } from './spdy-server-session';

export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
export const SPDY_TUNNEL_PROTOCOL = `SPDY/3.1+${PORT_FORWARD_PROTOCOL}`;
const CHANNEL_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
const CLOSE_CHANNEL = 255;

/** The same inputs as an exec request. */
export type PodPortForwardRequest = PodExecRequest;

const websockets = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 });

/**
 * `SPDY/3.1+portforward.k8s.io` holds a '/', which is no HTTP token, so ws
 * refuses it as a subprotocol: the handshake runs with a stand-in name and the
 * response header is given the real one.
 */
const TUNNEL_STAND_IN = 'kapstan-spdy-tunnel';
const tunnelSockets = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 });
tunnelSockets.on('headers', (headers) => {
  const i = headers.findIndex((h) => h.toLowerCase() === `sec-websocket-protocol: ${TUNNEL_STAND_IN}`);
  if (i >= 0) headers[i] = `Sec-WebSocket-Protocol: ${SPDY_TUNNEL_PROTOCOL}`;
});

/** Checks the pod and its node before upgrading, so those failures are ordinary HTTP Statuses. */
export async function servePodPortForward(r: PodPortForwardRequest): Promise<void> {
  const { req, query } = r;
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'POST') throw errors.methodNotAllowed();
  const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
  const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  let mode: 'spdy' | 'spdy-tunnel' | 'channels';
  let protocol = '';
  if (upgrade === 'websocket' && offered.includes(SPDY_TUNNEL_PROTOCOL)) {
    mode = 'spdy-tunnel';
    protocol = SPDY_TUNNEL_PROTOCOL;
  } else if (upgrade === 'websocket') {
    mode = 'channels';
    protocol = CHANNEL_PROTOCOLS.find((p) => offered.includes(p)) ?? '';
    if (!protocol) throw errors.badRequest(`none of the offered WebSocket subprotocols [${offered.join(' ')}] is supported; use one of ${[SPDY_TUNNEL_PROTOCOL, ...CHANNEL_PROTOCOLS].join(', ')}`);
  } else if (upgrade === 'spdy/3.1') {
    mode = 'spdy';
  } else {
    throw errors.badRequest('Upgrade request required: port-forward is served over SPDY/3.1 or a WebSocket');
  }
  const ports = mode === 'channels' ? channelPorts(query) : [];

  const hub = tunnelHubFor(r.registry);
  const target = await resolvePortForwardTarget(r.pods, hub, r.namespace, r.name);
  if (req.socket.destroyed) return;
  const socket = takeOverSocket(req, r.res);
  if (mode === 'spdy') {
    const offeredVersions = String(req.headers['x-stream-protocol-version'] ?? '').split(',').map((p) => p.trim());
    const version = offeredVersions.includes(PORT_FORWARD_PROTOCOL) || offeredVersions.join('') === '' ? PORT_FORWARD_PROTOCOL : '';
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n${version ? `X-Stream-Protocol-Version: ${version}\r\n` : ''}\r\n`);
    serveSpdy(new SpdyServerSession(socket), hub, target);
    return;
  }
  if (mode === 'spdy-tunnel') {
    req.headers['sec-websocket-protocol'] = TUNNEL_STAND_IN;
    tunnelSockets.handleUpgrade(req, socket, Buffer.alloc(0), (ws) => serveSpdy(new SpdyServerSession(createWebSocketStream(ws)), hub, target));
    return;
  }
  websockets.handleUpgrade(req, socket, Buffer.alloc(0), (ws) => serveChannels(ws, hub, target, ports));
}

/** The pod as Kubernetes' PortForwardLocation and kubelet check it: bound to a node, running. */
async function resolvePortForwardTarget(pods: ResourceStore, hub: TunnelHub, namespace: string, name: string): Promise<StreamTarget> {
  const pod: KubeObject = await pods.get(namespace, name);
  const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
  if (!nodeName) throw errors.badRequest(`pod ${name} does not have a host assigned`);
  const phase = (pod.status as { phase?: string } | undefined)?.phase ?? 'Pending';
  if (phase !== 'Running') throw errors.badRequest(`unable to forward port because pod is not running. Current status=${phase}`);
  if (!hub.isConnected(nodeName)) throw notConnected(nodeName);
  return { namespace, pod: name, podUid: pod.metadata.uid ?? '', container: '', nodeName };
}

/** `ports=80,8080` (also repeated), as the kubelet's WebSocket port-forward reads them. */
function channelPorts(query: URLSearchParams): number[] {
  const raw = query.getAll('ports').flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  if (raw.length === 0) throw errors.badRequest('query parameter "ports" is required: at least one port must be specified');
  return raw.map((v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw errors.badRequest(`unable to parse "${v}" as a port: must be an integer between 1 and 65535`);
    return n;
  });
}

interface StreamPair {
  error?: SpdyStream;
  data?: SpdyStream;
  started?: boolean;
  timer?: NodeJS.Timeout;
}

/** How long the second stream of a pair may take, as the kubelet's streamCreationTimeout. */
const STREAM_PAIR_TIMEOUT_MS = 30_000;

/** Pairs each requestID's error and data streams and forwards the connection they stand for. */
function serveSpdy(session: SpdyServerSession, hub: TunnelHub, target: StreamTarget): void {
  const pairs = new Map<string, StreamPair>();
  const live = new Set<ForwardedConnection>();
  session.on('close', () => {
    for (const c of live) c.close();
    live.clear();
    for (const p of pairs.values()) clearTimeout(p.timer);
    pairs.clear();
  });
  session.on('stream', (stream) => {
    const type = stream.headers.get('streamtype');
    const requestId = stream.headers.get('requestid') ?? '';
    let pair = pairs.get(requestId);
    if (!pair) {
      const created: StreamPair = {};
      // A connection whose other stream never comes is given up, as the kubelet does.
      created.timer = setTimeout(() => {
        pairs.delete(requestId);
        created.error?.reset();
        created.data?.reset();
      }, STREAM_PAIR_TIMEOUT_MS);
      created.timer.unref();
      pairs.set(requestId, created);
      pair = created;
    }
    if (type === 'error') pair.error = stream;
    else if (type === 'data') pair.data = stream;
    else {
      stream.write(Buffer.from(`invalid stream type "${type ?? ''}"`));
      stream.end();
      return;
    }
    if (!pair.error || !pair.data || pair.started) return;
    pair.started = true;
    clearTimeout(pair.timer);
    pairs.delete(requestId);
    const { error: errorStream, data: dataStream } = pair as Required<StreamPair>;
    const portText = dataStream.headers.get('port') ?? '';
    const port = Number(portText);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      errorStream.write(Buffer.from(`invalid port ${JSON.stringify(portText)}: must be an integer between 1 and 65535`));
      errorStream.end();
      dataStream.end();
      return;
    }
    const conn = forwardConnection(hub, target, port, {
      data: (data, drained) => {
        const ok = dataStream.write(data);
        if (!ok) session.once('drain', drained);
        return ok;
      },
      error: (message) => errorStream.write(Buffer.from(message)),
      end: () => {
        live.delete(conn);
        dataStream.end();
        errorStream.end();
      },
    });
    live.add(conn);
    dataStream.on('data', (data: Buffer) => {
      if (!conn.write(data, () => session.resume())) session.pause();
    });
    dataStream.on('end', () => conn.endInput());
    const gone = () => {
      live.delete(conn);
      conn.close();
    };
    dataStream.on('reset', gone);
    errorStream.on('reset', gone);
  });
}

/** The kubelet's WebSocket port-forward: one connection per port, for the life of the WebSocket. */
function serveChannels(ws: WebSocket, hub: TunnelHub, target: StreamTarget, ports: number[]): void {
  /** False once the socket's buffer is full; `drained` then runs when this message is out. */
  const send = (channel: number, data: Buffer, drained?: () => void): boolean => {
    if (ws.readyState !== ws.OPEN) return true;
    const full = ws.bufferedAmount >= 1024 * 1024;
    ws.send(Buffer.concat([Buffer.from([channel]), data]), full && drained ? () => drained() : undefined);
    return !full;
  };
  let open = ports.length;
  const conns = ports.map((port, i) => {
    const portBytes = Buffer.alloc(2);
    portBytes.writeUInt16LE(port);
    send(2 * i, portBytes);
    send(2 * i + 1, portBytes);
    return forwardConnection(hub, target, port, {
      data: (data, drained) => send(2 * i, data, drained),
      error: (message) => send(2 * i + 1, Buffer.from(message)),
      end: () => {
        if (--open === 0) ws.close(1000);
      },
    });
  });
  // A full agent call stops reading the WebSocket until it drains.
  let pauses = 0;
  const pause = () => {
    if (pauses++ === 0) ws.pause();
  };
  const resume = () => {
    if (pauses > 0 && --pauses === 0) ws.resume();
  };
  ws.on('message', (raw: RawData) => {
    const buf = Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
    if (buf.length === 0) return;
    if (buf[0] === CLOSE_CHANNEL && ws.protocol.startsWith('v5')) {
      if (buf.length > 1 && buf[1] % 2 === 0) conns[buf[1] / 2]?.endInput();
      return;
    }
    if (buf[0] % 2 === 0 && conns[buf[0] / 2]?.write(buf.subarray(1), resume) === false) pause();
  });
  const gone = () => conns.forEach((c) => c.close());
  ws.on('close', gone);
  ws.on('error', gone);
}
