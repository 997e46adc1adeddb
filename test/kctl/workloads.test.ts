// kctl's workload commands (scale, rollout, set image, create job --from)
// against a real apiserver on etcd with the controllers running; the tests
// play the node agent by marking pods ready (test/controllers/cluster.ts).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findByKind } from '../../api/resources';
import type { KubeObject } from '../../api/types';
import type { RunningControllers } from '../../controllers/controller-set';
import type { Deployment, ReplicaSet } from '../../controllers/workload-types';
import { createNamespace, deployment, eventually, listPods, markAllReady, replicaSet, resources, runControllers, startTestCluster, TestCluster } from '../controllers/cluster';
import { kctlRunner, KctlRunner } from './kctl-runner';

const daemonSets = findByKind('apps/v1', 'DaemonSet')!;
const cronJobs = findByKind('batch/v1', 'CronJob')!;
const jobs = findByKind('batch/v1', 'Job')!;

let cluster: TestCluster;
let controllers: RunningControllers;
let kctl: KctlRunner['run'];
let runner: KctlRunner;

before(async () => {
  cluster = await startTestCluster();
  controllers = await runControllers(cluster.client);
  runner = kctlRunner(cluster.api);
  kctl = runner.run;
});

after(async () => {
  try {
    await controllers?.stop();
    await cluster?.stop();
  } finally {
    runner?.cleanup();
  }
});

const getDeployment = (ns: string, name: string) => cluster.client.get<Deployment>(resources.deployments, ns, name);
const replicaSetsOf = async (ns: string) => (await cluster.client.list<ReplicaSet>(resources.replicaSets, ns)).items;
const imageOf = (d: Deployment | ReplicaSet) => (d.spec.template?.spec?.containers as Array<{ image: string }>)[0].image;
const revisionOf = (o: KubeObject) => o.metadata.annotations?.['deployment.kubernetes.io/revision'];

/** Plays the agent until the Deployment's rollout is complete. */
async function settle(ns: string, name: string): Promise<Deployment> {
  return eventually(async () => {
    await markAllReady(cluster.client, ns);
    const d = await getDeployment(ns, name);
    const s = d.status ?? {};
    const want = d.spec.replicas ?? 1;
    return (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) && s.updatedReplicas === want && s.replicas === want && s.availableReplicas === want && d;
  }, `deployment ${name} to finish its rollout`, 20_000);
}

function daemonSet(name: string): KubeObject {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name },
    spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'main', image: 'busybox:1' }] } } },
  };
}

async function newDeployment(ns: string, name: string, replicas: number, image = 'busybox:1', extra: Record<string, unknown> = {}): Promise<void> {
  await createNamespace(cluster.client, ns);
  await cluster.client.create(resources.deployments, ns, deployment(name, replicas, image, extra));
}

describe('scale', () => {
  test('sets replicas of a Deployment and a ReplicaSet through the scale subresource; --current-replicas is a precondition', async () => {
    const ns = 'kap-kctl-scale';
    await newDeployment(ns, 'web', 1);
    const scaled = await kctl(['scale', 'deployment/web', '--replicas=3', '-n', ns]);
    assert.deepEqual(scaled, { code: 0, out: 'deployment.apps/web scaled\n', err: '' });
    assert.equal((await getDeployment(ns, 'web')).spec.replicas, 3);
    await eventually(async () => (await listPods(cluster.client, ns, 'app=web')).length === 3, '3 pods');

    const wrong = await kctl(['scale', 'deploy', 'web', '--replicas=1', '--current-replicas=2', '-n', ns]);
    assert.equal(wrong.code, 1);
    assert.equal(wrong.err, 'error: Expected replicas to be 2, was 3\n');
    assert.equal((await getDeployment(ns, 'web')).spec.replicas, 3);
    const right = await kctl(['scale', 'deploy', 'web', '--replicas=1', '--current-replicas=3', '-n', ns]);
    assert.equal(right.code, 0, right.err);
    assert.equal((await getDeployment(ns, 'web')).spec.replicas, 1);

    await cluster.client.create(resources.replicaSets, ns, replicaSet('bare', 1));
    const rs = await kctl(['scale', 'rs/bare', '--replicas=2', '-n', ns]);
    assert.equal(rs.out, 'replicaset.apps/bare scaled\n');
    assert.equal((await cluster.client.get<ReplicaSet>(resources.replicaSets, ns, 'bare')).spec.replicas, 2);
  });

  test('a DaemonSet is refused (no scale subresource) and left unchanged; a missing --replicas is a usage error', async () => {
    const ns = 'kap-kctl-scale-ds';
    await createNamespace(cluster.client, ns);
    const created = await cluster.client.create(daemonSets, ns, daemonSet('agent'));
    const res = await kctl(['scale', 'daemonset/agent', '--replicas=2', '-n', ns]);
    assert.equal(res.code, 1);
    assert.equal(res.out, '');
    assert.match(res.err, /^error: daemonsets\.apps "agent" cannot be scaled/);
    // The DaemonSet controller writes status meanwhile; the spec must be untouched.
    const live = await cluster.client.get(daemonSets, ns, 'agent');
    assert.equal(live.metadata.generation, created.metadata.generation);
    assert.equal((live.spec as { replicas?: number }).replicas, undefined);

    const usage = await kctl(['scale', 'deployment/web', '-n', ns]);
    assert.equal(usage.code, 1);
    assert.match(usage.err, /--replicas=COUNT flag is required/);
  });
});

describe('rollout status', () => {
  test('waits, printing kubectl messages, until the pods are ready; -w=false prints once', async () => {
    const ns = 'kap-kctl-status';
    await newDeployment(ns, 'web', 2);
    await eventually(async () => (await listPods(cluster.client, ns)).length === 2, '2 pods');
    await eventually(async () => (await getDeployment(ns, 'web')).status?.updatedReplicas === 2, 'updated replicas');

    const once = await kctl(['rollout', 'status', 'deployment/web', '-w=false', '-n', ns]);
    assert.equal(once.code, 0, once.err);
    assert.equal(once.out, 'Waiting for deployment "web" rollout to finish: 0 of 2 updated replicas are available...\n');

    let waiting!: () => void;
    const sawWaiting = new Promise<void>((r) => (waiting = r));
    const following = kctl(['rollout', 'status', 'deployment/web', '-n', ns], { onOutput: (o) => o.includes('Waiting for deployment') && waiting() });
    await sawWaiting;
    await settle(ns, 'web');
    const res = await following;
    assert.equal(res.code, 0, res.err);
    const lines = res.out.trimEnd().split('\n');
    assert.equal(lines.at(-1), 'deployment "web" successfully rolled out');
    for (const l of lines.slice(0, -1)) assert.match(l, /^Waiting for deployment "web" rollout to finish: \d of 2 updated replicas are available\.\.\.$/);

    const done = await kctl(['rollout', 'status', 'deploy', 'web', '-n', ns]);
    assert.deepEqual(done, { code: 0, out: 'deployment "web" successfully rolled out\n', err: '' });
  });

  test('exits 1 with kubectl\'s message once the progress deadline is exceeded, and on --timeout', async () => {
    const ns = 'kap-kctl-deadline';
    await newDeployment(ns, 'stuck', 1, 'busybox:1', { progressDeadlineSeconds: 1 });
    const res = await kctl(['rollout', 'status', 'deployment/stuck', '-n', ns]);
    assert.equal(res.code, 1);
    assert.equal(res.err, 'error: deployment "stuck" exceeded its progress deadline\n');
    const cond = (await getDeployment(ns, 'stuck')).status?.conditions?.find((c) => c.type === 'Progressing');
    assert.equal(cond?.reason, 'ProgressDeadlineExceeded');

    await cluster.client.create(resources.deployments, ns, deployment('slow', 1));
    const timedOut = await kctl(['rollout', 'status', 'deployment/slow', '--timeout', '1s', '-n', ns]);
    assert.equal(timedOut.code, 1);
    assert.equal(timedOut.err, 'error: timed out waiting for the condition\n');
  });

  test('a DaemonSet with nothing to roll is done; a Pod has no status viewer', async () => {
    const ns = 'kap-kctl-status-ds';
    await createNamespace(cluster.client, ns);
    await cluster.client.create(daemonSets, ns, daemonSet('agent'));
    const res = await kctl(['rollout', 'status', 'ds/agent', '--timeout=20s', '-n', ns]);
    assert.equal(res.code, 0, res.err);
    assert.equal(res.out.trimEnd().split('\n').at(-1), 'daemon set "agent" successfully rolled out');

    const pod = await kctl(['rollout', 'status', 'pod/x', '-n', ns]);
    assert.equal(pod.code, 1);
    assert.equal(pod.err, 'error: no status viewer has been implemented for Pod\n');
  });
});

describe('set image, history, undo', () => {
  const ns = 'kap-kctl-revisions';

  test('set image makes revision 2; history lists both with change causes; --revision shows a template', async () => {
    await newDeployment(ns, 'app', 2, 'busybox:1');
    await settle(ns, 'app');
    const set = await kctl(['set', 'image', 'deployment/app', 'main=busybox:2', '-n', ns]);
    assert.deepEqual(set, { code: 0, out: 'deployment.apps/app image updated\n', err: '' });
    await settle(ns, 'app');
    const rss = await replicaSetsOf(ns);
    assert.deepEqual(rss.map((rs) => [revisionOf(rs), imageOf(rs)]).sort(), [['1', 'busybox:1'], ['2', 'busybox:2']]);

    const same = await kctl(['set', 'image', 'deployment/app', 'main=busybox:2', '-n', ns]);
    assert.deepEqual(same, { code: 0, out: '', err: '' }, 'nothing to change: nothing printed, no patch');
    const missing = await kctl(['set', 'image', 'deployment/app', 'nope=busybox:3', '-n', ns]);
    assert.equal(missing.code, 1);
    assert.equal(missing.err, 'error: unable to find container named "nope"\n');

    // A change cause set on the Deployment travels to the new ReplicaSet (as kubectl --record relied on).
    await cluster.client.patch(resources.deployments, ns, 'app', { metadata: { annotations: { 'kubernetes.io/change-cause': 'to busybox:2' } } }, 'application/merge-patch+json');
    await eventually(async () => (await replicaSetsOf(ns)).some((rs) => rs.metadata.annotations?.['kubernetes.io/change-cause'] === 'to busybox:2'), 'change cause on the ReplicaSet');
    const history = await kctl(['rollout', 'history', 'deployment/app', '-n', ns]);
    assert.equal(history.code, 0, history.err);
    assert.equal(history.out, 'deployment.apps/app \nREVISION  CHANGE-CAUSE\n1         <none>\n2         to busybox:2\n\n');

    const one = await kctl(['rollout', 'history', 'deployment/app', '--revision=1', '-n', ns]);
    assert.equal(one.code, 0, one.err);
    assert.match(one.out, /^deployment\.apps\/app with revision #1\nPod Template:\n {2}Labels:\tapp=app\n\tpod-template-hash=\w+\n {2}Containers:\n {3}main:\n {4}Image:\tbusybox:1\n/);
    const absent = await kctl(['rollout', 'history', 'deployment/app', '--revision=7', '-n', ns]);
    assert.equal(absent.code, 1);
    assert.equal(absent.err, 'error: unable to find the specified revision\n');
  });

  test('undo restores the previous image as revision 3; --to-revision picks one; a matching revision is skipped', async () => {
    const undo = await kctl(['rollout', 'undo', 'deployment/app', '-n', ns]);
    assert.deepEqual(undo, { code: 0, out: 'deployment.apps/app rolled back\n', err: '' });
    let d = await getDeployment(ns, 'app');
    assert.equal(imageOf(d), 'busybox:1');
    assert.equal(d.spec.template?.metadata?.labels?.['pod-template-hash'], undefined, 'the hash label is not copied back');
    assert.equal(d.metadata.annotations?.['kubernetes.io/change-cause'], undefined, "revision 1's annotations replace the Deployment's");
    d = await settle(ns, 'app');
    assert.equal(revisionOf(d), '3');
    const rss = await replicaSetsOf(ns);
    assert.equal(rss.length, 2, 'the old ReplicaSet was reused, not a new one made');
    assert.deepEqual(rss.map((rs) => [revisionOf(rs), imageOf(rs)]).sort(), [['2', 'busybox:2'], ['3', 'busybox:1']]);

    const to2 = await kctl(['rollout', 'undo', 'deployment/app', '--to-revision=2', '-n', ns]);
    assert.equal(to2.out, 'deployment.apps/app rolled back\n');
    assert.equal(imageOf(await getDeployment(ns, 'app')), 'busybox:2');
    assert.equal((await getDeployment(ns, 'app')).metadata.annotations?.['kubernetes.io/change-cause'], 'to busybox:2');
    await settle(ns, 'app');

    const skipped = await kctl(['rollout', 'undo', 'deployment/app', '--to-revision=4', '-n', ns]);
    assert.deepEqual(skipped, { code: 0, out: 'deployment.apps/app skipped rollback (current template already matches revision 4)\n', err: '' });
    const unknown = await kctl(['rollout', 'undo', 'deployment/app', '--to-revision=9', '-n', ns]);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.err, 'error: unable to find specified revision 9 in history\n');
  });
});

describe('DaemonSet history and undo (ControllerRevisions)', () => {
  const ns = 'kap-kctl-ds-revisions';
  const dsImage = async () => ((await cluster.client.get<KubeObject>(daemonSets, ns, 'agent')).spec as { template: { spec: { containers: Array<{ image: string }> } } }).template.spec.containers[0].image;
  const revisionCount = async () => (await cluster.client.list(findByKind('apps/v1', 'ControllerRevision')!, ns)).items.length;

  test('history lists the revisions; --revision shows one; undo and --to-revision restore templates; a matching revision is skipped', async () => {
    await createNamespace(cluster.client, ns);
    const ds = daemonSet('agent');
    ds.metadata.annotations = { 'kubernetes.io/change-cause': 'first' };
    await cluster.client.create(daemonSets, ns, ds);
    await eventually(async () => (await revisionCount()) === 1, 'revision 1');
    assert.equal((await kctl(['set', 'image', 'ds/agent', 'main=busybox:2', '-n', ns])).code, 0);
    await eventually(async () => (await revisionCount()) === 2, 'revision 2');

    const history = await kctl(['rollout', 'history', 'daemonset/agent', '-n', ns]);
    assert.equal(history.code, 0, history.err);
    assert.match(history.out, /^daemonset\.apps\/agent \nREVISION\s+CHANGE-CAUSE\n1\s+first\n2\s+\S+/);
    const one = await kctl(['rollout', 'history', 'daemonset/agent', '--revision=1', '-n', ns]);
    assert.match(one.out, /with revision #1/);
    assert.match(one.out, /Image:\s+busybox:1\n/);

    const undo = await kctl(['rollout', 'undo', 'daemonset/agent', '-n', ns]);
    assert.deepEqual(undo, { code: 0, out: 'daemonset.apps/agent rolled back\n', err: '' });
    assert.equal(await dsImage(), 'busybox:1');
    const to2 = await kctl(['rollout', 'undo', 'daemonset/agent', '--to-revision=2', '-n', ns]);
    assert.equal(to2.out, 'daemonset.apps/agent rolled back\n');
    assert.equal(await dsImage(), 'busybox:2');
    await eventually(async () => {
      const items = (await cluster.client.list<KubeObject & { revision: number }>(findByKind('apps/v1', 'ControllerRevision')!, ns)).items;
      return Math.max(...items.map((r) => r.revision)) >= 4;
    }, 'the controller renumbers the restored revision');
    const history4 = await kctl(['rollout', 'history', 'daemonset/agent', '-n', ns]);
    const newest = Number(history4.out.trim().split('\n').at(-1)!.split(/\s+/)[0]);
    const skipped = await kctl(['rollout', 'undo', 'daemonset/agent', `--to-revision=${newest}`, '-n', ns]);
    assert.equal(skipped.out, `daemonset.apps/agent skipped rollback (current template already matches revision ${newest})\n`);
    const unknown = await kctl(['rollout', 'undo', 'daemonset/agent', '--to-revision=99', '-n', ns]);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.err, 'error: unable to find specified revision 99 in history\n');
  });
});

describe('restart, pause, resume', () => {
  test('restart rolls a new ReplicaSet; a paused Deployment starts no rollout until resumed', async () => {
    const ns = 'kap-kctl-pause';
    await newDeployment(ns, 'app', 2);
    await settle(ns, 'app');
    const restart = await kctl(['rollout', 'restart', 'deployment/app', '-n', ns]);
    assert.deepEqual(restart, { code: 0, out: 'deployment.apps/app restarted\n', err: '' });
    const d = await settle(ns, 'app');
    assert.match(d.spec.template?.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const afterRestart = await replicaSetsOf(ns);
    assert.equal(afterRestart.length, 2);
    assert.equal(afterRestart.find((rs) => revisionOf(rs) === '2')?.spec.template?.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'], d.spec.template?.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']);

    assert.deepEqual(await kctl(['rollout', 'pause', 'deployment/app', '-n', ns]), { code: 0, out: 'deployment.apps/app paused\n', err: '' });
    const again = await kctl(['rollout', 'pause', 'deployment/app', '-n', ns]);
    assert.equal(again.code, 1);
    assert.equal(again.err, 'error: deployments.apps "app" is already paused\n');
    const restartPaused = await kctl(['rollout', 'restart', 'deployment/app', '-n', ns]);
    assert.equal(restartPaused.err, 'error: deployments.apps "app" can\'t restart paused deployment (run rollout resume first)\n');
    const undoPaused = await kctl(['rollout', 'undo', 'deployment/app', '-n', ns]);
    assert.match(undoPaused.err, /^error: you cannot rollback a paused deployment; resume it first/);

    assert.equal((await kctl(['set', 'image', 'deployment/app', 'main=busybox:9', '-n', ns])).code, 0);
    // Once the controller has seen the new template, it still has made no ReplicaSet for it.
    await eventually(async () => {
      const cur = await getDeployment(ns, 'app');
      return (cur.status?.observedGeneration ?? 0) >= (cur.metadata.generation ?? 0);
    }, 'the paused template change to be observed');
    const paused = await replicaSetsOf(ns);
    assert.equal(paused.length, 2);
    assert.ok(!paused.some((rs) => imageOf(rs) === 'busybox:9'));
    const status = await kctl(['rollout', 'status', 'deployment/app', '-w=false', '-n', ns]);
    assert.match(status.out, /^Waiting for deployment "app" rollout to finish: 0 out of 2 new replicas have been updated\.\.\.\n$/);

    assert.deepEqual(await kctl(['rollout', 'resume', 'deployment/app', '-n', ns]), { code: 0, out: 'deployment.apps/app resumed\n', err: '' });
    assert.equal((await getDeployment(ns, 'app')).spec.paused, undefined);
    const resumedTwice = await kctl(['rollout', 'resume', 'deployment/app', '-n', ns]);
    assert.equal(resumedTwice.err, 'error: deployments.apps "app" is not paused\n');
    await settle(ns, 'app');
    const rss = await replicaSetsOf(ns);
    assert.equal(rss.find((rs) => imageOf(rs) === 'busybox:9')?.spec.replicas, 2);
  });
});

describe('set image on other kinds', () => {
  test("a Pod's containers and a DaemonSet's template, with *=IMAGE; a DaemonSet restarts, a Pod cannot", async () => {
    const ns = 'kap-kctl-set-pod';
    await createNamespace(cluster.client, ns);
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'solo' }, spec: { containers: [{ name: 'a', image: 'busybox:1' }, { name: 'b', image: 'busybox:1' }] } };
    await cluster.client.create(resources.pods, ns, pod);
    await cluster.client.create(daemonSets, ns, daemonSet('agent'));
    const res = await kctl(['set', 'image', 'pod/solo', 'ds/agent', '*=busybox:3', '-n', ns]);
    assert.deepEqual(res, { code: 0, out: 'pod/solo image updated\ndaemonset.apps/agent image updated\n', err: '' });
    const live = await cluster.client.get(resources.pods, ns, 'solo');
    assert.deepEqual((live.spec as { containers: Array<{ image: string }> }).containers.map((c) => c.image), ['busybox:3', 'busybox:3']);
    const ds = await cluster.client.get(daemonSets, ns, 'agent');
    assert.equal((ds.spec as { template: { spec: { containers: Array<{ image: string }> } } }).template.spec.containers[0].image, 'busybox:3');

    assert.deepEqual(await kctl(['rollout', 'restart', 'daemonset/agent', '-n', ns]), { code: 0, out: 'daemonset.apps/agent restarted\n', err: '' });
    const restarted = await cluster.client.get(daemonSets, ns, 'agent');
    assert.ok((restarted.spec as { template: { metadata: { annotations?: Record<string, string> } } }).template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt']);
    const podRestart = await kctl(['rollout', 'restart', 'pod/solo', '-n', ns]);
    assert.deepEqual([podRestart.code, podRestart.err], [1, 'error: pods "solo" restarting is not supported\n']);
  });
});

describe('create job --from', () => {
  test('makes a Job from the CronJob template, annotated manual and owned by the CronJob', async () => {
    const ns = 'kap-kctl-cronjob';
    await createNamespace(cluster.client, ns);
    const cj = await cluster.client.create(cronJobs, ns, {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'nightly' },
      spec: {
        schedule: '0 3 1 1 *',
        suspend: true,
        jobTemplate: {
          metadata: { labels: { team: 'data' }, annotations: { owner: 'ops' } },
          spec: { backoffLimit: 2, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'job', image: 'busybox:1', command: ['true'] }] } } },
        },
      },
    });
    const res = await kctl(['create', 'job', 'nightly-manual', '--from=cronjob/nightly', '-n', ns]);
    assert.deepEqual(res, { code: 0, out: 'job.batch/nightly-manual created\n', err: '' });
    const job = await cluster.client.get(jobs, ns, 'nightly-manual');
    assert.deepEqual(job.metadata.annotations, { 'cronjob.kubernetes.io/instantiate': 'manual', owner: 'ops' });
    assert.equal(job.metadata.labels?.team, 'data');
    assert.deepEqual(job.metadata.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'nightly', uid: cj.metadata.uid, controller: true }]);
    const spec = job.spec as { backoffLimit: number; template: { spec: { containers: Array<{ command: string[] }> } } };
    assert.equal(spec.backoffLimit, 2);
    assert.deepEqual(spec.template.spec.containers[0].command, ['true']);

    const notCron = await kctl(['create', 'job', 'x', '--from=deployment/web', '-n', ns]);
    assert.equal(notCron.code, 1);
    assert.match(notCron.err, /from must be an existing cronjob/);
  });
});
