// `kubectl apply --server-side` (1.27 and 1.33, plus the machine's default)
// against our apiserver: create, re-apply after editing the manifest,
// conflicts with another manager, --force-conflicts, --show-managed-fields.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { startTestApiServer, TestApiServer } from '../harness/api-server';
import { kubectlEnv, KubectlEnv, versionedKubectls } from '../harness/kubectl';

const binaries = versionedKubectls(['1.27', '1.33']);
let api: TestApiServer;
let env: KubectlEnv;
let home: string;
const kubectl = (bin: string, ...args: string[]) => env.kubectl(bin, ...args);

before(async () => {
  api = await startTestApiServer();
  env = kubectlEnv(api, 'kap-kubectl-ssa-');
  home = env.home;
});

after(async () => {
  await api?.stop();
  env?.cleanup();
});

function manifest(name: string, replicas: number, image: string, env: Record<string, string>): string {
  const envYaml = Object.entries(env)
    .map(([k, v]) => `        - name: ${k}\n          value: "${v}"\n`)
    .join('');
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels:
    app: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      containers:
      - name: main
        image: ${image}
${envYaml ? `        env:\n${envYaml}` : ''}`;
}

test('the machine has kubectl 1.27 and 1.33 to test with', () => {
  assert.equal(binaries.length, 2, `found ${binaries.join(', ')}`);
});

for (const bin of binaries) {
  const version = bin.split('/').pop()!;
  const name = `ssa-${version.replace(/[^0-9]/g, '')}`;

  test(`${version}: apply --server-side, re-apply an edited manifest, conflicts, --force-conflicts`, async () => {
    const file = join(home, `${name}.yaml`);
    writeFileSync(file, manifest(name, 2, 'busybox:1.35', { A: '1', B: '2' }));
    const created = await kubectl(bin, 'apply', '--server-side', '-f', file);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, new RegExp(`deployment.apps/${name} serverside-applied`));

    const shown = await kubectl(bin, 'get', 'deployment', name, '-o', 'yaml', '--show-managed-fields');
    assert.equal(shown.code, 0, shown.stderr);
    const obj = parseYaml(shown.stdout);
    const entry = obj.metadata.managedFields.find((e: any) => e.manager === 'kubectl' && e.operation === 'Apply');
    assert.ok(entry, shown.stdout);
    const container = entry.fieldsV1['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"main"}'];
    assert.deepEqual(Object.keys(container['f:env']).sort(), ['k:{"name":"A"}', 'k:{"name":"B"}']);
    const hidden = await kubectl(bin, 'get', 'deployment', name, '-o', 'yaml');
    assert.doesNotMatch(hidden.stdout, /managedFields/);

    // Edit the manifest: new image, env B dropped, replicas changed.
    writeFileSync(file, manifest(name, 3, 'busybox:1.36', { A: '1' }));
    const reapplied = await kubectl(bin, 'apply', '--server-side', '-f', file);
    assert.equal(reapplied.code, 0, reapplied.stderr);
    const after = JSON.parse((await kubectl(bin, 'get', 'deployment', name, '-o', 'json')).stdout);
    assert.equal(after.spec.replicas, 3);
    assert.equal(after.spec.template.spec.containers[0].image, 'busybox:1.36');
    assert.deepEqual(after.spec.template.spec.containers[0].env, [{ name: 'A', value: '1' }]);

    // A server-side dry run answers without storing anything.
    writeFileSync(join(home, `${name}-dry.yaml`), manifest(name, 7, 'busybox:1.36', { A: '1' }));
    const dry = await kubectl(bin, 'apply', '--server-side', '--dry-run=server', '-f', join(home, `${name}-dry.yaml`));
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /serverside-applied \(server dry run\)/);
    assert.equal(JSON.parse((await kubectl(bin, 'get', 'deployment', name, '-o', 'json')).stdout).spec.replicas, 3);

    // Another manager wants other replicas: refused with the conflicting field named.
    writeFileSync(join(home, `${name}-other.yaml`), manifest(name, 5, 'busybox:1.36', { A: '1' }));
    const clash = await kubectl(bin, 'apply', '--server-side', '--field-manager', 'other', '-f', join(home, `${name}-other.yaml`));
    assert.notEqual(clash.code, 0);
    assert.match(clash.stderr, /Apply failed with 1 conflict: conflict with "kubectl": \.spec\.replicas/);
    assert.match(clash.stderr, /force-conflicts/);

    const forced = await kubectl(bin, 'apply', '--server-side', '--field-manager', 'other', '--force-conflicts', '-f', join(home, `${name}-other.yaml`));
    assert.equal(forced.code, 0, forced.stderr);
    const owners = JSON.parse((await kubectl(bin, 'get', 'deployment', name, '-o', 'json', '--show-managed-fields')).stdout);
    assert.equal(owners.spec.replicas, 5);
    const other = owners.metadata.managedFields.find((e: any) => e.manager === 'other');
    const mine = owners.metadata.managedFields.find((e: any) => e.manager === 'kubectl');
    assert.ok(other.fieldsV1['f:spec']['f:replicas'], 'other owns .spec.replicas');
    assert.equal(mine.fieldsV1['f:spec']['f:replicas'], undefined, 'kubectl lost .spec.replicas');

    // A client-side patch takes the image; the next server-side apply conflicts with it.
    const patched = await kubectl(bin, 'set', 'image', `deployment/${name}`, 'main=busybox:1.37');
    assert.equal(patched.code, 0, patched.stderr);
    const clash2 = await kubectl(bin, 'apply', '--server-side', '-f', file);
    assert.notEqual(clash2.code, 0);
    assert.match(clash2.stderr, /Apply failed with 2 conflicts: conflicts with "kubectl-set" using apps\/v1:\n- \.spec\.template\.spec\.containers\[name="main"\]\.image\nconflicts with "other":\n- \.spec\.replicas/);
    const forced2 = await kubectl(bin, 'apply', '--server-side', '--force-conflicts', '-f', file);
    assert.equal(forced2.code, 0, forced2.stderr);

    const deleted = await kubectl(bin, 'delete', 'deployment', name, '--wait=false');
    assert.equal(deleted.code, 0, deleted.stderr);
  });
}

for (const bin of binaries) {
  const version = bin.split('/').pop()!;
  const name = `csa-${version.replace(/[^0-9]/g, '')}`;

  test(`${version}: an object made by client-side apply moves to server-side apply`, async () => {
    const file = join(home, `${name}.yaml`);
    writeFileSync(file, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: "1"\n  b: "2"\n`);
    const created = await kubectl(bin, 'apply', '-f', file);
    assert.equal(created.code, 0, created.stderr);
    writeFileSync(file, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: "9"\n`);
    const moved = await kubectl(bin, 'apply', '--server-side', '-f', file);
    assert.equal(moved.code, 0, moved.stderr);
    const obj = JSON.parse((await kubectl(bin, 'get', 'cm', name, '-o', 'json', '--show-managed-fields')).stdout);
    assert.deepEqual(obj.data, { a: '9' });
    // As on Kubernetes: kubectl owns the data, kubectl-last-applied the annotation it keeps in step.
    // (Sorted: entries of one operation are ordered by their time, which has a resolution of seconds.)
    assert.deepEqual(obj.metadata.managedFields.map((e: any) => `${e.manager}/${e.operation}`).sort(), ['kubectl-last-applied/Apply', 'kubectl/Apply']);
    assert.deepEqual(JSON.parse(obj.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).data, { a: '9' });
    // Client-side apply still works on it afterwards.
    writeFileSync(file, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: "9"\n  c: "3"\n`);
    const back = await kubectl(bin, 'apply', '-f', file);
    assert.equal(back.code, 0, back.stderr);
    assert.deepEqual(JSON.parse((await kubectl(bin, 'get', 'cm', name, '-o', 'json')).stdout).data, { a: '9', c: '3' });
  });
}
