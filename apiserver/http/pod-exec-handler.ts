// pods/NAME/exec over a WebSocket (subprotocol v5.channel.k8s.io, or v4):
// every binary message starts with its channel byte (0 stdin, 1 stdout,
// 2 stderr, 3 status, 4 resize, 255 close), relayed to and from the node's
// agent through the reverse tunnel's ExecSession call.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import { errors } from '../../api/errors';
import type { ExecFrame } from '../../proto/generated/node';
import type { ResourceStore } from '../registry/store';
import { tunnelHubFor, type ExecAnswer } from '../grpc/streaming/tunnel-hub';
import { booleanParam, resolveStreamTarget } from '../grpc/streaming/stream-target';
import { streamError } from './pod-log-handler';

/** In order of preference; v5 adds the close channel (255) for stdin EOF. */
export const EXEC_SUBPROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, status: 3, resize: 4, close: 255 } as const;

export interface PodExecRequest {
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  registry: object;
  pods: ResourceStore;
  namespace: string;
  name: string;
}

const websockets = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 });

/**
 * Validates, asks the agent to start the command, and only then upgrades, so
 * that every failure before the command runs is an ordinary HTTP Status.
 */
export async function servePodExec(r: PodExecRequest): Promise<void> {
  const { req, query } = r;
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'POST') throw errors.methodNotAllowed();
  const command = query.getAll('command');
  const streams = { stdin: booleanParam(query, 'stdin'), stdout: booleanParam(query, 'stdout'), stderr: booleanParam(query, 'stderr') };
  const tty = booleanParam(query, 'tty');
  if (command.length === 0) throw errors.badRequest('you must specify at least one command for the container');
  if (!streams.stdin && !streams.stdout && !streams.stderr) throw errors.badRequest('you must specify at least 1 of stdin, stdout, stderr');
  if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
    throw errors.badRequest('Upgrade request required: exec is served over a WebSocket (subprotocol v5.channel.k8s.io)');
  }
  const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  const protocol = EXEC_SUBPROTOCOLS.find((p) => offered.includes(p));
  if (!protocol) throw errors.badRequest(`none of the offered WebSocket subprotocols [${offered.join(' ')}] is supported; use one of ${EXEC_SUBPROTOCOLS.join(', ')}`);

  const hub = tunnelHubFor(r.registry);
  const target = await resolveStreamTarget(r.pods, hub, r.namespace, r.name, query.get('container'));
  const pushed = hub.pushExec(target.nodeName, {
    namespace: target.namespace,
    pod: target.pod,
    podUid: target.podUid,
    container: target.container,
    execOptions: { command, ...streams, tty },
  });
  const clientGone = () => pushed.cancel();
  req.socket.once('close', clientGone);
  const answer = await pushed.answer;
  req.socket.off('close', clientGone);
  const refusal = answer.first.result?.error;
  if (refusal || req.socket.destroyed) {
    answer.call.end();
    if (refusal) throw streamError(refusal.reason, refusal.message);
    return;
  }
  const socket = takeOverSocket(req, r.res);
  websockets.handleUpgrade(req, socket, Buffer.alloc(0), (ws) => relay(ws, answer, protocol, command));
}

/** Connects the WebSocket to the agent's ExecSession until the command ends or either side goes away. */
function relay(ws: WebSocket, answer: ExecAnswer, protocol: string, command: string[]): void {
  const { call } = answer;
  let finished = false;
  const finish = (status: Record<string, unknown> | undefined) => {
    if (finished) return;
    finished = true;
    if (status && ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([CHANNEL.status]), Buffer.from(JSON.stringify(status))]));
    ws.close(1000);
    call.end();
  };
  const send = (channel: number, data: Uint8Array) => {
    if (data.length > 0 && ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), data]));
  };
  const fromAgent = (frame: ExecFrame) => {
    send(CHANNEL.stdout, frame.stdout);
    send(CHANNEL.stderr, frame.stderr);
    if (frame.result) finish(execStatus(frame.result.exitCode, frame.result.error, command));
  };
  fromAgent(answer.first);
  call.on('data', fromAgent);
  call.on('end', () => finish(failure('InternalError', 'the node\'s agent ended the exec session without an exit status')));
  call.on('error', (err: Error) => finish(failure('InternalError', `exec session with the node's agent failed: ${err.message}`)));
  call.resume();

  ws.on('message', (data: RawData) => {
    const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (buf.length === 0 || finished) return;
    const payload = buf.subarray(1);
    switch (buf[0]) {
      case CHANNEL.stdin:
        if (payload.length) call.write({ requestId: '', stdin: payload, stdinClosed: false, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) });
        break;
      case CHANNEL.resize: {
        const size = parseResize(payload);
        if (size) call.write({ requestId: '', stdin: Buffer.alloc(0), stdinClosed: false, resize: size, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) });
        break;
      }
      case CHANNEL.close:
        if (protocol.startsWith('v5') && payload[0] === CHANNEL.stdin) {
          call.write({ requestId: '', stdin: Buffer.alloc(0), stdinClosed: true, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) });
        }
        break;
    }
  });
  ws.on('close', () => finish(undefined));
  ws.on('error', () => finish(undefined));
}

function parseResize(payload: Buffer): { width: number; height: number } | undefined {
  try {
    const { Width, Height } = JSON.parse(payload.toString('utf8')) as { Width?: unknown; Height?: unknown };
    if (Number.isInteger(Width) && Number.isInteger(Height) && (Width as number) >= 0 && (Height as number) >= 0) {
      return { width: Width as number, height: Height as number };
    }
  } catch {
    /* a malformed resize is ignored, as the kubelet does */
  }
  return undefined;
}

/** The status channel's metav1.Status, as the kubelet writes it. */
export function execStatus(exitCode: number, error: { reason: string; message: string } | undefined, command: string[]): Record<string, unknown> {
  if (error) return failure(error.reason, error.message);
  if (exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

function failure(reason: string, message: string): Record<string, unknown> {
  return { metadata: {}, status: 'Failure', message, reason };
}

/**
 * The HTTP server has no 'upgrade' listener, so Node delivers the upgrade as
 * an ordinary request whose socket still feeds its HTTP parser. Detach the
 * parser's feed (the same listeners Node itself removes on 'upgrade'; the
 * socket's 'close' handler stays, to free the parser) and the response.
 */
export function takeOverSocket(req: IncomingMessage, res: ServerResponse): Socket {
  const socket = req.socket;
  res.detachSocket(socket);
  const parserFeeds = new Set(['bound socketOnData', 'bound socketOnEnd', 'bound socketOnDrain', 'socketOnTimeout', 'socketOnError']);
  for (const event of ['data', 'end', 'drain', 'timeout', 'error']) {
    for (const listener of socket.listeners(event) as ((...args: unknown[]) => void)[]) {
      if (parserFeeds.has(listener.name)) socket.removeListener(event, listener);
    }
  }
  socket.setTimeout(0);
  return socket;
}
