// The gRPC endpoint node agents talk to, on its own port, TLS with the
// apiserver's serving certificate. Each handler authenticates its caller
// (client certificate, or join token before the node has one) and then does
// one thing through the registry; errors leave as the project's taxonomy.
import * as grpc from '@grpc/grpc-js';
import type { Registry } from '../registry/registry';
import type { CertificateAuthority } from '../pki/certificate-authority';
import { caHash } from '../pki/tokens';
import type { Subscription } from '../storage/watch-cache';
import { NodeEvent, NodeServiceServer, NodeServiceService, PodEvent, ServiceEvent, WatchNodesRequest, WatchPodsRequest, WatchServicesRequest } from '../../proto/generated/node';
import { toServiceError } from './grpc-errors';
import { nodeAuthenticator } from './node-authentication';
import { optionalClientCertificateCredentials } from './optional-client-certificate';
import { registerNode } from './node-registration';
import { nodeHeartbeat } from './node-heartbeat';
import { DEFAULT_LEASE_DURATION_SECONDS } from './node-lease';
import { streamNodePods } from './pod-watch';
import { streamServices } from './service-watch';
import { streamNodes } from './node-watch';
import type { RangeAllocator } from '../registry/allocators/range-allocator';
import { confirmPodDeleted, reportPodStatus } from './pod-status';
import { recordNodeEvent } from './node-events';
import { getPodObject } from './pod-objects';
import { streamingHandlers } from './streaming/streaming-service';
import { tunnelHubFor } from './streaming/tunnel-hub';

export interface NodeGrpcServerOptions {
  registry: Registry;
  host: string;
  /** 0 picks a free port. */
  port: number;
  tls: {
    /** Serving certificate (chain) and key, as the HTTPS listener uses. */
    certPem: string;
    keyPem: string;
    /** Verifies nodes' client certificates. */
    clientCaPem: string;
    /** The cluster CA, handed to agents (GetClusterCA, Register). */
    caPem: string;
  };
  /** The secret half of the node join token, or a getter for the current one (`kapstan token rotate`). */
  nodeTokenSecret: string | (() => string);
  /** Signs nodes' client certificates. */
  clientCa: CertificateAuthority;
  leaseDurationSeconds?: number;
  clock?: () => Date;
  /** Gives each registering node a pod subnet (spec.podCIDR); e.g. podCidrAllocator(backend). */
  podCidrs?: RangeAllocator;
}

export interface RunningNodeGrpcServer {
  port: number;
  stop(): Promise<void>;
}

type Handler<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res>;

/** Adapts an async handler to grpc-js, mapping any error through the taxonomy. */
function unary<Req, Res>(handler: Handler<Req, Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    handler(call).then((res) => callback(null, res), (err) => callback(toServiceError(err)));
  };
}

export async function startNodeGrpcServer(opts: NodeGrpcServerOptions): Promise<RunningNodeGrpcServer> {
  const { registry } = opts;
  const now = opts.clock ?? (() => new Date());
  const leaseDurationSeconds = opts.leaseDurationSeconds ?? DEFAULT_LEASE_DURATION_SECONDS;
  const auth = nodeAuthenticator({ nodeTokenSecret: opts.nodeTokenSecret, caHash: caHash(opts.tls.caPem) });
  const watches = new Set<Subscription>();

  /** A server-streaming watch call: authenticate, start, close the subscription when the call ends. */
  const watchCall = <Req extends { nodeName: string }, Res>(
    start: (call: grpc.ServerWritableStream<Req, Res>, onError: (err: Error) => void, nodeName: string) => Promise<Subscription>,
  ) => (call: grpc.ServerWritableStream<Req, Res>) => {
    let subscription: Subscription | undefined;
    let ended = false;
    const end = (err?: unknown) => {
      if (ended) return;
      ended = true;
      if (subscription) {
        subscription.close();
        watches.delete(subscription);
      }
      if (err !== undefined && !call.cancelled) call.emit('error', toServiceError(err));
    };
    call.on('cancelled', () => end());
    call.on('close', () => end());
    (async () => {
      const { nodeName } = auth.authenticate(call, call.request.nodeName);
      const sub = await start(call, (err) => end(err), nodeName);
      if (ended) return sub.close();
      subscription = sub;
      watches.add(sub);
    })().catch((err) => end(err));
  };

  const service: NodeServiceServer = {
    getClusterCa: unary(async () => ({ caPem: opts.tls.caPem })),
    register: unary(async (call) => {
      const { nodeName } = auth.authenticate(call, call.request.nodeName);
      return registerNode({ registry, clientCa: opts.clientCa, clusterCaPem: opts.tls.caPem, leaseDurationSeconds, now, podCidrs: opts.podCidrs }, nodeName, call.request);
    }),
    heartbeat: unary(async (call) => {
      const { nodeName } = auth.authenticate(call, call.request.nodeName);
      return nodeHeartbeat({ registry, leaseDurationSeconds, now }, nodeName, call.request);
    }),
    reportPodStatus: unary(async (call) => {
      const { nodeName } = auth.authenticate(call, call.request.nodeName);
      return { resourceVersion: await reportPodStatus(registry, nodeName, call.request) };
    }),
    confirmPodDeleted: unary(async (call) => {
      const { nodeName } = auth.authenticate(call, call.request.nodeName);
      await confirmPodDeleted(registry, nodeName, call.request);
      return {};
    }),
    getPodObject: unary(async (call) => {
      const { nodeName } = auth.authenticate(call, call.request.nodeName);
      const object = await getPodObject(registry, nodeName, call.request);
      return { objectJson: Buffer.from(JSON.stringify(object)) };
    }),
    recordEvent: unary(async (call) => {
      const { nodeName } = auth.authenticate(call, call.request.nodeName);
      return recordNodeEvent(registry, nodeName, call.request, now());
    }),
    watchPods: watchCall<WatchPodsRequest, PodEvent>((call, onError, nodeName) => streamNodePods(registry, nodeName, call.request, call, onError)),
    // Services and Endpoints for the node's Service rules.
    watchServices: watchCall<WatchServicesRequest, ServiceEvent>((call, onError) => streamServices(registry, call, onError)),
    // Nodes' pod subnets and addresses, for the agents' routes to other nodes' pods.
    watchNodes: watchCall<WatchNodesRequest, NodeEvent>((call, onError) => streamNodes(registry, call, onError)),
    // kubectl logs / exec: the agent's reverse tunnel (apiserver/grpc/streaming).
    ...streamingHandlers(auth, tunnelHubFor(registry)),
  };

  const server = new grpc.Server({
    // Find dead agents (and let agents find a dead server) on quiet streams.
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 5_000,
  });
  server.addService(NodeServiceService, service);
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${opts.port}`, optionalClientCertificateCredentials(opts.tls), (err, bound) => (err ? reject(err) : resolve(bound)));
  });
  return {
    port,
    async stop() {
      for (const w of watches) w.close();
      watches.clear();
      // Watch streams never finish on their own, so waiting for calls to end
      // (tryShutdown) would wait forever: cancel everything; agents reconnect.
      server.forceShutdown();
    },
  };
}
