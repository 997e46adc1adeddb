// The agent's half of the logs/exec reverse tunnel: keeps the Tunnel call
// open (reconnecting with back-off) and answers each pushed StreamRequest on
// a call of its own, SendLog for LOG, ExecSession for EXEC, ImageSession for
// IMAGE_IMPORT / IMAGE_LIST, PortForwardSession for PORT_FORWARD.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClientWritableStream } from '@grpc/grpc-js';
import { ApiError } from '../../../api/errors';
import type { NodeClient } from '../../../client/node-client';
import { StreamRequest_Kind, type LogChunk, type StreamRequest } from '../../../proto/generated/node';
import type { ShimClient } from '../../runtime/shim-client';
import { openContainerLog } from './container-log-stream';
// The sessions load on their first request: an idle agent does not hold their code (see README, Performance).

export interface StreamingTunnelOptions {
  client: NodeClient;
  /** DATA/pods: the agent's per-pod directories. */
  podsDir: string;
  shim: ShimClient;
  /** The node's image store; imports are refused when it cannot take them. */
  images?: unknown;
  /** Where uploaded archives are spooled before their import (default DATA/image-imports). */
  importDir?: string;
  /** How often a followed log is checked for new lines. */
  logPollIntervalMs?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  log?: (message: string) => void;
}

export interface StreamingTunnel {
  /** Resolves once the server has accepted the tunnel (again after each reconnect: see `connected`). */
  whenConnected(): Promise<void>;
  readonly connected: boolean;
  /** Log and exec requests being served now. */
  readonly activeSessions: number;
  /** Closes the tunnel and every session it started. */
  stop(): Promise<void>;
}

export function startStreamingTunnel(opts: StreamingTunnelOptions): StreamingTunnel {
  const stopping = new AbortController();
  const sessions = new Set<Promise<void>>();
  const initialBackoff = opts.initialBackoffMs ?? 200;
  const maxBackoff = opts.maxBackoffMs ?? 5_000;
  let connected = false;
  let onConnected: (() => void)[] = [];
  let cancelTunnel: (() => void) | undefined;

  const track = (session: Promise<void>) => {
    const p = session.catch((err: unknown) => opts.log?.(`streaming: ${(err as Error).message}`)).finally(() => sessions.delete(p));
    sessions.add(p);
  };

  const loop = (async () => {
    let backoff = initialBackoff;
    while (!stopping.signal.aborted) {
      const stream = opts.client.openStreamTunnel();
      cancelTunnel = () => stream.cancel();
      stream.on('metadata', () => {
        connected = true;
        backoff = initialBackoff;
        for (const f of onConnected) f();
        onConnected = [];
      });
      try {
        for await (const request of stream as AsyncIterable<StreamRequest>) {
          track(handle(opts, request, stopping.signal));
        }
      } catch (err) {
        if (!stopping.signal.aborted) opts.log?.(`streaming tunnel broke: ${(err as Error).message}`);
      } finally {
        connected = false;
        stream.cancel();
      }
      await sleep(backoff, undefined, { signal: stopping.signal }).catch(() => undefined);
      backoff = Math.min(backoff * 2, maxBackoff);
    }
  })();

  return {
    get connected() {
      return connected;
    },
    get activeSessions() {
      return sessions.size;
    },
    whenConnected() {
      return connected ? Promise.resolve() : new Promise((resolve) => onConnected.push(resolve));
    },
    async stop() {
      stopping.abort();
      cancelTunnel?.();
      await loop;
      await Promise.all([...sessions]);
    },
  };
}

async function handle(opts: StreamingTunnelOptions, request: StreamRequest, stopping: AbortSignal): Promise<void> {
  if (request.kind === StreamRequest_Kind.LOG) return serveLogRequest(opts, request, stopping);
  if (request.kind === StreamRequest_Kind.PORT_FORWARD) {
    const { servePortForward } = await import('./port-forward-session');
    return cancelledOnStop(opts.client.openPortForwardSession(), stopping, (call) => servePortForward(call, request.requestId, {
      podsDir: opts.podsDir, podUid: request.podUid, pod: request.pod, namespace: request.namespace, port: request.port, shimBinary: opts.shim.binary,
    }));
  }
  if (request.kind === StreamRequest_Kind.IMAGE_IMPORT || request.kind === StreamRequest_Kind.IMAGE_LIST) {
    const { isImageImporter, serveImageImport, serveImageList } = await import('./image-session');
    const call = opts.client.openImageSession();
    const cancel = () => call.cancel();
    stopping.addEventListener('abort', cancel);
    const images = isImageImporter(opts.images) ? opts.images : undefined;
    try {
      if (request.kind === StreamRequest_Kind.IMAGE_LIST) await serveImageList(call, request.requestId, images);
      else await serveImageImport(call, request.requestId, request.imageName, images, opts.importDir ?? join(opts.podsDir, '..', 'image-imports'));
    } finally {
      stopping.removeEventListener('abort', cancel);
    }
    return;
  }
  if (request.kind === StreamRequest_Kind.EXEC) {
    const { serveExec } = await import('./exec-session');
    return cancelledOnStop(opts.client.openExecSession(), stopping, (call) => serveExec(call, request.requestId, {
      podsDir: opts.podsDir, podUid: request.podUid, pod: request.pod, container: request.container,
    }, request.execOptions ?? { command: [], stdin: false, stdout: true, stderr: true, tty: false }, opts.shim));
  }
}

/** Serves a session on its call; stopping the tunnel cancels the call. */
async function cancelledOnStop<C extends { cancel(): void }>(call: C, stopping: AbortSignal, serve: (call: C) => Promise<void>): Promise<void> {
  const cancel = () => call.cancel();
  stopping.addEventListener('abort', cancel);
  try {
    await serve(call);
  } finally {
    stopping.removeEventListener('abort', cancel);
  }
}

async function serveLogRequest(opts: StreamingTunnelOptions, request: StreamRequest, stopping: AbortSignal): Promise<void> {
  const done = new AbortController();
  const stop = () => done.abort();
  stopping.addEventListener('abort', stop);
  // The server ends the call when its reader goes away: stop reading then.
  const call = opts.client.openLogStream(stop);
  try {
    const o = request.logOptions;
    let log;
    try {
      log = await openContainerLog({
        podsDir: opts.podsDir,
        podUid: request.podUid,
        pod: request.pod,
        container: request.container,
        follow: o?.follow ?? false,
        previous: o?.previous ?? false,
        timestamps: o?.timestamps ?? false,
        tailLines: o?.tailLinesZero ? 0 : o?.tailLines || undefined,
        sinceSeconds: o?.sinceSeconds || undefined,
        sinceTime: o?.sinceTime || undefined,
        limitBytes: o?.limitBytes || undefined,
        pollIntervalMs: opts.logPollIntervalMs,
      });
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError('InternalError', (err as Error).message);
      call.write({ requestId: request.requestId, data: Buffer.alloc(0), error: { reason: e.code, message: e.message } });
      return;
    }
    call.write({ requestId: request.requestId, data: Buffer.alloc(0) });
    await log.run((data) => writeChunk(call, data, done.signal), done.signal);
  } finally {
    stopping.removeEventListener('abort', stop);
    call.end();
  }
}

function writeChunk(call: ClientWritableStream<LogChunk>, data: string | Buffer, signal: AbortSignal): Promise<void> {
  if (data.length === 0 || signal.aborted) return Promise.resolve();
  if (call.write({ requestId: '', data: Buffer.from(data) })) return Promise.resolve();
  return new Promise((resolve) => {
    const go = () => {
      signal.removeEventListener('abort', go);
      call.off('drain', go);
      resolve();
    };
    call.once('drain', go);
    signal.addEventListener('abort', go);
  });
}
