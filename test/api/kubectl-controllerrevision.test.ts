// kubectl 1.27 and 1.33 against a DaemonSet's ControllerRevisions made by the
// controllers: `rollout history` (list and --revision), `rollout undo`, and
// `get controllerrevisions` with kubectl's columns.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types';
import type { RunningControllers } from '../../controllers/controller-set';
import { DaemonSet, daemonSetsResource } from '../../controllers/daemonset';
import { ControllerRevision, controllerRevisionsResource } from '../../controllers/daemonset-history';
import { createNamespace, eventually, modify, runControllers, startTestCluster, TestCluster } from '../controllers/cluster';
import { kubectlEnv, KubectlEnv, versionedKubectls } from '../harness/kubectl';

const binaries = versionedKubectls(['1.27', '1.33']);
let cluster: TestCluster;
let controllers: RunningControllers;
let env: KubectlEnv;

before(async () => {
  cluster = await startTestCluster();
  controllers = await runControllers(cluster.client);
  env = kubectlEnv(cluster.api, 'kap-kubectl-cr-');
});

after(async () => {
  await controllers?.stop();
  await cluster?.stop();
  env?.cleanup();
});

const imageOf = (ds: DaemonSet) => (ds.spec.template!.spec as { containers: Array<{ image: string }> }).containers[0].image;

async function setImage(ns: string, image: string): Promise<void> {
  await modify<DaemonSet>(cluster.client, daemonSetsResource, ns, 'agent', (ds) => {
    (ds.spec.template!.spec as { containers: Array<{ image: string }> }).containers[0].image = image;
    ds.metadata.annotations = { ...ds.metadata.annotations, 'kubernetes.io/change-cause': `image ${image}` };
  });
}

async function revisionsOf(ns: string): Promise<Array<[string, number]>> {
  const items = (await cluster.client.list<ControllerRevision>(controllerRevisionsResource, ns)).items;
  return items.map((r) => [imageOf({ spec: (r.data as { spec: DaemonSet['spec'] }).spec } as DaemonSet), r.revision] as [string, number]).sort((a, b) => a[1] - b[1]);
}

test('kubectl 1.27 and 1.33 are on the machine', () => {
  assert.equal(binaries.length, 2, `found ${binaries.join(', ')}`);
});

for (const bin of binaries) {
  const version = bin.split('.').slice(-2).join('.');
  const ns = `kap-kubectl-cr-${version.replace('.', '-')}`;

  test(`kubectl ${version}: rollout history and undo of a DaemonSet, get controllerrevisions`, async () => {
    const { client } = cluster;
    await createNamespace(client, ns);
    const ds: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', annotations: { 'kubernetes.io/change-cause': 'image busybox:1' } },
      spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'main', image: 'busybox:1' }] } } },
    };
    await client.create(daemonSetsResource, ns, ds);
    await eventually(async () => (await revisionsOf(ns)).length === 1, 'revision 1');
    await setImage(ns, 'busybox:2');
    await eventually(async () => (await revisionsOf(ns)).length === 2, 'revision 2');

    const kubectl = async (...args: string[]) => {
      const r = await env.kubectl(bin, '-n', ns, ...args);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout;
    };
    const history = await kubectl('rollout', 'history', 'daemonset/agent');
    assert.match(history, /^daemonset\.apps\/agent\s*\nREVISION\s+CHANGE-CAUSE\n1\s+image busybox:1\n2\s+image busybox:2\n/);
    const one = await kubectl('rollout', 'history', 'daemonset/agent', '--revision=1');
    assert.match(one, /with revision #1/);
    assert.match(one, /Image:\s+busybox:1/);

    const list = await kubectl('get', 'controllerrevisions');
    assert.match(list, /^NAME\s+CONTROLLER\s+REVISION\s+AGE\n/);
    assert.match(list, /^agent-\w+\s+daemonset\.apps\/agent\s+1\s+\d+s$/m);
    assert.match(list, /^agent-\w+\s+daemonset\.apps\/agent\s+2\s+\d+s$/m);

    assert.match(await kubectl('rollout', 'undo', 'daemonset/agent'), /daemonset\.apps\/agent rolled back/);
    assert.equal(imageOf(await client.get<DaemonSet>(daemonSetsResource, ns, 'agent')), 'busybox:1');
    const renumbered = await eventually(async () => {
      const r = await revisionsOf(ns);
      return r.some(([, n]) => n === 3) && r;
    }, 'the restored template to become revision 3');
    assert.deepEqual(renumbered, [['busybox:2', 2], ['busybox:1', 3]]);
  });
}
