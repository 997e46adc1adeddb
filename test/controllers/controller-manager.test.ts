// Two controller managers on one apiserver: only the Lease holder runs
// controllers; when it stops, the other takes over and carries on.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { findByKind } from '../../api/resources';
import type { Lease } from '../../client/leader-election';
import { LEASE_NAME, LEASE_NAMESPACE, startControllerManager } from '../../controllers';
import type { Deployment } from '../../controllers/workload-types';
import { createNamespace, deployment, eventually, listPods, modify, resources, startTestCluster, TestCluster } from './cluster';

let cluster: TestCluster;

before(async () => {
  cluster = await startTestCluster();
});

after(async () => {
  await cluster?.stop();
});

test('the Lease holder runs the controllers; after it stops, the other manager takes over', async () => {
  const { client } = cluster;
  const opts = { client, leaseDurationMs: 1000, renewDeadlineMs: 500, retryPeriodMs: 50, resyncMs: 2000, retryBaseDelayMs: 5, retryMaxDelayMs: 200 };
  const first = await startControllerManager({ ...opts, identity: 'first' });
  const second = await startControllerManager({ ...opts, identity: 'second' });
  try {
    await eventually(() => first.isLeader(), 'the first manager to lead');
    assert.equal(second.isLeader(), false);
    const lease = await client.get<Lease>(findByKind('coordination.k8s.io/v1', 'Lease')!, LEASE_NAMESPACE, LEASE_NAME);
    assert.equal(lease.spec?.holderIdentity, 'first');

    const ns = 'kap-cm-failover';
    await createNamespace(client, ns);
    await client.create(resources.deployments, ns, deployment('web', 2));
    await eventually(async () => (await listPods(client, ns)).length === 2, '2 pods from the first manager');

    await first.stop();
    await eventually(() => second.isLeader(), 'the second manager to lead');
    await modify<Deployment>(client, resources.deployments, ns, 'web', (d) => (d.spec.replicas = 3));
    await eventually(async () => (await listPods(client, ns)).length === 3, 'a third pod from the second manager');
  } finally {
    await first.stop();
    await second.stop();
  }
});
