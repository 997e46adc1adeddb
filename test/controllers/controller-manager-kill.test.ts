// A controller manager killed (SIGKILL, a `kapstan controller-manager`
// process) in the middle of a rolling update: it never releases its Lease, so
// another manager takes over once the Lease expires and finishes the rollout
// from what the API shows, with no third ReplicaSet and no extra pods.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findByKind } from '../../api/resources';
import { writeAdminKubeconfig } from '../../apiserver/pki';
import type { Lease } from '../../client/leader-election';
import { LEASE_NAME, LEASE_NAMESPACE, startControllerManager } from '../../controllers';
import type { Deployment, ReplicaSet } from '../../controllers/workload-types';
import { createNamespace, deployment, eventually, listPods, markAllReady, modify, resources, startTestCluster } from './cluster';

const KAPSTAN = join(__dirname, '..', '..', '..', 'bin', 'kapstan');
const leases = findByKind('coordination.k8s.io/v1', 'Lease')!;
const imageOf = (o: Deployment | ReplicaSet) => (o.spec.template?.spec?.containers as Array<{ image: string }>)[0].image;

test('a controller manager killed mid-rollout: the next leader finishes the rollout', { timeout: 120_000 }, async () => {
  const cluster = await startTestCluster();
  const home = mkdtempSync(join(tmpdir(), 'kap-cm-kill-'));
  const kubeconfig = writeAdminKubeconfig(home, cluster.api.url, cluster.api.caPem, cluster.api.token);
  const first = spawn(process.execPath, [KAPSTAN, 'controller-manager', '--kubeconfig', kubeconfig], { stdio: ['ignore', 'ignore', 'pipe'] });
  let firstLog = '';
  first.stderr!.on('data', (c: Buffer) => (firstLog += c.toString()));
  const firstExited = new Promise((resolve) => first.once('exit', resolve));
  let second: Awaited<ReturnType<typeof startControllerManager>> | undefined;
  const { client } = cluster;
  try {
    const holder = async () => (await client.get<Lease>(leases, LEASE_NAMESPACE, LEASE_NAME).catch(() => undefined))?.spec?.holderIdentity;
    const firstIdentity = await eventually(holder, 'the process to lead', 20_000);

    const ns = 'kap-cm-kill';
    await createNamespace(client, ns);
    const strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } };
    await client.create(resources.deployments, ns, deployment('web', 4, 'busybox:1', { strategy }));
    const replicaSets = async () => (await client.list<ReplicaSet>(resources.replicaSets, ns)).items;
    await eventually(async () => {
      await markAllReady(client, ns);
      const d = await client.get<Deployment>(resources.deployments, ns, 'web');
      return d.status?.availableReplicas === 4;
    }, 'the first rollout', 30_000);

    // Start the second rollout and let it get half-way: the new ReplicaSet has ready pods, the old one still some.
    await modify<Deployment>(client, resources.deployments, ns, 'web', (d) => ((d.spec.template!.spec!.containers as Array<{ image: string }>)[0].image = 'busybox:2'));
    await eventually(async () => {
      await markAllReady(client, ns);
      const rss = await replicaSets();
      const fresh = rss.find((rs) => imageOf(rs) === 'busybox:2');
      const old = rss.find((rs) => imageOf(rs) === 'busybox:1');
      return !!fresh && (fresh.status?.readyReplicas ?? 0) >= 1 && (old?.spec.replicas ?? 0) >= 1 && (old?.spec.replicas ?? 0) < 4;
    }, 'the rollout half-way', 30_000);

    first.kill('SIGKILL');
    await firstExited;
    second = await startControllerManager({ client, identity: 'kap-second', leaseDurationMs: 2000, renewDeadlineMs: 1000, retryPeriodMs: 200, resyncMs: 2000, retryBaseDelayMs: 5, retryMaxDelayMs: 200 });
    await eventually(async () => (await holder()) === 'kap-second', 'the second manager to take the expired Lease', 30_000);
    assert.notEqual(firstIdentity, 'kap-second');

    const done = await eventually(async () => {
      await markAllReady(client, ns);
      const d = await client.get<Deployment>(resources.deployments, ns, 'web');
      const s = d.status ?? {};
      return (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) && s.updatedReplicas === 4 && s.replicas === 4 && s.availableReplicas === 4 && d;
    }, 'the rollout to finish under the second manager', 60_000);
    assert.equal(imageOf(done), 'busybox:2');
    const rss = await replicaSets();
    assert.equal(rss.length, 2, 'no third ReplicaSet');
    assert.deepEqual(rss.map((rs) => [imageOf(rs), rs.spec.replicas]).sort(), [['busybox:1', 0], ['busybox:2', 4]]);
    const pods = (await listPods(client, ns)).filter((p) => !p.metadata.deletionTimestamp);
    assert.equal(pods.length, 4);
  } catch (err) {
    throw new Error(`${(err as Error).stack}\n--- killed manager ---\n${firstLog}`);
  } finally {
    if (first.exitCode === null && first.signalCode === null) first.kill('SIGKILL');
    await second?.stop();
    await cluster.stop();
    rmSync(home, { recursive: true, force: true });
  }
});
