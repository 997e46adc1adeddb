// DaemonSet history: ControllerRevisions made, renumbered on rollback and
// pruned by reconcile(key), against caches seeded through a real apiserver.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/types';
import { createNamespace, modify, startTestCluster, TestCluster } from '../test/controllers/cluster';
import { summary } from '../test/controllers/recording-client';
import { startUnitBed, UnitBed } from '../test/controllers/unit-bed';
import { DaemonSet, DaemonSetController, daemonSetsResource } from './daemonset';
import { ControllerRevision, controllerRevisionsResource } from './daemonset-history';

let cluster: TestCluster;

before(async () => {
  cluster = await startTestCluster();
});

after(async () => {
  await cluster?.stop();
});

function daemonSet(name: string, image: string, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, annotations: { 'kubernetes.io/change-cause': `image ${image}` } },
    spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image }] } }, ...extra },
  };
}

async function setImage(ns: string, name: string, image: string): Promise<void> {
  await modify<DaemonSet>(cluster.client, daemonSetsResource, ns, name, (ds) => {
    (ds.spec.template!.spec as { containers: Array<{ image: string }> }).containers[0].image = image;
    ds.metadata.annotations = { ...ds.metadata.annotations, 'kubernetes.io/change-cause': `image ${image}` };
  });
}

/** Reconciles once and returns the revision writes, then waits for the caches. */
async function pass(bed: UnitBed<DaemonSetController>, ns: string, name: string) {
  await bed.caughtUp(daemonSetsResource, ns, name);
  await bed.controller.reconcile(`${ns}/${name}`);
  const calls = bed.client.take().filter((c) => c.resource === 'controllerrevisions');
  for (const c of calls) if (c.verb !== 'delete') await bed.caughtUp(controllerRevisionsResource, ns, c.name!);
  if (calls.some((c) => c.verb === 'delete')) await bed.until(() => !calls.some((c) => c.verb === 'delete' && bed.informers.for(controllerRevisionsResource).getByName(ns, c.name!)), 'the deletion');
  return calls;
}

test('one revision per template; a rollback renumbers the old revision; revisions beyond revisionHistoryLimit go', async () => {
  const ns = 'kap-dsh';
  await createNamespace(cluster.client, ns);
  await cluster.client.create(daemonSetsResource, ns, daemonSet('agent', 'busybox:1', { revisionHistoryLimit: 1 }));
  const bed = await startUnitBed(cluster, (ctx) => new DaemonSetController(ctx));
  const revisions = () => bed.controller.history.of(bed.informers.for<DaemonSet>(daemonSetsResource).getByName(ns, 'agent')!).map((r) => [r.metadata.name, r.revision]);
  try {
    const first = await pass(bed, ns, 'agent');
    assert.deepEqual(summary(first).map((s) => s.replace(/-\w+$/, '-HASH')), ['create controllerrevisions agent-HASH']);
    const r1 = first[0].body as ControllerRevision;
    assert.equal(r1.revision, 1);
    assert.equal(r1.metadata.labels?.app, 'agent');
    assert.ok(r1.metadata.labels?.['controller-revision-hash'] && r1.metadata.name === `agent-${r1.metadata.labels['controller-revision-hash']}`);
    assert.equal(r1.metadata.annotations?.['kubernetes.io/change-cause'], 'image busybox:1');
    assert.equal(r1.metadata.ownerReferences?.[0].kind, 'DaemonSet');
    const template = (r1.data as { spec: { template: Record<string, unknown> } }).spec.template;
    assert.equal(template.$patch, 'replace');
    assert.equal((template.spec as { containers: Array<{ image: string }> }).containers[0].image, 'busybox:1');
    assert.deepEqual(await pass(bed, ns, 'agent'), [], 'nothing changed, nothing written');

    await setImage(ns, 'agent', 'busybox:2');
    const second = await pass(bed, ns, 'agent');
    assert.deepEqual(summary(second).map((s) => s.replace(/-\w+$/, '-HASH')), ['create controllerrevisions agent-HASH']);
    assert.equal((second[0].body as ControllerRevision).revision, 2);

    // Back to busybox:1: its revision becomes number 3, nothing new is made.
    await setImage(ns, 'agent', 'busybox:1');
    assert.deepEqual(summary(await pass(bed, ns, 'agent')), [`update controllerrevisions ${r1.metadata.name}`]);
    assert.deepEqual(revisions(), [[second[0].name, 2], [r1.metadata.name, 3]]);

    // A third template: with revisionHistoryLimit 1 (no pods run any), revision 2 is pruned.
    await setImage(ns, 'agent', 'busybox:3');
    const third = await pass(bed, ns, 'agent');
    assert.deepEqual(summary(third).map((s) => s.replace(/-\w+$/, '-HASH')), ['create controllerrevisions agent-HASH', 'delete controllerrevisions agent-HASH']);
    assert.equal(third[1].name, second[0].name);
    assert.deepEqual(revisions().map(([, r]) => r), [3, 4]);
  } finally {
    await bed.stop();
  }
});
