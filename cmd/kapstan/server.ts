// `kapstan server`: PKI, etcd (managed or external), then the apiserver;
// each started once the one before is ready, and stopped in reverse order.
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { ensurePki, writeAdminKubeconfig } from '../../apiserver/pki';
import { startApiServer } from '../../apiserver';
import { startNodeGrpcServer } from '../../apiserver/grpc';
import { podCidrAllocator } from '../../apiserver/registry/allocators/cluster-allocators';
import { ManagedEtcd } from './managed-etcd';
import { RestClient } from '../../client/rest-client';
import { startControllerManager } from '../../controllers';
import { startScheduler } from '../../scheduler';
import { waitForSignal } from './agent';


export interface ServerFlags {
  'data-dir'?: string;
  listen?: string;
  'etcd-endpoints'?: string;
  'etcd-client-port'?: string;
  'tls-san'?: string[];
  'agent-port'?: string;
  'disable-scheduler'?: boolean;
  'disable-controllers'?: boolean;
}

export function splitHostPort(listen: string): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(listen);
  if (!m) throw new Error(`--listen must be HOST:PORT, got "${listen}"`);
  return { host: m[1] || '0.0.0.0', port: Number(m[2]) };
}

export interface ControlPlane {
  dataDir: string;
  /** The API URL clients use (loopback when listening on every address). */
  url: string;
  kubeconfigPath: string;
  caPem: string;
  adminToken: string;
  nodeToken: string;
  agentPort: number;
  client: RestClient;
  stop(): Promise<void>;
}

/**
 * PKI, etcd (managed unless endpoints are given), apiserver, the agents'
 * endpoint, then controllers and scheduler: each started once the one before
 * is ready, and stopped in reverse order.
 */
export async function startControlPlane(flags: ServerFlags, log: (msg: string) => void): Promise<ControlPlane> {
  const dataDir = flags['data-dir'] ?? '/var/lib/kapstan';
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const { host, port } = splitHostPort(flags.listen ?? '127.0.0.1:6443');
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err) => log(`stopping: ${(err as Error).message}`));
    stops.length = 0;
  };
  try {
    const pki = await ensurePki(dataDir, { sans: [host, ...(flags['tls-san'] ?? [])], log });

    let endpoints: string[];
    if (flags['etcd-endpoints']) {
      endpoints = flags['etcd-endpoints'].split(',').map((s) => s.trim()).filter(Boolean);
    } else {
      const clientPort = Number(flags['etcd-client-port'] ?? 2379);
      const etcd = new ManagedEtcd({ dataDir: join(dataDir, 'etcd'), clientPort, peerPort: clientPort + 1, log });
      await etcd.start();
      stops.push(() => etcd.stop());
      endpoints = [etcd.endpoint];
      log(`managed etcd ready at ${etcd.endpoint} (pid ${etcd.pid})`);
    }

    const api = await startApiServer({
      etcdEndpoints: endpoints,
      host,
      port,
      tls: { certPem: pki.certPem, keyPem: pki.keyPem },
      tokens: [pki.adminToken],
    });
    stops.push(() => api.stop());
    // Node agents talk gRPC on the next port up unless told otherwise.
    const agentPort = flags['agent-port'] ? Number(flags['agent-port']) : api.port + 1;
    const nodeGrpc = await startNodeGrpcServer({
      registry: api.registry,
      host,
      port: agentPort,
      tls: { certPem: pki.certPem, keyPem: pki.keyPem, clientCaPem: pki.clientCaPem, caPem: pki.caPem },
      nodeTokenSecret: pki.nodeTokenSecret,
      clientCa: pki.clientCa!,
      podCidrs: podCidrAllocator(api.backend),
    });
    stops.push(() => nodeGrpc.stop());
    log(`node agent endpoint (gRPC) on ${host}:${nodeGrpc.port}`);
    const url = host === '0.0.0.0' || host === '::' ? `https://127.0.0.1:${api.port}` : api.url;
    const kubeconfigPath = writeAdminKubeconfig(dataDir, url, pki.caPem, pki.adminToken);
    log(`apiserver listening on ${api.url}`);

    // Controllers and the scheduler reach the API like any other client.
    const client = new RestClient({ server: url, caPem: pki.caPem, token: pki.adminToken });
    stops.push(async () => client.close());
    if (!flags['disable-controllers']) {
      const controllers = await startControllerManager({ client, log });
      stops.push(() => controllers.stop());
      log('controller manager started');
    }
    if (!flags['disable-scheduler']) {
      const scheduler = await startScheduler({ client, log });
      stops.push(() => scheduler.stop());
      log('scheduler started');
    }
    return {
      dataDir,
      url,
      kubeconfigPath,
      caPem: pki.caPem,
      adminToken: pki.adminToken,
      nodeToken: pki.nodeToken,
      agentPort: nodeGrpc.port,
      client,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

export async function runServer(flags: ServerFlags): Promise<number> {
  const log = (msg: string) => console.error(`${new Date().toISOString()} ${msg}`);
  const cp = await startControlPlane(flags, log);
  log(`admin kubeconfig: ${cp.kubeconfigPath}`);
  log(`node join token: ${join(cp.dataDir, 'node-token')}`);
  console.log(`kapstan server ready: ${cp.url} (KUBECONFIG=${cp.kubeconfigPath})`);
  await waitForSignal(log);
  await cp.stop();
  return 0;
}
