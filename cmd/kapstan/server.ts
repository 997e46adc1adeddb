// `kapstan server`: PKI, etcd (managed or external), then the apiserver;
// each started once the one before is ready, and stopped in reverse order.
// With --cluster-init / --join it is one of several servers (HA): the joiner
// fetches the shared CA and secrets with the server token, and its etcd
// member is added by the server it joins.
import { join, resolve as resolvePath } from 'node:path';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import {
  ensurePki, writeAdminKubeconfig, bootstrapRoutes, hasClusterCa, fetchTrustedCa, fetchBootstrapData,
  writeBootstrapData, requestEtcdMember, ensureEtcdPeerCertificate, loadCertificateAuthority, Pki,
  ClusterNodeToken, formatJoinToken,
} from '../../apiserver/pki';
import { startApiServer } from '../../apiserver';
import { startNodeGrpcServer } from '../../apiserver/grpc';
import { podCidrAllocator } from '../../apiserver/registry/allocators/cluster-allocators';
import { ManagedEtcd, EtcdClusterMember, peerUrl } from './managed-etcd';
import { addEtcdMember } from './etcd-membership';
import { untilStorageAnswers } from '../../apiserver/storage/storage-wait';
import { ApiServerEndpoints } from './apiserver-endpoints';
import { ensureKubeDnsService } from './kube-dns-service';
import { RestClient } from '../../client/rest-client';
import { parseGoDuration } from '../../kctl/logs';
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
  'cluster-init'?: boolean;
  join?: string;
  token?: string;
  'token-file'?: string;
  'advertise-address'?: string;
  'event-ttl'?: string;
  'node-monitor-grace-period'?: string;
}

/**
 * Leader election of the scheduler and controllers: a lost leader is replaced
 * within about 9 s (lease 8 s + a 1 s retry), so a new pod is scheduled well
 * within 15 s of a server's loss; Kubernetes' 15/10/2 s would take up to 17 s.
 */
export const LEADER_ELECTION = { leaseDurationMs: 8000, renewDeadlineMs: 6000, retryPeriodMs: 1000 };

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
  /** Lets another server join (--join URL --token T). */
  serverToken: string;
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
  const ha = haSettings(flags, host);
  const eventTtl = eventTtlSeconds(flags['event-ttl']); // a bad value fails before anything starts
  const nodeMonitorGracePeriodMs = parseGoDuration(flags['node-monitor-grace-period'] ?? '40s');
  try {
    if (ha.join && !hasClusterCa(dataDir)) {
      // The token pins the CA before any secret crosses the network.
      const caPem = await fetchTrustedCa(ha.join, ha.token!);
      writeBootstrapData(dataDir, await fetchBootstrapData(ha.join, ha.token!, caPem));
      log(`fetched the cluster CA and secrets from ${ha.join}`);
    }
    const pki = await ensurePki(dataDir, { sans: [host, ...(ha.advertise ? [ha.advertise] : []), ...(flags['tls-san'] ?? [])], log });

    let endpoints: string[];
    let etcd: ManagedEtcd | undefined;
    if (flags['etcd-endpoints']) {
      endpoints = flags['etcd-endpoints'].split(',').map((s) => s.trim()).filter(Boolean);
    } else {
      const clientPort = Number(flags['etcd-client-port'] ?? 2379);
      const etcdDir = join(dataDir, 'etcd');
      const cluster = ha.advertise ? await etcdMember(ha, pki, dataDir, etcdDir, clientPort + 1, log) : undefined;
      etcd = new ManagedEtcd({ dataDir: etcdDir, clientPort, peerPort: clientPort + 1, cluster, log });
      await etcd.start();
      const started = etcd;
      stops.push(() => started.stop());
      endpoints = [etcd.endpoint];
      log(`managed etcd ready at ${etcd.endpoint} (pid ${etcd.pid}${cluster ? `, member ${cluster.name}, peers ${cluster.initialCluster}` : ''})`);
    }
    const localEtcd = etcd;
    const routes = bootstrapRoutes({
      pki,
      addEtcdMember: ha.advertise && localEtcd ? (req) => addEtcdMember(localEtcd.endpoint, req, log) : undefined,
    });

    const localSocket = localSocketPath(dataDir);
    const api = await untilStorageAnswers('starting the apiserver', log, () => startApiServer({
      routes,
      etcdEndpoints: endpoints,
      host,
      port,
      tls: { certPem: pki.certPem, keyPem: pki.keyPem },
      tokens: [pki.adminToken],
      eventTtlSeconds: eventTtl,
      localSocket,
    }));
    stops.push(() => api.stop());
    const url = host === '0.0.0.0' || host === '::' ? `https://127.0.0.1:${api.port}` : api.url;
    // Controllers, the scheduler and the join token reach the API like any other
    // client, through the server's own socket: no TLS and no TCP for their watches.
    const client = new RestClient({ server: url, caPem: pki.caPem, token: pki.adminToken, socketPath: localSocket });
    stops.push(async () => client.close());
    // The join token the cluster accepts lives in etcd (rotatable on any server), before any agent is heard.
    const nodeToken = new ClusterNodeToken({ client, caPem: pki.caPem, tokenPath: pki.paths.nodeToken, localSecret: pki.nodeTokenSecret, log });
    await nodeToken.start();
    stops.push(() => nodeToken.stop());
    // Node agents talk gRPC on the next port up unless told otherwise.
    const agentPort = flags['agent-port'] ? Number(flags['agent-port']) : api.port + 1;
    const nodeGrpc = await startNodeGrpcServer({
      registry: api.registry,
      host,
      port: agentPort,
      tls: { certPem: pki.certPem, keyPem: pki.keyPem, clientCaPem: pki.clientCaPem, caPem: pki.caPem },
      nodeTokenSecret: () => nodeToken.current(),
      clientCa: pki.clientCa!,
      podCidrs: podCidrAllocator(api.backend),
    });
    stops.push(() => nodeGrpc.stop());
    log(`node agent endpoint (gRPC) on ${host}:${nodeGrpc.port}`);
    const kubeconfigPath = writeAdminKubeconfig(dataDir, url, pki.caPem, pki.adminToken);
    log(`apiserver listening on ${api.url}`);

    // kube-dns reserves the cluster DNS address the agents serve (node-agent/dns).
    await ensureKubeDnsService(client, log);
    const published = ha.advertise ?? (isLoopbackOrWildcard(host) ? undefined : host);
    if (published) {
      // The `kubernetes` Service: how pods reach the API and agents learn every server.
      const publisher = new ApiServerEndpoints({ client, address: published, port: api.port, log });
      await publisher.start();
      stops.push(() => publisher.stop());
    }
    if (!flags['disable-controllers']) {
      const controllers = await startControllerManager({ client, log, identity: leaderIdentity(ha.advertise), nodeMonitorGracePeriodMs, ...LEADER_ELECTION });
      stops.push(() => controllers.stop());
      log('controller manager started');
    }
    if (!flags['disable-scheduler']) {
      const scheduler = await startScheduler({ client, log, leaderElection: { identity: leaderIdentity(ha.advertise), ...LEADER_ELECTION } });
      stops.push(() => scheduler.stop());
      log('scheduler started');
    }
    return {
      dataDir,
      url,
      kubeconfigPath,
      caPem: pki.caPem,
      adminToken: pki.adminToken,
      nodeToken: formatJoinToken(pki.caPem, nodeToken.current()),
      serverToken: pki.serverToken,
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
  if (flags['cluster-init'] || flags.join) log(`server join token: ${join(cp.dataDir, 'server-token')}`);
  console.log(`kapstan server ready: ${cp.url} (KUBECONFIG=${cp.kubeconfigPath})`);
  await waitForSignal(log);
  await cp.stop();
  return 0;
}

interface HaSettings {
  /** The machine address etcd peers and agents reach this server at; set only in HA mode. */
  advertise?: string;
  join?: string;
  token?: string;
}

/** --event-ttl as whole seconds (etcd leases count in seconds); Go durations such as 1h, 30m, 90s. */
export function eventTtlSeconds(text = '1h'): number {
  const seconds = Math.ceil(parseGoDuration(text) / 1000);
  if (seconds < 1) throw new Error(`--event-ttl must be at least 1s, not "${text}"`);
  return seconds;
}

function haSettings(flags: ServerFlags, listenHost: string): HaSettings {
  if (!flags['cluster-init'] && !flags.join) return {};
  if (flags['cluster-init'] && flags.join) throw new Error('--cluster-init starts a new cluster and --join joins one: give only one of them');
  // --join with --etcd-endpoints: servers on an external etcd that share the first one's PKI.
  if (flags['etcd-endpoints'] && flags['cluster-init']) throw new Error('--cluster-init starts a managed etcd cluster; --etcd-endpoints uses an external one: give only one of them');
  const wildcard = listenHost === '0.0.0.0' || listenHost === '::';
  const advertise = flags['advertise-address'] ?? (wildcard ? undefined : listenHost);
  if (!advertise || advertise === '127.0.0.1' || advertise === '::1') {
    throw new Error('an HA server needs the address other machines reach it at: --listen IP:PORT with that IP, or --advertise-address IP');
  }
  if (!flags.join) return { advertise };
  const token = flags.token ?? (flags['token-file'] ? readFileSync(flags['token-file'], 'utf8').trim() : undefined);
  if (!token) throw new Error('--join needs the server token of a running server: --token TOKEN or --token-file FILE (its DATA/server-token)');
  return { advertise, join: flags.join.includes('://') ? flags.join : `https://${flags.join}`, token };
}

/** This server's etcd member: added to the cluster by the server it joins, unless it has data already. */
async function etcdMember(ha: HaSettings, pki: Pki, dataDir: string, etcdDir: string, peerPort: number, log: (m: string) => void): Promise<EtcdClusterMember> {
  if (!pki.caKeyPem) throw new Error('an HA server needs the cluster CA key to issue its etcd peer certificate');
  const tls = await ensureEtcdPeerCertificate(dataDir, await loadCertificateAuthority(pki.caPem, pki.caKeyPem), ha.advertise!, log);
  const name = `kapstan-${ha.advertise}`;
  const url = peerUrl(ha.advertise!, peerPort);
  if (!ha.join || ManagedEtcd.hasData(etcdDir)) return { name, peerHost: ha.advertise!, tls, initialCluster: `${name}=${url}`, state: 'new' };
  const { initialCluster } = await requestEtcdMember(ha.join, ha.token!, pki.caPem, { name, peerURL: url });
  return { name, peerHost: ha.advertise!, tls, initialCluster, state: 'existing' };
}

/** DATA/apiserver.sock, unless the path is too long for a Unix socket (the components then use HTTPS). */
function localSocketPath(dataDir: string): string | undefined {
  const path = join(resolvePath(dataDir), 'apiserver.sock');
  return Buffer.byteLength(path) < 104 ? path : undefined;
}

/** Names the server in Lease holders (host names are alike on cloned VMs; the address is not). */
function leaderIdentity(advertise?: string): string {
  return `${advertise ? `kapstan-server-${advertise}` : hostname()}_${randomBytes(4).toString('hex')}`;
}

function isLoopbackOrWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '::1' || host === 'localhost' || host.startsWith('127.');
}
