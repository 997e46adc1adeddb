// The kubectl commands people type every day, with the machine's kubectl 1.27
// and 1.33 (and the default one), against a real apiserver on a real etcd. No
// controllers run here: where a command waits on what a controller would write,
// the test writes that status itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApiServer, TestApiServer } from '../harness/api-server';
import { defaultKubectl, kubectlEnv, KubectlEnv, versionedKubectls } from '../harness/kubectl';
import { request } from '../harness/http';

const main = defaultKubectl();
const binaries = main ? [main, ...versionedKubectls(['1.27', '1.33'])] : [];
let api: TestApiServer;
let env: KubectlEnv;

before(async () => {
  api = await startTestApiServer();
  env = kubectlEnv(api, 'kap-kubectl-everyday-');
});

after(async () => {
  await api?.stop();
  env?.cleanup();
});

const kubectl = (bin: string, ...args: string[]) => env.kubectl(bin, ...args);

async function ok(bin: string, ...args: string[]): Promise<string> {
  const r = await kubectl(bin, ...args);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function file(name: string, text: string): string {
  const path = join(env.home, name);
  writeFileSync(path, text);
  return path;
}

const deploymentYaml = (name: string, replicas = 1) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers: [{name: c, image: nginx}]
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('the machine has kubectl 1.27 and 1.33 to test with', () => {
  assert.equal(binaries.length, 3, `kubectl binaries: ${binaries.join(', ')}`);
});

for (const bin of binaries) {
  const version = bin.split('/').pop()!;
  const v = version.replace(/[^0-9a-z]/gi, '');

  test(`${version}: cluster-info, api-versions, api-resources -o wide list the reviews`, async () => {
    const info = (await ok(bin, 'cluster-info')).replace(/\x1b\[[0-9;]*m/g, ''); // 1.27 colours its output
    assert.match(info, /Kubernetes control plane is running at https:\/\/127\.0\.0\.1:\d+/);
    const versions = (await ok(bin, 'api-versions')).split('\n');
    for (const gv of ['v1', 'apps/v1', 'authorization.k8s.io/v1', 'authentication.k8s.io/v1']) assert.ok(versions.includes(gv), gv);
    const resources = await ok(bin, 'api-resources', '-o', 'wide');
    assert.match(resources, /^selfsubjectaccessreviews\s+authorization\.k8s\.io\/v1\s+false\s+SelfSubjectAccessReview\s+create/m);
    assert.match(resources, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment\s+create,delete,.*watch\s+all/m);
  });

  test(`${version}: auth can-i says yes to the admin; auth whoami names it`, async () => {
    assert.equal((await ok(bin, 'auth', 'can-i', 'create', 'pods')).trim(), 'yes');
    assert.equal((await ok(bin, 'auth', 'can-i', '*', '*', '-A')).trim(), 'yes');
    assert.match(await ok(bin, 'auth', 'can-i', '--list'), /^\*\.\*\s+\[\]\s+\[\]\s+\[\*\]/m);
    // 1.27 asks authentication.k8s.io/v1beta1, later versions v1.
    const who = await ok(bin, 'auth', 'whoami');
    assert.match(who, /^Username\s+kapstan-admin$/m);
    assert.match(who, /^Groups\s+\[system:masters system:authenticated\]$/m);
    const jane = await ok(bin, 'auth', 'whoami', '--as', 'jane', '--as-group', 'dev');
    assert.match(jane, /^Username\s+jane$/m);
    assert.match(jane, /^Groups\s+\[dev system:authenticated\]$/m);
  });

  test(`${version}: explain prints descriptions (OpenAPI v2 for 1.27, v3 later)`, async () => {
    const out = await ok(bin, 'explain', 'deployment.spec.strategy');
    assert.match(out, /FIELD: +strategy <DeploymentStrategy>/);
    assert.match(out, /DESCRIPTION:\n\s+How existing pods are replaced/);
    assert.match(out, /type\t<string>[\s\S]*"Recreate" deletes all old pods/);
    assert.doesNotMatch(out, /<empty>|<no description>/);
  });

  test(`${version}: autoscale and top fail with Kubernetes' messages for APIs not served`, async () => {
    await ok(bin, 'create', 'deployment', `hpa-${v}`, '--image=nginx');
    const hpa = await kubectl(bin, 'autoscale', 'deployment', `hpa-${v}`, '--max=3');
    assert.notEqual(hpa.code, 0);
    assert.match(hpa.stderr, /Error from server \(NotFound\): the server could not find the requested resource/);
    const top = await kubectl(bin, 'top', 'pods');
    assert.notEqual(top.code, 0);
    assert.match(top.stderr, /Metrics API not available/);
  });

  test(`${version}: create generators, expose, get all, sort-by, custom-columns, config view`, async () => {
    assert.match(await ok(bin, 'create', 'deployment', `web-${v}`, '--image=nginx', '--replicas=2'), new RegExp(`deployment.apps/web-${v} created`));
    assert.match(await ok(bin, 'expose', 'deployment', `web-${v}`, '--port=80'), new RegExp(`service/web-${v} exposed`));
    const svc = JSON.parse(await ok(bin, 'get', 'svc', `web-${v}`, '-o', 'json'));
    assert.deepEqual(svc.spec.selector, { app: `web-${v}` });
    assert.match(svc.spec.clusterIP, /^10\.96\./);
    const all = await ok(bin, 'get', 'all');
    assert.match(all, new RegExp(`^deployment\\.apps/web-${v}\\s+0/2`, 'm'));
    assert.match(all, new RegExp(`^service/web-${v}\\s+ClusterIP`, 'm'));

    assert.match(await ok(bin, 'create', 'secret', 'generic', `s-${v}`, '--from-literal=user=admin'), new RegExp(`secret/s-${v} created`));
    assert.equal(Buffer.from(JSON.parse(await ok(bin, 'get', 'secret', `s-${v}`, '-o', 'json')).data.user, 'base64').toString(), 'admin');
    const f = file(`settings-${v}.conf`, 'a=1\n');
    await ok(bin, 'create', 'configmap', `conf-${v}`, `--from-file=${f}`);
    assert.deepEqual(JSON.parse(await ok(bin, 'get', 'cm', `conf-${v}`, '-o', 'json')).data, { [`settings-${v}.conf`]: 'a=1\n' });

    // --sort-by sorts on whole objects (includeObject=Object), here by a data field.
    for (const [name, rank] of [['b', '2'], ['a', '3'], ['c', '1']]) await ok(bin, 'create', 'configmap', `sort-${v}-${name}`, `--from-literal=rank=${rank}`);
    const sorted = await ok(bin, 'get', 'cm', '--sort-by=.data.rank', '-o', 'custom-columns=NAME:.metadata.name,RANK:.data.rank');
    const rows = sorted.split('\n').filter((l) => l.startsWith(`sort-${v}-`));
    assert.deepEqual(rows.map((l) => l.split(/\s+/)), [[`sort-${v}-c`, '1'], [`sort-${v}-b`, '2'], [`sort-${v}-a`, '3']]);
    const human = await ok(bin, 'get', 'cm', '--sort-by=.data.rank');
    assert.match(human, new RegExp(`sort-${v}-c[\\s\\S]*sort-${v}-b[\\s\\S]*sort-${v}-a`));

    const minified = await ok(bin, 'config', 'view', '--minify');
    assert.match(minified, /certificate-authority-data: DATA\+OMITTED/);
    assert.match(minified, new RegExp(`server: ${api.url.replace(/\./g, '\\.')}`));
  });

  test(`${version}: label, annotate, patch (merge, json, strategic), edit, replace, delete -l`, async () => {
    const name = `edit-${v}`;
    await ok(bin, 'create', '-f', file(`${name}.yaml`, deploymentYaml(name)));
    assert.match(await ok(bin, 'label', 'deploy', name, 'tier=web'), /labeled/);
    assert.match(await ok(bin, 'annotate', 'deploy', name, 'note=hello'), /annotate/);
    await ok(bin, 'patch', 'deploy', name, '--type=merge', '-p', '{"spec":{"replicas":2}}');
    await ok(bin, 'patch', 'deploy', name, '--type=json', '-p', '[{"op":"add","path":"/spec/minReadySeconds","value":5}]');
    await ok(bin, 'patch', 'deploy', name, '--type=strategic', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"nginx:2"}]}}}}');
    const editor = file(`editor-${v}.sh`, '#!/bin/sh\nsed -i "s/replicas: 2/replicas: 4/" "$1"\n');
    chmodSync(editor, 0o755);
    const viaEditor = await runWithEnv(bin, { EDITOR: editor }, 'edit', 'deploy', name);
    assert.equal(viaEditor.code, 0, viaEditor.stderr);
    assert.match(viaEditor.stdout, new RegExp(`deployment.apps/${name} edited`));

    let live = JSON.parse(await ok(bin, 'get', 'deploy', name, '-o', 'json'));
    assert.equal(live.spec.replicas, 4);
    assert.equal(live.spec.minReadySeconds, 5);
    assert.equal(live.spec.template.spec.containers[0].image, 'nginx:2');
    assert.equal(live.metadata.labels.tier, 'web');
    assert.equal(live.metadata.annotations.note, 'hello');

    live.spec.replicas = 6;
    assert.match(await ok(bin, 'replace', '-f', file(`${name}-replace.json`, JSON.stringify(live))), /replaced/);
    live = JSON.parse(await ok(bin, 'get', 'deploy', name, '-o', 'json'));
    assert.equal(live.spec.replicas, 6);

    assert.match(await ok(bin, 'delete', 'deploy', '-l', 'tier=web', '--wait'), new RegExp(`deployment.apps "${name}" deleted`));
    assert.notEqual((await kubectl(bin, 'get', 'deploy', name)).code, 0);
  });

  test(`${version}: server-side dry run: diff, apply --dry-run=server, create --dry-run=server write nothing`, async () => {
    const name = `dry-${v}`;
    const manifest = file(`${name}.yaml`, `${deploymentYaml(name)}---\napiVersion: v1\nkind: Service\nmetadata: {name: ${name}}\nspec:\n  ports: [{port: 80}]\n  selector: {app: ${name}}\n`);
    // A new object: the diff shows what the server would create, defaults and ClusterIP included.
    const diff = await kubectl(bin, 'diff', '-f', manifest);
    assert.equal(diff.code, 1, diff.stderr);
    assert.match(diff.stdout, /\+\s+progressDeadlineSeconds: 600/);
    assert.match(diff.stdout, /\+\s+clusterIP: 10\.96\./);
    assert.match(await ok(bin, 'apply', '--dry-run=server', '-f', manifest), /\(server dry run\)/);
    assert.match(await ok(bin, 'apply', '--server-side', '--dry-run=server', '-f', manifest), /\(server dry run\)/);
    assert.notEqual((await kubectl(bin, 'get', 'deploy', name)).code, 0, 'nothing was created');
    assert.notEqual((await kubectl(bin, 'get', 'svc', name)).code, 0, 'nothing was created');

    await ok(bin, 'apply', '-f', manifest);
    const unchanged = await kubectl(bin, 'diff', '-f', manifest);
    assert.equal(unchanged.code, 0, `${unchanged.stdout}${unchanged.stderr}`);
    const scaled = file(`${name}-3.yaml`, deploymentYaml(name, 3));
    const changed = await kubectl(bin, 'diff', '-f', scaled);
    assert.equal(changed.code, 1, changed.stderr);
    assert.match(changed.stdout, /-\s+replicas: 1\n\+\s+replicas: 3/);
    await ok(bin, 'apply', '--dry-run=server', '-f', scaled);
    assert.equal(JSON.parse(await ok(bin, 'get', 'deploy', name, '-o', 'json')).spec.replicas, 1);

    const invalid = await kubectl(bin, 'apply', '--dry-run=server', '-f', file(`${name}-bad.yaml`, deploymentYaml(name, -1)));
    assert.notEqual(invalid.code, 0);
    assert.match(invalid.stderr, /spec\.replicas: Invalid value: -1/);
    const taken = await kubectl(bin, 'create', 'deployment', name, '--image=nginx', '--dry-run=server');
    assert.notEqual(taken.code, 0);
    assert.match(taken.stderr, new RegExp(`deployments.apps "${name}" already exists`));
    assert.match(await ok(bin, 'delete', '-f', manifest, '--dry-run=server'), /deleted \(server dry run\)/);
    await ok(bin, 'get', 'deploy', name);
  });

  test(`${version}: wait for a condition, a jsonpath value and deletion`, async () => {
    const name = `wait-${v}`;
    await ok(bin, 'create', '-f', file(`${name}.yaml`, deploymentYaml(name)));
    const available = kubectl(bin, 'wait', '--for=condition=Available', `deploy/${name}`, '--timeout=30s');
    const replicas = kubectl(bin, 'wait', `--for=jsonpath={.status.readyReplicas}=1`, `deploy/${name}`, '--timeout=30s');
    await sleep(500);
    // What the Deployment controller would report once its pod is available.
    const status = await request(api, 'PATCH', `/apis/apps/v1/namespaces/default/deployments/${name}/status`, {
      contentType: 'application/merge-patch+json',
      body: { status: { replicas: 1, readyReplicas: 1, availableReplicas: 1, conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'ok' }] } },
    });
    assert.equal(status.status, 200, status.text);
    for (const r of [await available, await replicas]) {
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`deployment.apps/${name} condition met`));
    }

    // A finalizer keeps the object after the delete; wait --for=delete ends when it goes.
    await ok(bin, 'create', '-f', file(`${name}-cm.yaml`, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  finalizers: [example.com/hold]\n`));
    await ok(bin, 'delete', 'cm', name, '--wait=false');
    const gone = kubectl(bin, 'wait', '--for=delete', `cm/${name}`, '--timeout=30s');
    await sleep(500);
    await ok(bin, 'patch', 'cm', name, '--type=merge', '-p', '{"metadata":{"finalizers":null}}');
    const r = await gone;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`configmap/${name} condition met`));
  });

  test(`${version}: events: get events, kubectl events, get -w --output-watch-events`, async () => {
    const name = `ev-${v}`;
    const ev = await request(api, 'POST', '/api/v1/namespaces/default/events', {
      body: {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `${name}.1` },
        involvedObject: { kind: 'Deployment', apiVersion: 'apps/v1', name, namespace: 'default' },
        reason: 'Testing',
        message: `hello from ${name}`,
        type: 'Normal',
        count: 1,
        firstTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        lastTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        source: { component: 'kap-test' },
      },
    });
    assert.equal(ev.status, 201, ev.text);
    assert.match(await ok(bin, 'get', 'events'), new RegExp(`Normal\\s+Testing\\s+deployment/${name}\\s+hello from ${name}`));
    assert.match(await ok(bin, 'get', 'events', '--sort-by=.lastTimestamp'), new RegExp(`hello from ${name}`));
    assert.match(await ok(bin, 'events', `--for=deployment/${name}`), new RegExp(`Testing\\s+Deployment/${name}\\s+hello from ${name}`));

    const child = spawn(bin, ['--kubeconfig', env.kubeconfig, 'get', 'cm', '-w', '--output-watch-events'], { env: { ...process.env, HOME: env.home } });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    try {
      await until(() => /^EVENT\s+NAME/m.test(out));
      await ok(bin, 'create', 'configmap', `watched-${v}`);
      await until(() => new RegExp(`^ADDED\\s+watched-${v}\\s`, 'm').test(out));
      await ok(bin, 'delete', 'configmap', `watched-${v}`);
      await until(() => new RegExp(`^DELETED\\s+watched-${v}\\s`, 'm').test(out));
    } finally {
      child.kill('SIGTERM');
    }
  });

  test(`${version}: apply -k (kustomize, client side)`, async () => {
    const dir = join(env.home, `kust-${v}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'kustomization.yaml'), `namePrefix: k-\nresources: [cm.yaml]\nlabels:\n- pairs: {team: t${v}}\n`);
    writeFileSync(join(dir, 'cm.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: one-${v}}\ndata: {a: b}\n`);
    assert.match(await ok(bin, 'apply', '-k', dir), new RegExp(`configmap/k-one-${v} created`));
    assert.match(await ok(bin, 'get', 'cm', '-l', `team=t${v}`, '-o', 'name'), new RegExp(`configmap/k-one-${v}`));
    assert.match(await ok(bin, 'apply', '-k', dir), /unchanged/);
    assert.match(await ok(bin, 'delete', '-k', dir), /deleted/);
  });
}

test('dryRun values other than All are refused before anything is written', async () => {
  const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dry-typo' } };
  const refused = await request(api, 'POST', '/api/v1/namespaces/default/configmaps?dryRun=true', { body });
  assert.equal(refused.status, 422, refused.text);
  assert.match(refused.body.message, /dryRun: Unsupported value: "true": supported values: "All"/);
  assert.equal((await request(api, 'GET', '/api/v1/namespaces/default/configmaps/dry-typo')).status, 404);
  const rehearsed = await request(api, 'POST', '/api/v1/namespaces/default/configmaps?dryRun=All', { body });
  assert.equal(rehearsed.status, 201, rehearsed.text);
  assert.equal(rehearsed.body.metadata.name, 'dry-typo');
  assert.equal((await request(api, 'GET', '/api/v1/namespaces/default/configmaps/dry-typo')).status, 404);
});

async function until(check: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await sleep(50);
  assert.ok(check(), 'timed out');
}

function runWithEnv(bin: string, extra: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(bin, ['--kubeconfig', env.kubeconfig, ...args], { env: { ...process.env, HOME: env.home, ...extra } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}
