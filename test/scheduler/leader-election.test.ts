// Several schedulers, one leader: only the Lease holder schedules, and another
// takes over when it stops; no pod is bound twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeNode, makePod } from './builders';
import { startSchedulerCluster } from './scheduler-cluster';
import { RunningScheduler, startScheduler } from '../../scheduler';
import { findByKind } from '../../api/resources';

const LEASES = findByKind('coordination.k8s.io/v1', 'Lease')!;

test('only the leader schedules; when it stops another takes over', async () => {
  const c = await startSchedulerCluster(undefined, { withScheduler: false });
  const running: RunningScheduler[] = [];
  const start = (identity: string) =>
    startScheduler({
      client: c.client,
      log: (m) => c.logs.push(`${identity}: ${m}`),
      leaderElection: { identity, name: 'kap-scheduler-test', leaseDurationMs: 1000, renewDeadlineMs: 800, retryPeriodMs: 100 },
    });
  try {
    running.push(await start('alpha'));
    running.push(await start('beta'));
    await c.createNode(makeNode('kap-node').capacity({ cpu: '4', memory: '4Gi' }).obj());

    const leader = await c.waitFor('a leader', async () => running.find((r) => r.isLeader()));
    const follower = running.find((r) => r !== leader)!;
    await c.createPod(makePod('before').manifest());
    assert.equal(await c.waitForBinding('before'), 'kap-node');
    assert.equal(follower.isLeader(), false);
    assert.equal(follower.current(), undefined, 'a follower runs no scheduler');

    await leader.stop();
    running.splice(running.indexOf(leader), 1);
    await c.waitFor('the follower to take over', async () => (follower.isLeader() ? true : undefined));
    await c.createPod(makePod('after').manifest());
    assert.equal(await c.waitForBinding('after'), 'kap-node');
    // The pod bound by the first leader kept its node; nobody tried to bind it again.
    assert.equal((await c.getPod('before')).spec.nodeName, 'kap-node');
    assert.deepEqual(c.logs.filter((l) => /already assigned/.test(l)), []);
  } finally {
    for (const r of running) await r.stop();
    await c.stop();
  }
});

test('a leader that died without releasing its lease is replaced once the lease expires', async () => {
  const c = await startSchedulerCluster(undefined, { withScheduler: false });
  let running: RunningScheduler | undefined;
  try {
    const microNow = new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
    await c.client.create(LEASES, 'kube-system', {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'kap-dead-leader' },
      spec: { holderIdentity: 'ghost', leaseDurationSeconds: 1, acquireTime: microNow, renewTime: microNow, leaseTransitions: 0 },
    });
    await c.createNode(makeNode('kap-node').obj());
    await c.createPod(makePod('waiting').manifest());
    running = await startScheduler({
      client: c.client,
      log: (m) => c.logs.push(m),
      leaderElection: { identity: 'heir', name: 'kap-dead-leader', leaseDurationMs: 1000, renewDeadlineMs: 800, retryPeriodMs: 100 },
    });
    assert.equal(await c.waitForBinding('waiting'), 'kap-node');
    assert.equal(running.isLeader(), true);
  } finally {
    await running?.stop();
    await c.stop();
  }
});
