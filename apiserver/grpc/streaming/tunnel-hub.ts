// The apiserver's half of the logs/exec reverse tunnel (k3s/konnectivity
// style): agents keep a Tunnel call open, the HTTP handlers push a
// StreamRequest down it, and the agent answers on a new call (SendLog or
// ExecSession) whose first message names the request. The hub pairs the two.
// One hub per Registry, so the HTTP and gRPC listeners of one apiserver
// process share it without either knowing the other.
import { randomUUID } from 'node:crypto';
import type { ServerDuplexStream, ServerReadableStream, ServerWritableStream } from '@grpc/grpc-js';
import { ApiError, errors } from '../../../api/errors';
import type {
  ExecFrame, ImageFrame, LogChunk, PortForwardFrame, SendLogResponse, StreamRequest, TunnelRequest,
} from '../../../proto/generated/node';
import { StreamRequest_Kind } from '../../../proto/generated/node';

/** How long an agent has to answer a pushed request before the kubectl request fails. */
export const ANSWER_TIMEOUT_MS = 30_000;

export type TunnelCall = ServerWritableStream<TunnelRequest, StreamRequest>;

/** The agent's SendLog call, after its first chunk. */
export interface LogAnswer {
  first: LogChunk;
  call: ServerReadableStream<LogChunk, SendLogResponse>;
  /** Ends the call (the agent stops reading the log). Idempotent. */
  finish(): void;
}

/** The agent's ExecSession call, after its first frame. */
export interface ExecAnswer {
  first: ExecFrame;
  call: ServerDuplexStream<ExecFrame, ExecFrame>;
}

/** The agent's ImageSession call (image import or list), after its first frame. */
export interface ImageAnswer {
  first: ImageFrame;
  call: ServerDuplexStream<ImageFrame, ImageFrame>;
}

/** A log or exec request: about a pod's container. */
export type PodStreamRequest = Omit<StreamRequest, 'requestId' | 'kind' | 'imageName' | 'port'>;

/** What a push sends; `port` is only for PORT_FORWARD. */
type PushFields = Omit<StreamRequest, 'requestId' | 'port'> & { port?: number };

/** The agent's PortForwardSession call (one TCP connection to a pod port), after its first frame. */
export interface PortForwardAnswer {
  first: PortForwardFrame;
  call: ServerDuplexStream<PortForwardFrame, PortForwardFrame>;
}

type Answer = LogAnswer | ExecAnswer | ImageAnswer | PortForwardAnswer;

interface Pending {
  nodeName: string;
  kind: StreamRequest_Kind;
  resolve(answer: Answer): void;
  reject(err: ApiError): void;
}

export interface PushedRequest<A> {
  requestId: string;
  /** The agent's answering call; rejects after `timeoutMs` or when cancelled. */
  answer: Promise<A>;
  /** The kubectl side went away before the agent answered. */
  cancel(): void;
}

export class TunnelHub {
  private readonly tunnels = new Map<string, TunnelCall>();
  private readonly pending = new Map<string, Pending>();

  /** Registers a node's tunnel (a newer one replaces an older); returns the detach function. */
  attach(nodeName: string, call: TunnelCall): () => void {
    const previous = this.tunnels.get(nodeName);
    this.tunnels.set(nodeName, call);
    if (previous && previous !== call) previous.end();
    return () => {
      if (this.tunnels.get(nodeName) === call) this.tunnels.delete(nodeName);
    };
  }

  isConnected(nodeName: string): boolean {
    return this.tunnels.has(nodeName);
  }

  pushLog(nodeName: string, request: PodStreamRequest, timeoutMs = ANSWER_TIMEOUT_MS): PushedRequest<LogAnswer> {
    return this.push<LogAnswer>(nodeName, { ...request, kind: StreamRequest_Kind.LOG, imageName: '' }, timeoutMs);
  }

  pushExec(nodeName: string, request: PodStreamRequest, timeoutMs = ANSWER_TIMEOUT_MS): PushedRequest<ExecAnswer> {
    return this.push<ExecAnswer>(nodeName, { ...request, kind: StreamRequest_Kind.EXEC, imageName: '' }, timeoutMs);
  }

  /** One connection to `port` of the pod; the agent answers once it has dialled (or failed to). */
  pushPortForward(nodeName: string, request: PodStreamRequest & { port: number }, timeoutMs = ANSWER_TIMEOUT_MS): PushedRequest<PortForwardAnswer> {
    return this.push<PortForwardAnswer>(nodeName, { ...request, kind: StreamRequest_Kind.PORT_FORWARD, imageName: '' }, timeoutMs);
  }

  /** IMAGE_IMPORT (the archive follows on the answering call) or IMAGE_LIST. */
  pushImage(nodeName: string, request: Omit<StreamRequest, 'requestId' | 'port'>, timeoutMs = ANSWER_TIMEOUT_MS): PushedRequest<ImageAnswer> {
    return this.push<ImageAnswer>(nodeName, request, timeoutMs);
  }

  /** The kind of a pending request (undefined when unknown or already claimed). */
  kindOf(requestId: string): StreamRequest_Kind | undefined {
    return this.pending.get(requestId)?.kind;
  }

  /**
   * Hands an answering call to the request it names. `callerNode` is the
   * authenticated node: a node may only answer requests pushed to it.
   */
  claim(requestId: string, callerNode: (expected: string) => string, kind: StreamRequest_Kind): Pending {
    const pending = this.pending.get(requestId);
    if (!pending || pending.kind !== kind) throw errors.notFound('streamrequests', '', requestId);
    callerNode(pending.nodeName);
    this.pending.delete(requestId);
    return pending;
  }

  private push<A extends Answer>(nodeName: string, request: PushFields, timeoutMs: number): PushedRequest<A> {
    const tunnel = this.tunnels.get(nodeName);
    if (!tunnel) throw notConnected(nodeName);
    const requestId = randomUUID();
    let settle!: Pending;
    const answer = new Promise<A>((resolve, reject) => {
      const timer = setTimeout(() => fail(answerTimeout(nodeName)), timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.pending.delete(requestId);
      };
      const fail = (err: ApiError) => {
        done();
        reject(err);
      };
      settle = {
        nodeName,
        kind: request.kind,
        resolve: (a) => {
          done();
          resolve(a as A);
        },
        reject: fail,
      };
    });
    answer.catch(() => undefined); // the caller may have stopped listening (cancel)
    this.pending.set(requestId, settle);
    tunnel.write({ port: 0, ...request, requestId });
    return {
      requestId,
      answer,
      cancel: () => settle.reject(new ApiError('ServiceUnavailable', 'the request was cancelled')),
    };
  }
}

export function notConnected(nodeName: string): ApiError {
  return new ApiError('ServiceUnavailable', `node "${nodeName}" is not connected: its agent has no streaming tunnel open to this apiserver`);
}

function answerTimeout(nodeName: string): ApiError {
  return new ApiError('Timeout', `the agent of node "${nodeName}" did not answer the streaming request in time`);
}

const hubs = new WeakMap<object, TunnelHub>();

/** The hub shared by everything serving this registry. */
export function tunnelHubFor(registry: object): TunnelHub {
  let hub = hubs.get(registry);
  if (!hub) {
    hub = new TunnelHub();
    hubs.set(registry, hub);
  }
  return hub;
}
