// The node agent's side of proto/node.proto. Joining works as in k3s: the
// join token K10<sha256 of the cluster CA>::node:<secret> pins the CA, so the
// agent first fetches the CA over an unverified connection (GetClusterCA),
// accepts it only if its hash matches the token, and from then on verifies
// the server. Register sends a CSR for a fresh key and returns the node's
// client certificate, which authenticates every later call (mTLS).
import * as grpc from '@grpc/grpc-js';
import { createHash, X509Certificate } from 'node:crypto';
import { newKeyAndCsr } from './pkcs10';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, ERROR_CODES, ErrorCode, GRPC_STATUS } from '../api/errors';
import { SERVER_LIST_SCHEME } from './server-list';
import type { KubeObject } from '../api/types';
import {
  ExecFrame,
  ImageFrame,
  HeartbeatResponse,
  LogChunk,
  NodeAddress,
  NodeCondition,
  NodeEvent,
  NodeServiceClient,
  NodeSystemInfo,
  PodEvent,
  PortForwardFrame,
  PodEvent_Type,
  RegisterResponse,
  SendLogResponse,
  StreamRequest,
  ServiceEvent,
} from '../proto/generated/node';

/** The trailer in which the server names the exact ErrorCode (apiserver/grpc/grpc-errors.ts). */
const REASON_TRAILER = 'kapstan-reason';

const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  // Notice a dead server on a quiet watch stream.
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 1,
};

export interface NodeCredentials {
  /** PKCS#8 PEM of the node's private key. */
  keyPem: string;
  /** Client certificate (CN system:node:NAME) signed by the cluster's client CA. */
  certPem: string;
  /** The cluster CA that signs the server's certificate. */
  caPem: string;
}

export interface NodeClientOptions {
  /** The node endpoint: host:port, or https://host:port. */
  server: string;
  /** The join token, K10<ca hash>::node:<secret> (or a bare secret together with caPem). */
  token: string;
  nodeName: string;
  /** Trust this CA instead of fetching it (still checked against the token's CA hash). */
  caPem?: string;
  /** Credentials kept from an earlier registration: calls use them at once. */
  credentials?: NodeCredentials;
  /** TLS server name to verify instead of the host in `server`. */
  serverName?: string;
  channelOptions?: grpc.ChannelOptions;
}

export interface NodeRegistration {
  addresses: NodeAddress[];
  /** Kubernetes quantity strings: cpu, memory, pods, ephemeral-storage. */
  capacity: Record<string, string>;
  allocatable: Record<string, string>;
  nodeInfo: Partial<NodeSystemInfo> & Pick<NodeSystemInfo, 'operatingSystem' | 'architecture'>;
  labels?: Record<string, string>;
  conditions?: NodeCondition[];
}

export interface RegisterResult {
  podCidr: string;
  podCidrs: string[];
  nodeUid: string;
  leaseDurationSeconds: number;
  /** To be saved by the agent and passed back as `credentials` after a restart. */
  credentials: NodeCredentials;
}

export interface PodRef {
  namespace: string;
  name: string;
  uid: string;
}

/**
 * What WatchPods yields. SYNC ends a full list. RELIST says the watch lost
 * its place (the server no longer has the history): the ADDED events up to
 * the next SYNC are then the complete set of the node's pods, and any pod
 * not among them is no longer bound here.
 */
export type PodWatchEvent =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; pod: KubeObject; resourceVersion: string }
  | { type: 'SYNC'; resourceVersion: string }
  | { type: 'RELIST' };

export interface WatchPodsOptions {
  /** Resume after this resourceVersion instead of starting with a full list. */
  resourceVersion?: string;
  /** Ends the iteration. */
  signal?: AbortSignal;
  /** Delay before the first reconnect; doubles up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface HeartbeatLoopOptions {
  intervalMs?: number;
  /** The conditions to report with each heartbeat (e.g. Ready and its reason). */
  conditions?: () => NodeCondition[] | Promise<NodeCondition[]>;
  onBeat?: (res: HeartbeatResponse) => void;
  onError?: (err: ApiError) => void;
}

export interface HeartbeatLoop {
  stop(): Promise<void>;
}

/** Codes on which a watch gives up instead of reconnecting: retrying cannot help. */
const FATAL_WATCH_CODES: ErrorCode[] = ['Unauthorized', 'Forbidden', 'BadRequest', 'Invalid', 'NotFound'];

export class NodeClient {
  private client: NodeServiceClient;
  private credentials?: NodeCredentials;

  private constructor(
    private readonly opts: NodeClientOptions,
    private readonly target: string,
    private readonly caPem: string,
  ) {
    this.credentials = opts.credentials;
    this.client = this.makeClient();
  }

  /** Establishes trust in the cluster CA (fetching it if needed) and returns a client. */
  static async connect(opts: NodeClientOptions): Promise<NodeClient> {
    const target = grpcTarget(opts.server);
    const token = parseJoinToken(opts.token);
    let caPem = opts.credentials?.caPem ?? opts.caPem;
    if (caPem === undefined) {
      if (!token.caHash) {
        throw new ApiError('BadRequest', 'the join token has no CA hash (K10<hash>::node:<secret>) and no CA was given: refusing to trust an unverified server');
      }
      caPem = await fetchClusterCa(target, opts.channelOptions);
    }
    if (token.caHash) {
      const served = sha256OfCertificate(caPem);
      if (served !== token.caHash) {
        throw new ApiError('Unauthorized', `the cluster CA of ${opts.server} has sha256 ${served}, but the join token expects ${token.caHash}: refusing to trust this server`);
      }
    }
    return new NodeClient(opts, target, caPem);
  }

  get nodeName(): string {
    return this.opts.nodeName;
  }

  /** The credentials in use, once registered (or given). */
  get nodeCredentials(): NodeCredentials | undefined {
    return this.credentials;
  }

  /** Registers the node with a fresh key; later calls authenticate with the returned certificate. */
  async register(node: NodeRegistration): Promise<RegisterResult> {
    const { keyPem, csrPem } = await newKeyAndCsr(`system:node:${this.opts.nodeName}`);
    const res = await this.unary<RegisterResponse>((md, cb) => this.client.register({
      nodeName: this.opts.nodeName,
      addresses: node.addresses,
      capacity: node.capacity,
      allocatable: node.allocatable,
      nodeInfo: { ...emptySystemInfo(), ...node.nodeInfo },
      labels: node.labels ?? {},
      csrPem,
      conditions: node.conditions ?? [],
    }, md, cb));
    if (sha256OfCertificate(res.clusterCaPem) !== sha256OfCertificate(this.caPem)) {
      throw new ApiError('Unauthorized', 'the server returned a cluster CA other than the one this client verified');
    }
    this.credentials = { keyPem, certPem: res.clientCertificatePem, caPem: this.caPem };
    this.client.close();
    this.client = this.makeClient();
    return {
      podCidr: res.podCidr,
      podCidrs: res.podCidrs,
      nodeUid: res.nodeUid,
      leaseDurationSeconds: res.leaseDurationSeconds,
      credentials: this.credentials,
    };
  }

  heartbeat(conditions: NodeCondition[] = []): Promise<HeartbeatResponse> {
    return this.unary((md, cb) => this.client.heartbeat({ nodeName: this.opts.nodeName, conditions }, md, cb));
  }

  /** Heartbeats now and every intervalMs until stopped; failures go to onError and the loop goes on. */
  startHeartbeats(opts: HeartbeatLoopOptions = {}): HeartbeatLoop {
    const interval = opts.intervalMs ?? 10_000;
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let inFlight: Promise<void> = Promise.resolve();
    const beat = async () => {
      try {
        const res = await this.heartbeat(opts.conditions ? await opts.conditions() : []);
        if (!stopped) opts.onBeat?.(res);
      } catch (err) {
        if (!stopped) opts.onError?.(asApiError(err));
      }
      if (!stopped) timer = setTimeout(() => (inFlight = beat()), interval);
    };
    inFlight = beat();
    return {
      async stop() {
        stopped = true;
        clearTimeout(timer);
        await inFlight;
      },
    };
  }

  /**
   * The pods bound to this node: a full list, SYNC, then changes. On a broken
   * stream it reconnects with back-off and resumes after the last
   * resourceVersion it yielded; when that is too old it lists again (RELIST).
   */
  async *watchPods(opts: WatchPodsOptions = {}): AsyncGenerator<PodWatchEvent> {
    let resourceVersion = opts.resourceVersion ?? '';
    const initialBackoff = opts.initialBackoffMs ?? 200;
    const maxBackoff = opts.maxBackoffMs ?? 5_000;
    let backoff = initialBackoff;
    while (!opts.signal?.aborted) {
      const stream = this.client.watchPods({ nodeName: this.opts.nodeName, resourceVersion }, this.metadata(), {});
      const abort = () => stream.cancel();
      opts.signal?.addEventListener('abort', abort);
      try {
        for await (const message of stream as AsyncIterable<PodEvent>) {
          const event = decodePodEvent(message);
          if (!event) continue; // a kind of event newer than this agent
          resourceVersion = event.resourceVersion;
          backoff = initialBackoff;
          yield event;
        }
      } catch (err) {
        if (opts.signal?.aborted) return;
        const apiError = asApiError(err);
        if (FATAL_WATCH_CODES.includes(apiError.code)) throw apiError;
        if ((apiError.code === 'Gone' || apiError.code === 'Expired') && resourceVersion !== '') {
          resourceVersion = '';
          yield { type: 'RELIST' };
          continue;
        }
      } finally {
        opts.signal?.removeEventListener('abort', abort);
        stream.cancel();
      }
      // The stream ended or broke: wait, then resume where it stopped.
      try {
        await sleep(backoff, undefined, { signal: opts.signal });
      } catch {
        return;
      }
      backoff = Math.min(backoff * 2, maxBackoff);
    }
  }

  async reportPodStatus(pod: PodRef, status: unknown): Promise<string> {
    const ack = await this.unary<{ resourceVersion: string }>((md, cb) => this.client.reportPodStatus({
      nodeName: this.opts.nodeName,
      ...pod,
      statusJson: Buffer.from(JSON.stringify(status)),
    }, md, cb));
    return ack.resourceVersion;
  }

  async confirmPodDeleted(pod: PodRef): Promise<void> {
    await this.unary((md, cb) => this.client.confirmPodDeleted({ nodeName: this.opts.nodeName, ...pod }, md, cb));
  }

  /** Records a core/v1 Event (involvedObject required); the server stamps source and times. */
  async recordEvent(event: Record<string, unknown>): Promise<{ name: string; namespace: string }> {
    return this.unary((md, cb) => this.client.recordEvent({
      nodeName: this.opts.nodeName,
      eventJson: Buffer.from(JSON.stringify(event)),
    }, md, cb));
  }

  /**
   * A ConfigMap or Secret one of this node's pods references (env, envFrom, volumes). Forbidden when no
   * pod bound here references it, NotFound when it does not exist.
   */
  async getPodObject(kind: 'ConfigMap' | 'Secret', namespace: string, name: string): Promise<KubeObject> {
    const res = await this.unary<{ objectJson: Uint8Array }>((md, cb) => this.client.getPodObject({
      nodeName: this.opts.nodeName, kind, namespace, name,
    }, md, cb));
    return JSON.parse(Buffer.from(res.objectJson).toString('utf8')) as KubeObject;
  }

  // ---- logs/exec reverse tunnel (node-agent/agent/streaming) -----------------

  /** Opens the Tunnel call: the server pushes one StreamRequest per kubectl logs/exec. */
  openStreamTunnel(): grpc.ClientReadableStream<StreamRequest> {
    return this.client.tunnel({ nodeName: this.opts.nodeName }, this.metadata());
  }

  /** Opens the WatchServices call: every Service and Endpoints, then SYNC, then changes (for the node's Service rules). */
  openServiceWatch(): grpc.ClientReadableStream<ServiceEvent> {
    return this.client.watchServices({ nodeName: this.opts.nodeName }, this.metadata());
  }

  /** Opens the WatchNodes call: every Node's name, pod subnets and addresses, then SYNC, then changes (for routes to other nodes). */
  openNodeWatch(): grpc.ClientReadableStream<NodeEvent> {
    return this.client.watchNodes({ nodeName: this.opts.nodeName }, this.metadata());
  }

  /** Opens a SendLog call answering a LOG request; `done` runs when the server ends it. */
  openLogStream(done: (err: ApiError | null) => void): grpc.ClientWritableStream<LogChunk> {
    return this.client.sendLog(this.metadata(), (err: grpc.ServiceError | null, _res: SendLogResponse) => done(err ? asApiError(err) : null));
  }

  /** Opens an ExecSession call answering an EXEC request. */
  openExecSession(): grpc.ClientDuplexStream<ExecFrame, ExecFrame> {
    return this.client.execSession(this.metadata());
  }

  /** Opens an ImageSession call answering an IMAGE_IMPORT or IMAGE_LIST request. */
  openImageSession(): grpc.ClientDuplexStream<ImageFrame, ImageFrame> {
    return this.client.imageSession(this.metadata());
  }

  /** Opens a PortForwardSession call answering a PORT_FORWARD request (one TCP connection). */
  openPortForwardSession(): grpc.ClientDuplexStream<PortForwardFrame, PortForwardFrame> {
    return this.client.portForwardSession(this.metadata());
  }

  close(): void {
    this.client.close();
  }

  // ---- plumbing ----------------------------------------------------------------

  private makeClient(): NodeServiceClient {
    const creds = this.credentials
      ? grpc.credentials.createSsl(Buffer.from(this.caPem), Buffer.from(this.credentials.keyPem), Buffer.from(this.credentials.certPem))
      : grpc.credentials.createSsl(Buffer.from(this.caPem));
    const options: grpc.ChannelOptions = { ...CHANNEL_OPTIONS, ...this.opts.channelOptions };
    // Several servers present several certificates: each names `kubernetes`, and the CA is pinned.
    const serverName = this.opts.serverName ?? (this.target.includes(',') ? 'kubernetes' : undefined);
    if (serverName) options['grpc.ssl_target_name_override'] = serverName;
    return new NodeServiceClient(this.target, creds, options);
  }

  /** The join token rides along only until the node has its certificate. */
  private metadata(): grpc.Metadata {
    const md = new grpc.Metadata();
    if (!this.credentials) md.set('authorization', `Bearer ${this.opts.token}`);
    return md;
  }

  private unary<T>(invoke: (md: grpc.Metadata, cb: (err: grpc.ServiceError | null, res: T) => void) => void): Promise<T> {
    return new Promise((resolve, reject) => {
      invoke(this.metadata(), (err, res) => (err ? reject(asApiError(err)) : resolve(res)));
    });
  }
}

// ---- helpers -------------------------------------------------------------------

/** Rebuilds the server's ApiError from a gRPC error (one taxonomy on both sides). */
export function asApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const se = err as Partial<grpc.ServiceError>;
  if (typeof se?.code !== 'number') return new ApiError('InternalError', err instanceof Error ? err.message : String(err));
  const reason = se.metadata?.get(REASON_TRAILER)[0];
  const code: ErrorCode = ERROR_CODES.includes(reason as ErrorCode)
    ? (reason as ErrorCode)
    : se.code === grpc.status.CANCELLED
      ? 'ServiceUnavailable'
      : ERROR_CODES.find((c) => GRPC_STATUS[c] === se.code) ?? 'InternalError';
  return new ApiError(code, se.details || se.message || `gRPC status ${se.code}`);
}

/**
 * host:port from "host:port" or "https://host:port". A comma list of servers
 * (HA) becomes one ipv4:/ipv6: target of all their addresses: gRPC's
 * pick_first then moves to the next server when the one in use goes away.
 */
function grpcTarget(server: string): string {
  if (server.startsWith(`${SERVER_LIST_SCHEME}:`)) return server; // a ServerList's target (client/server-list.ts)
  if (server.includes(',')) return multiServerTarget(server.split(',').map((s) => s.trim()).filter(Boolean).map(grpcTarget));
  if (!/^[a-z]+:\/\//i.test(server)) return server;
  const url = new URL(server);
  if (url.protocol !== 'https:') throw new ApiError('BadRequest', `the node endpoint must use https, not ${url.protocol} (${server})`);
  return `${url.hostname}:${url.port || '443'}`; // an IPv6 hostname keeps its brackets
}

function multiServerTarget(endpoints: string[]): string {
  if (endpoints.length === 1) return endpoints[0];
  if (endpoints.every((e) => /^\d+\.\d+\.\d+\.\d+:\d+$/.test(e))) return `ipv4:${endpoints.join(',')}`;
  if (endpoints.every((e) => /^\[[0-9a-fA-F:.]+\]:\d+$/.test(e))) return `ipv6:${endpoints.join(',')}`;
  throw new ApiError('BadRequest', `several servers must be given as IP addresses of one family (got ${endpoints.join(', ')})`);
}

interface JoinToken {
  caHash?: string;
  secret: string;
}

/** K10<64 hex>::<user>:<secret>, or a bare secret (the format of apiserver/pki/tokens.ts). */
function parseJoinToken(token: string): JoinToken {
  const text = token.trim();
  if (!text.startsWith('K10')) return { secret: text };
  const match = /^K10([0-9a-fA-F]{64})::([^:\s]+):(\S+)$/.exec(text);
  if (!match) throw new ApiError('BadRequest', 'invalid join token: expected K10<64 hex digits of the CA hash>::<user>:<secret>');
  return { caHash: match[1].toLowerCase(), secret: match[3] };
}

function sha256OfCertificate(pem: string): string {
  return createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');
}

/** The CA as the server states it, over TLS that verifies nothing yet: the caller checks its hash. */
async function fetchClusterCa(target: string, channelOptions?: grpc.ChannelOptions): Promise<string> {
  const creds = grpc.credentials.createSsl(null, null, null, { rejectUnauthorized: false, checkServerIdentity: () => undefined });
  const client = new NodeServiceClient(target, creds, { ...channelOptions });
  try {
    const res = await new Promise<{ caPem: string }>((resolve, reject) => {
      client.getClusterCa({}, new grpc.Metadata(), { deadline: Date.now() + 30_000 }, (err, r) => (err ? reject(asApiError(err)) : resolve(r)));
    });
    if (!res.caPem.includes('-----BEGIN CERTIFICATE-----')) throw new ApiError('InternalError', `${target} returned no CA certificate`);
    return res.caPem;
  } finally {
    client.close();
  }
}

function emptySystemInfo(): NodeSystemInfo {
  return {
    kernelVersion: '', osImage: '', operatingSystem: '', architecture: '', containerRuntimeVersion: '',
    kubeletVersion: '', machineId: '', bootId: '', systemUuid: '',
  };
}

function decodePodEvent(message: PodEvent): Exclude<PodWatchEvent, { type: 'RELIST' }> | undefined {
  switch (message.type) {
    case PodEvent_Type.SYNC:
      return { type: 'SYNC', resourceVersion: message.resourceVersion };
    case PodEvent_Type.ADDED:
    case PodEvent_Type.MODIFIED:
    case PodEvent_Type.DELETED: {
      const type = message.type === PodEvent_Type.ADDED ? 'ADDED' : message.type === PodEvent_Type.MODIFIED ? 'MODIFIED' : 'DELETED';
      return { type, pod: JSON.parse(Buffer.from(message.podJson).toString('utf8')) as KubeObject, resourceVersion: message.resourceVersion };
    }
    default:
      return undefined;
  }
}
