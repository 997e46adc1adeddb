// A test apiserver on real etcd plus the node gRPC endpoint, and builders
// for what the node tests need: agents, pods bound to nodes, event readers.
import { ensurePki, Pki } from '../../apiserver/pki';
import { startNodeGrpcServer, RunningNodeGrpcServer } from '../../apiserver/grpc';
import type { Registry } from '../../apiserver/registry/registry';
import type { ResourceStore } from '../../apiserver/registry/store';
import type { KubeObject } from '../../api/types';
import { NodeClient, NodeClientOptions, NodeRegistration, PodWatchEvent } from '../../client/node-client';
import { startTestApiServer, TestApiServer } from '../harness/api-server';

export interface NodeTestBed {
  api: TestApiServer;
  pki: Pki;
  registry: Registry;
  pods: ResourceStore;
  grpcPort: number;
  /** host:port of the node endpoint. */
  endpoint: string;
  /** Stops the gRPC endpoint (streams are cut), keeping the apiserver. */
  stopGrpc(): Promise<void>;
  /** Starts it again on the same port. */
  startGrpc(): Promise<void>;
  /** A client that has fetched and verified the CA (not registered yet). */
  client(nodeName: string, overrides?: Partial<NodeClientOptions>): Promise<NodeClient>;
  /** A client whose node is registered, using its client certificate. */
  registeredNode(nodeName: string): Promise<NodeClient>;
  stop(): Promise<void>;
}

export async function startNodeTestBed(): Promise<NodeTestBed> {
  const api = await startTestApiServer();
  const clients: NodeClient[] = [];
  let grpcServer: RunningNodeGrpcServer | undefined;
  try {
    // The harness created the PKI in its data dir; this loads the same one.
    const pki = await ensurePki(api.dataDir, { sans: ['127.0.0.1', 'localhost'] });
    const registry = api.server.registry;
    const start = async (port: number) => {
      grpcServer = await startNodeGrpcServer({
        registry,
        host: '127.0.0.1',
        port,
        tls: { certPem: pki.certPem, keyPem: pki.keyPem, clientCaPem: pki.clientCaPem, caPem: pki.caPem },
        nodeTokenSecret: pki.nodeTokenSecret,
        clientCa: pki.clientCa!,
      });
      return grpcServer.port;
    };
    const grpcPort = await start(0);
    const bed: NodeTestBed = {
      api,
      pki,
      registry,
      pods: registry.storeFor('', 'v1', 'pods'),
      grpcPort,
      endpoint: `127.0.0.1:${grpcPort}`,
      async stopGrpc() {
        await grpcServer?.stop();
        grpcServer = undefined;
      },
      async startGrpc() {
        await start(grpcPort);
      },
      async client(nodeName, overrides = {}) {
        const c = await NodeClient.connect({ server: `https://${bed.endpoint}`, token: pki.nodeToken, nodeName, ...overrides });
        clients.push(c);
        return c;
      },
      async registeredNode(nodeName) {
        const c = await bed.client(nodeName);
        await c.register(machine(nodeName));
        return c;
      },
      async stop() {
        for (const c of clients) c.close();
        try {
          await grpcServer?.stop();
        } finally {
          await api.stop();
        }
      },
    };
    return bed;
  } catch (err) {
    await grpcServer?.stop();
    await api.stop();
    throw err;
  }
}

/** What an agent on a small amd64 Linux machine reports. */
export function machine(nodeName: string): NodeRegistration {
  return {
    addresses: [{ type: 'InternalIP', address: '10.0.0.7' }, { type: 'Hostname', address: nodeName }],
    capacity: { cpu: '2', memory: '4012340Ki', pods: '110', 'ephemeral-storage': '30Gi' },
    allocatable: { cpu: '2', memory: '3909940Ki', pods: '110', 'ephemeral-storage': '28Gi' },
    nodeInfo: {
      kernelVersion: '6.1.0-18-amd64',
      osImage: 'Debian GNU/Linux 12 (bookworm)',
      operatingSystem: 'linux',
      architecture: 'amd64',
      containerRuntimeVersion: 'kapstan://0.1.0',
      kubeletVersion: 'v1.30.0-kapstan.0.1.0',
    },
    labels: { 'example.com/rack': 'r1' },
    conditions: [{ type: 'Ready', status: 'False', reason: 'RuntimeStarting', message: 'the container runtime is starting' }],
  };
}

/** A minimal pod in `default`, bound to `nodeName` when given. */
export async function createPod(pods: ResourceStore, name: string, nodeName?: string): Promise<KubeObject> {
  const spec: Record<string, unknown> = { containers: [{ name: 'main', image: 'busybox:1.35' }] };
  if (nodeName) spec.nodeName = nodeName;
  const { object } = await pods.create('default', { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec });
  return object;
}

/** Binds a pod the way the scheduler's binding does: sets spec.nodeName. */
export async function bindPod(pods: ResourceStore, name: string, nodeName: string): Promise<KubeObject> {
  const { object } = await pods.guaranteedUpdate('default', name, undefined, (pod) => ({
    ...pod,
    spec: { ...(pod.spec as object), nodeName },
  }), {}, 'whole');
  return object;
}

/** Reads events from a watch one at a time, so a test can act between them. */
export class EventReader {
  private readonly iterator: AsyncIterator<PodWatchEvent>;

  constructor(events: AsyncIterable<PodWatchEvent>) {
    this.iterator = events[Symbol.asyncIterator]();
  }

  async next(): Promise<PodWatchEvent> {
    const r = await this.iterator.next();
    if (r.done) throw new Error('the pod watch ended');
    return r.value;
  }

  /** Events up to and including the first SYNC. */
  async untilSync(): Promise<PodWatchEvent[]> {
    const seen: PodWatchEvent[] = [];
    for (;;) {
      const ev = await this.next();
      seen.push(ev);
      if (ev.type === 'SYNC') return seen;
    }
  }

  async close(): Promise<void> {
    await this.iterator.return?.(undefined);
  }
}

export function summary(ev: PodWatchEvent): string {
  return ev.type === 'SYNC' || ev.type === 'RELIST' ? ev.type : `${ev.type} ${ev.pod.metadata.name}`;
}
