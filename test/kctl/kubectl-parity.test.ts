// The machine's kubectl against our apiserver and controllers does the same
// workload operations kctl does, with the same words: scale, rollout status
// (success and progress deadline), set image, history (byte-equal to kctl's),
// undo, pause and resume.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import type { RunningControllers } from '../../controllers/controller-set';
import type { Deployment } from '../../controllers/workload-types';
import { createNamespace, deployment, eventually, markAllReady, resources, runControllers, startTestCluster, TestCluster } from '../controllers/cluster';
import { kctlRunner, KctlRunner } from './kctl-runner';

const kubectlPath = (() => {
  try {
    return execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
})();

let cluster: TestCluster;
let controllers: RunningControllers;
let runner: KctlRunner;

before(async () => {
  if (!kubectlPath) return;
  cluster = await startTestCluster();
  controllers = await runControllers(cluster.client);
  runner = kctlRunner(cluster.api);
});

after(async () => {
  try {
    await controllers?.stop();
    await cluster?.stop();
  } finally {
    runner?.cleanup();
  }
});

function kubectl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(kubectlPath!, ['--kubeconfig', runner.kubeconfig, ...args], { env: { ...process.env, HOME: runner.home }, timeout: 60_000 }, (err, out, errText) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, out, err: errText });
    });
  });
}

const getDeployment = (ns: string, name: string) => cluster.client.get<Deployment>(resources.deployments, ns, name);
const imageOf = (d: Deployment) => (d.spec.template?.spec?.containers as Array<{ image: string }>)[0].image;

test('kubectl scale / rollout status / set image / history / undo / pause / resume against Kapstan', { skip: !kubectlPath && 'no kubectl on this machine' }, async () => {
  const ns = 'kap-kubectl-rollout';
  await createNamespace(cluster.client, ns);
  await cluster.client.create(resources.deployments, ns, deployment('web', 1));

  assert.deepEqual(await kubectl('scale', 'deployment/web', '--replicas=2', '-n', ns), { code: 0, out: 'deployment.apps/web scaled\n', err: '' });
  assert.equal((await getDeployment(ns, 'web')).spec.replicas, 2);

  // kubectl waits on its watch while we play the agent.
  const agent = setInterval(() => void markAllReady(cluster.client, ns).catch(() => undefined), 50);
  try {
    const status = await kubectl('rollout', 'status', 'deployment/web', '--timeout=30s', '-n', ns);
    assert.equal(status.code, 0, status.err);
    assert.equal(status.out.trimEnd().split('\n').at(-1), 'deployment "web" successfully rolled out');

    assert.deepEqual(await kubectl('set', 'image', 'deployment/web', 'main=busybox:2', '-n', ns), { code: 0, out: 'deployment.apps/web image updated\n', err: '' });
    const second = await kubectl('rollout', 'status', 'deployment/web', '--timeout=30s', '-n', ns);
    assert.equal(second.code, 0, second.err);

    const theirs = await kubectl('rollout', 'history', 'deployment/web', '-n', ns);
    const ours = await runner.run(['rollout', 'history', 'deployment/web', '-n', ns]);
    assert.equal(theirs.code, 0, theirs.err);
    assert.equal(theirs.out, 'deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n');
    assert.equal(ours.out, theirs.out);

    assert.deepEqual(await kubectl('rollout', 'undo', 'deployment/web', '-n', ns), { code: 0, out: 'deployment.apps/web rolled back\n', err: '' });
    assert.equal(imageOf(await getDeployment(ns, 'web')), 'busybox:1');
    const back = await kubectl('rollout', 'status', 'deployment/web', '--timeout=30s', '-n', ns);
    assert.equal(back.code, 0, back.err);
    const historyAfterUndo = await kubectl('rollout', 'history', 'deployment/web', '-n', ns);
    assert.equal(historyAfterUndo.out, (await runner.run(['rollout', 'history', 'deployment/web', '-n', ns])).out);
    assert.match(historyAfterUndo.out, /\n2 +<none>\n3 +<none>\n/);

    assert.deepEqual(await kubectl('rollout', 'pause', 'deployment/web', '-n', ns), { code: 0, out: 'deployment.apps/web paused\n', err: '' });
    assert.equal((await getDeployment(ns, 'web')).spec.paused, true);
    assert.deepEqual(await kubectl('rollout', 'resume', 'deployment/web', '-n', ns), { code: 0, out: 'deployment.apps/web resumed\n', err: '' });
    assert.ok(!(await getDeployment(ns, 'web')).spec.paused);
  } finally {
    clearInterval(agent);
  }

  await cluster.client.create(resources.deployments, ns, deployment('stuck', 1, 'busybox:1', { progressDeadlineSeconds: 1 }));
  await eventually(async () => (await getDeployment(ns, 'stuck')).status?.conditions?.some((c) => c.reason === 'ProgressDeadlineExceeded'), 'the deadline to pass');
  const theirs = await kubectl('rollout', 'status', 'deployment/stuck', '-n', ns);
  const ours = await runner.run(['rollout', 'status', 'deployment/stuck', '-n', ns]);
  assert.equal(theirs.code, 1);
  assert.equal(theirs.err, 'error: deployment "stuck" exceeded its progress deadline\n');
  assert.deepEqual([ours.code, ours.err], [theirs.code, theirs.err]);
});
