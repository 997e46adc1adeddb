// A real apiserver and etcd with simulated nodes (Node objects, no agent) and
// a running scheduler, for end-to-end scheduler tests.
import { findByKind } from '../../api/resources';
import type { KubeObject } from '../../api/types';
import { RestClient } from '../../client/rest-client';
import type { Node, Pod } from '../../scheduler/api-types';
import { RunningScheduler, Scheduler, startScheduler, SchedulerConfig } from '../../scheduler';
import { startTestApiServer, TestApiServer } from '../harness/api-server';

export const PODS = findByKind('v1', 'Pod')!;
export const NODES = findByKind('v1', 'Node')!;
export const EVENTS = findByKind('v1', 'Event')!;
const NAMESPACES = findByKind('v1', 'Namespace')!;

export interface SchedulerCluster {
  api: TestApiServer;
  client: RestClient;
  namespace: string;
  logs: string[];
  createNode(node: Node): Promise<Node>;
  createPod(pod: Pod): Promise<Pod>;
  getPod(name: string): Promise<Pod>;
  /** Polls `check` until it returns a value (not undefined), or fails after `timeoutMs`. */
  waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs?: number): Promise<T>;
  waitForBinding(name: string): Promise<string>;
  /** Waits until the scheduler's cache holds `count` nodes (node and pod watches are separate streams). */
  waitForSchedulerNodes(count: number): Promise<void>;
  scheduler: Scheduler;
  stop(): Promise<void>;
}

/** With `withScheduler: false` the test starts its own schedulers (`scheduler` is then undefined). */
export async function startSchedulerCluster(config?: SchedulerConfig, opts: { withScheduler?: boolean } = {}): Promise<SchedulerCluster> {
  const api = await startTestApiServer();
  const client = new RestClient({ server: api.url, caPem: api.caPem, token: api.token });
  const logs: string[] = [];
  let scheduler: RunningScheduler | undefined;
  const namespace = `kap-sched-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
  const stop = async () => {
    try {
      await scheduler?.stop();
    } finally {
      client.close();
      await api.stop();
    }
  };
  try {
    await client.create(NAMESPACES, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    if (opts.withScheduler !== false) scheduler = await startScheduler({ client, log: (m) => logs.push(m), config, leaderElection: false });
  } catch (err) {
    await stop();
    throw err;
  }
  const cluster: SchedulerCluster = {
    api,
    client,
    namespace,
    logs,
    createNode: (node) => client.create<Node>(NODES, undefined, node),
    createPod: (pod) => client.create<Pod>(PODS, namespace, { ...pod, metadata: { ...pod.metadata, namespace } }),
    getPod: (name) => client.get<Pod>(PODS, namespace, name),
    async waitFor(what, check, timeoutMs = 8000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const v = await check();
        if (v !== undefined) return v;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; scheduler log:\n${logs.join('\n')}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    scheduler: scheduler?.current() as Scheduler,
    async waitForSchedulerNodes(count) {
      await cluster.waitFor(`${count} nodes in the scheduler cache`, async () => (scheduler!.current()!.cache.nodes().length >= count ? true : undefined));
    },
    waitForBinding(name) {
      return cluster.waitFor(`pod ${name} to be bound`, async () => (await cluster.getPod(name)).spec.nodeName || undefined);
    },
    stop,
  };
  return cluster;
}

export function podScheduledCondition(pod: Pod) {
  return pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
}

export async function eventsFor(client: RestClient, namespace: string, podName: string): Promise<KubeObject[]> {
  const list = await client.list(EVENTS, namespace);
  return list.items.filter((e) => (e.involvedObject as { name?: string }).name === podName);
}
