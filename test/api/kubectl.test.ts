// The machine's own kubectl (several versions) against our apiserver.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApiServer, TestApiServer } from '../harness/api-server';
import { defaultKubectl, kubectlEnv, KubectlEnv, versionedKubectls } from '../harness/kubectl';

const main = defaultKubectl();
const binaries = main ? [main, ...versionedKubectls(['1.27', '1.30', '1.33'])] : [];
let api: TestApiServer;
let env: KubectlEnv;
let home: string;
let kubeconfig: string;

before(async () => {
  api = await startTestApiServer();
  env = kubectlEnv(api);
  ({ home, kubeconfig } = env);
});

after(async () => {
  await api?.stop();
  env?.cleanup();
});

const kubectl = (bin: string, ...args: string[]) => env.kubectl(bin, ...args);

test('the machine has kubectl to test with', () => {
  assert.ok(binaries.length > 0, 'kubectl is not installed');
});

for (const bin of binaries) {
  const version = bin.split('/').pop();
  const suffix = version!.replace(/[^0-9a-z]/gi, '');

  test(`${version}: get, create -f, delete`, async () => {
    const ns = await kubectl(bin, 'get', 'namespaces');
    assert.equal(ns.code, 0, ns.stderr);
    assert.match(ns.stdout, /^NAME\s+.*AGE/m);
    assert.match(ns.stdout, /^default\s/m);

    const file = join(home, `cm-${suffix}.yaml`);
    writeFileSync(file, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-kubectl-${suffix}\n  labels:\n    made-by: kubectl\ndata:\n  greeting: hello\n`);
    const created = await kubectl(bin, 'create', '-f', file);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, new RegExp(`configmap/from-kubectl-${suffix} created`));

    const json = await kubectl(bin, 'get', 'cm', `from-kubectl-${suffix}`, '-o', 'json');
    assert.equal(json.code, 0, json.stderr);
    assert.equal(JSON.parse(json.stdout).data.greeting, 'hello');

    const byLabel = await kubectl(bin, 'get', 'configmaps', '-l', 'made-by=kubectl', '-o', 'name');
    assert.match(byLabel.stdout, new RegExp(`configmap/from-kubectl-${suffix}`));

    const missing = await kubectl(bin, 'get', 'cm', 'does-not-exist');
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /Error from server \(NotFound\): configmaps "does-not-exist" not found/);

    const deleted = await kubectl(bin, 'delete', 'cm', `from-kubectl-${suffix}`);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, new RegExp(`configmap "from-kubectl-${suffix}" deleted`));
    const after = await kubectl(bin, 'get', 'cm', `from-kubectl-${suffix}`);
    assert.notEqual(after.code, 0);
  });

  test(`${version}: get -w streams changes`, async () => {
    const name = `watched-${suffix}`;
    const marker = join(home, `marker-${suffix}.yaml`);
    writeFileSync(marker, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: marker-${suffix}\n`);
    assert.equal((await kubectl(bin, 'create', '-f', marker)).code, 0);
    const child = spawn(bin, ['--kubeconfig', kubeconfig, 'get', 'configmaps', '-w', '-o', 'name'], { env: { ...process.env, HOME: home } });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    try {
      // The initial list (with the marker) shows the watch is running.
      const listed = Date.now() + 20_000;
      while (!out.includes(`configmap/marker-${suffix}`) && Date.now() < listed) await new Promise((r) => setTimeout(r, 50));
      assert.ok(out.includes(`configmap/marker-${suffix}`), `initial list: ${out} ${err}`);
      const file = join(home, `${name}.yaml`);
      writeFileSync(file, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`);
      const created = await kubectl(bin, 'create', '-f', file);
      assert.equal(created.code, 0, created.stderr);
      const deadline = Date.now() + 20_000;
      while (!out.includes(`configmap/${name}`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.ok(out.includes(`configmap/${name}`), `watch printed: ${out} ${err}`);
    } finally {
      child.kill('SIGTERM');
    }
  });
}
