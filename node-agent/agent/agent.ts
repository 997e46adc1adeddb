// The node agent: registers the node, heartbeats, watches the pods bound to it and hands each to its pod
// worker; a periodic relist of the runtime state (pleg.ts) wakes the workers of pods whose containers changed.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NodeClient, type PodWatchEvent } from '../../client/node-client';
import { ShimClient } from '../runtime/shim-client';
import { ContainerRuntime } from './container-runtime';
import { DEFAULT_BACKOFF, type BackoffPolicy } from './crash-backoff';
import type { ImageProvider } from './image-provider';
import { defaultNodeIp, machineRegistration } from './machine-info';
import { checkNodeHealth, nodeConditions } from './node-conditions';
import { registerNode } from './node-credentials';
import { relistEvents } from './pleg';
import { PodSyncer, type Logger } from './pod-sync';
import { PodResources } from './pod-resources';
import type { PodNetwork } from './pod-network';
import type { Pod } from './pod-types';
import { PodWorkers } from './pod-workers';
import { emptyRuntimeState, type PodRuntimeState } from './runtime-state';
import { startStreamingTunnel } from './streaming/streaming-tunnel';
import { runServiceSync } from '../network/service-sync';
import { serviceWatchEvents } from '../network/service-watch-stream';
import type { ServiceProxy } from '../network/service-proxy';
import { nodeWatchEvents, runNodeRouteSync } from '../network/node-route-sync';
import type { HostGatewayRoutes } from '../network/node-routes';

export interface AgentOptions {
  /** The node endpoint of the apiserver: host:port or https://host:port. */
  server: string;
  token: string;
  nodeName: string;
  nodeIp?: string;
  dataDir: string;
  images: ImageProvider;
  log: Logger;
  /** The cluster CA, when known; otherwise fetched and checked against the token's CA hash. */
  caPem?: string;
  shimBinary?: string;
  heartbeatIntervalMs?: number;
  relistIntervalMs?: number;
  backoff?: BackoffPolicy;
  /** Programs Services (ClusterIP/NodePort rules) on this node, as kube-proxy; none when absent. */
  serviceProxy?: Pick<ServiceProxy, 'sync'>;
  /** Keeps routes to other nodes' pod subnets in step with the Nodes (host-gateway); none when absent. */
  nodeRoutes?: Pick<HostGatewayRoutes, 'sync'>;
  /** Delay before a failed pod worker step is retried (doubling). */
  retryDelayMs?: number;
  /** Gives pods their network (veth, bridge, IPs); without one pods have only loopback and no podIP. */
  network?: PodNetwork;
  /** The cluster DNS pods resolve through (their /etc/resolv.conf nameserver and search path). */
  clusterDns?: { ip: string; domain?: string };
  /**
   * How often pods with configMap/secret/downwardAPI/projected volumes are synced so their files follow
   * the sources (default 60 s, the kubelet's sync period); fetched objects are reused for a fifth of it.
   */
  volumeResyncMs?: number;
  /** How often unused images are garbage-collected when the disk is full (default 5 min, as the kubelet). */
  imageGcIntervalMs?: number;
}

export interface RunningAgent {
  nodeName: string;
  dataDir: string;
  /** Resolves once the first full pod list has been handed to the workers. */
  synced: Promise<void>;
  /** Stops watching, heartbeating and syncing. Containers keep running (their monitors own them). */
  stop(): Promise<void>;
  /**
   * Stops syncing, then stops every pod's containers gracefully (SIGTERM, the
   * grace period, SIGKILL) and removes their mounts, cgroups and directories.
   * The pods stay in the API, so the next agent starts them again (as
   * `docker compose stop` then `up`). Call stop() afterwards.
   */
  stopPods(): Promise<void>;
}

export async function startAgent(opts: AgentOptions): Promise<RunningAgent> {
  await mkdir(opts.dataDir, { recursive: true });
  const nodeIp = opts.nodeIp ?? defaultNodeIp();
  const shim = new ShimClient({ binary: opts.shimBinary });
  const runtime = new ContainerRuntime({ dataDir: opts.dataDir, shim });
  const health = () => nodeConditions(checkNodeHealth({ shimBinary: shim.binary, dataDir: opts.dataDir }));
  // The saved client certificate first: the join token may have been rotated since the node joined.
  const { client } = await registerNode({ ...opts, warn: (m) => opts.log.warn(m) }, async (c) => {
    const registered = await c.register({ ...machineRegistration({ nodeName: opts.nodeName, nodeIp, dataDir: opts.dataDir }), conditions: health() });
    await writeFile(join(opts.dataDir, 'node.json'), JSON.stringify({ nodeName: opts.nodeName, nodeUid: registered.nodeUid, podCidr: registered.podCidr }));
    return registered;
  });
  opts.log.info('node registered', { node: opts.nodeName, ip: nodeIp });

  const heartbeats = client.startHeartbeats({
    intervalMs: opts.heartbeatIntervalMs ?? 10_000,
    conditions: health,
    onError: (err) => opts.log.warn('heartbeat failed', { error: err.message }),
  });
  // kubectl logs/exec reach this node through a tunnel it opens to the apiserver.
  const streaming = startStreamingTunnel({ client, podsDir: runtime.podsDir, shim, images: opts.images, log: (m) => opts.log.warn(m) });
  const serviceAbort = new AbortController();
  const serviceLoop = opts.serviceProxy
    ? runServiceSync({
        open: (signal) => {
          const stream = client.openServiceWatch();
          signal.addEventListener('abort', () => stream.cancel(), { once: true });
          return serviceWatchEvents(stream);
        },
        proxy: opts.serviceProxy,
        signal: serviceAbort.signal,
        warn: (m) => opts.log.warn(m),
      })
    : Promise.resolve();
  const routeLoop = opts.nodeRoutes
    ? runNodeRouteSync({
        open: (signal) => {
          const stream = client.openNodeWatch();
          signal.addEventListener('abort', () => stream.cancel(), { once: true });
          return nodeWatchEvents(stream);
        },
        routes: opts.nodeRoutes,
        nodeName: opts.nodeName,
        signal: serviceAbort.signal,
        warn: (m) => opts.log.warn(m),
      })
    : Promise.resolve();
  const syncer = new PodSyncer({
    runtime, images: opts.images, reporter: client, nodeName: opts.nodeName, hostIP: nodeIp,
    backoff: opts.backoff ?? DEFAULT_BACKOFF, log: opts.log, network: opts.network, volumeResyncMs: opts.volumeResyncMs,
    resources: new PodResources({
      objects: client, clusterDns: opts.clusterDns, objectTtlMs: (opts.volumeResyncMs ?? 60_000) / 5,
      allocatable: machineRegistration({ nodeName: opts.nodeName, nodeIp, dataDir: opts.dataDir }).allocatable,
    }),
  });
  const workers = new PodWorkers(syncer, { retryDelayMs: opts.retryDelayMs });
  const abort = new AbortController();

  // Pods this node had before (an earlier agent process): their containers are re-adopted when the
  // list names them, stopped and removed when it does not.
  const onDisk = new Map((await runtime.listPods()).map((p) => [p.metadata.uid!, p]));
  // Veths and addresses of pods whose directories went while no agent ran: freed before any pod
  // worker starts, so no pod being set up right now can be taken for a stale one.
  await opts.network?.removeStale?.(onDisk.keys())?.catch((err: Error) => opts.log.warn('removing stale pod network failed', { error: err.message }));
  let markSynced!: () => void;
  const synced = new Promise<void>((resolve) => (markSynced = resolve));
  const watchLoop = watchPods(client, opts.nodeName, workers, onDisk, markSynced, abort.signal, opts.log);

  // The relist: read every pod's runtime state, diff with the previous read, resync pods that changed.
  let lastStates = new Map<string, PodRuntimeState>();
  let relisting = false;
  const relist = async () => {
    if (relisting) return;
    relisting = true;
    try {
      const next = new Map<string, PodRuntimeState>();
      for (const pod of workers.knownPods()) {
        const uid = pod.metadata.uid!;
        next.set(uid, { ...emptyRuntimeState(), attempts: await runtime.readPodState(uid) });
      }
      const changed = new Set(relistEvents(lastStates, next).map((e) => e.podUid));
      lastStates = next;
      for (const uid of changed) workers.resync(uid);
    } catch (err) {
      opts.log.warn('relist failed', { error: (err as Error).message });
    } finally {
      relisting = false;
    }
  };
  const relistTimer = setInterval(() => void relist(), opts.relistIntervalMs ?? 1000);
  const imageGcTimer = opts.images.garbageCollect ? setInterval(() => void collectUnusedImages(runtime, opts.images, opts.log), opts.imageGcIntervalMs ?? 5 * 60_000) : undefined;

  let syncStopped: Promise<void> | undefined;
  const stopSyncing = () =>
    (syncStopped ??= (async () => {
      clearInterval(relistTimer);
      clearInterval(imageGcTimer);
      abort.abort();
      await watchLoop;
      await workers.stop();
    })());

  return {
    nodeName: opts.nodeName,
    dataDir: opts.dataDir,
    synced,
    async stop() {
      await stopSyncing();
      serviceAbort.abort();
      await serviceLoop;
      await routeLoop;
      await streaming.stop();
      await heartbeats.stop();
      client.close();
    },
    async stopPods() {
      await stopSyncing();
      const never = new AbortController().signal;
      for (const pod of await runtime.listPods()) {
        try {
          await syncer.terminatePod(pod, false, never);
        } catch (err) {
          opts.log.warn('stopping pod failed; killing it', { uid: pod.metadata.uid, error: (err as Error).message });
        }
        await runtime.removePod(pod.metadata.uid!);
      }
    },
  };
}

async function watchPods(
  client: NodeClient, nodeName: string, workers: PodWorkers, onDisk: Map<string, Pod>,
  markSynced: () => void, signal: AbortSignal, log: Logger,
): Promise<void> {
  // UIDs listed since the last (RE)LIST started; at SYNC every other known pod is gone from this node.
  let listing: Set<string> | undefined = new Set();
  const handle = (ev: PodWatchEvent) => {
    if (ev.type === 'RELIST') {
      listing = new Set();
      return;
    }
    if (ev.type === 'SYNC') {
      if (listing) {
        const candidates = [...workers.knownPods(), ...onDisk.values()];
        for (const pod of candidates) if (!listing.has(pod.metadata.uid!)) workers.update({ pod, gone: true });
        onDisk.clear();
        listing = undefined;
      }
      markSynced();
      return;
    }
    const pod = ev.pod as Pod;
    listing?.add(pod.metadata.uid!);
    const gone = ev.type === 'DELETED' || pod.spec?.nodeName !== nodeName;
    workers.update({ pod, gone });
  };
  try {
    for await (const ev of client.watchPods({ signal })) handle(ev);
  } catch (err) {
    if (!signal.aborted) log.error('pod watch ended', { error: (err as Error).message });
  }
}

/** Reads node.json written at registration (for tools and tests). */
/** Image GC: every image an attempt of a pod on disk was made from is in use (its overlay holds the layers). */
async function collectUnusedImages(runtime: ContainerRuntime, images: ImageProvider, log: Logger): Promise<void> {
  try {
    const inUse = new Set<string>();
    for (const pod of await runtime.listPods()) {
      for (const attempt of await runtime.readPodState(pod.metadata.uid!)) inUse.add(attempt.imageId);
    }
    const removed = await images.garbageCollect!(inUse);
    if (removed.length) log.info('image garbage collection removed unused images', { images: removed });
  } catch (err) {
    log.warn('image garbage collection failed', { error: (err as Error).message });
  }
}

export async function readNodeRecord(dataDir: string): Promise<{ nodeName: string; nodeUid: string } | null> {
  try {
    return JSON.parse(await readFile(join(dataDir, 'node.json'), 'utf8'));
  } catch {
    return null;
  }
}
