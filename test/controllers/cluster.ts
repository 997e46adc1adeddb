// A test cluster for controllers: a real apiserver on a real etcd, a client,
// and the controllers with short retry settings. No node agent: tests play
// the agent by writing pod status through the status subresource.
import assert from 'node:assert/strict';
import { isApiError } from '../../api/errors';
import { findByKind, ResourceInfo } from '../../api/resources';
import type { KubeObject } from '../../api/types';
import { RestClient } from '../../client/rest-client';
import { ControllerSetOptions, RunningControllers, startControllers } from '../../controllers/controller-set';
import type { Pod } from '../../controllers/workload-types';
import { startTestApiServer, TestApiServer } from '../harness/api-server';

export const resources = {
  namespaces: findByKind('v1', 'Namespace')!,
  pods: findByKind('v1', 'Pod')!,
  configMaps: findByKind('v1', 'ConfigMap')!,
  replicaSets: findByKind('apps/v1', 'ReplicaSet')!,
  deployments: findByKind('apps/v1', 'Deployment')!,
};

export interface TestCluster {
  api: TestApiServer;
  client: RestClient;
  stop(): Promise<void>;
}

export async function startTestCluster(): Promise<TestCluster> {
  const api = await startTestApiServer();
  const client = new RestClient({ server: api.url, caPem: api.caPem, token: api.token });
  return {
    api,
    client,
    async stop() {
      client.close();
      await api.stop();
    },
  };
}

/** Controllers with short retries and a short Job back-off (100 ms doubling, at most 1 s). */
export function runControllers(client: RestClient, log: string[] = [], extra: Partial<ControllerSetOptions> = {}): Promise<RunningControllers> {
  return startControllers({ client, workers: 2, resyncMs: 2000, retryBaseDelayMs: 5, retryMaxDelayMs: 200, jobBackoffBaseMs: 100, jobBackoffMaxMs: 1000, log: (m) => log.push(m), ...extra });
}

/** Read-modify-write that retries when a controller wrote the object in between (as kubectl edit would be told to). */
export async function modify<T extends KubeObject>(client: RestClient, resource: ResourceInfo, namespace: string | undefined, name: string, change: (obj: T) => void): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const obj = await client.get<T>(resource, namespace, name);
    change(obj);
    try {
      return await client.update<T>(resource, namespace, obj);
    } catch (err) {
      if (!isApiError(err, 'Conflict') || attempt >= 20) throw err;
    }
  }
}

export async function createNamespace(client: RestClient, name: string): Promise<void> {
  await client.create(resources.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

/** Polls until check returns a value other than undefined/false; fails with `what` after 10 s. */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function listPods(client: RestClient, namespace: string, labelSelector?: string): Promise<Pod[]> {
  return (await client.list<Pod>(resources.pods, namespace, { labelSelector })).items;
}

/** What a node agent would report for a started, ready pod. */
export async function markPodReady(client: RestClient, pod: Pod): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const next = structuredClone(pod);
  next.status = {
    ...pod.status,
    phase: 'Running',
    conditions: [
      { type: 'Initialized', status: 'True', lastTransitionTime: now },
      { type: 'ContainersReady', status: 'True', lastTransitionTime: now },
      { type: 'Ready', status: 'True', lastTransitionTime: now },
      { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
    ],
  };
  delete next.metadata.resourceVersion;
  await client.update(resources.pods, pod.metadata.namespace, next, { subresource: 'status' });
}

/** Marks every pending, not-yet-ready pod in the namespace ready; returns how many. */
export async function markAllReady(client: RestClient, namespace: string): Promise<number> {
  let n = 0;
  for (const pod of await listPods(client, namespace)) {
    if (pod.metadata.deletionTimestamp || pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) continue;
    await markPodReady(client, pod).catch(() => undefined);
    n++;
  }
  return n;
}

export function deployment(name: string, replicas: number, image = 'busybox:1', extra: Partial<Record<string, unknown>> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image }] } },
      ...extra,
    },
  };
}

export function replicaSet(name: string, replicas: number, extra: Partial<Record<string, unknown>> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image: 'busybox:1' }] } },
      ...extra,
    },
  };
}
