// `kapstan up -d` with a manifest, then `kapstan down`: a whole single-node
// cluster comes up, runs the app, keeps the user's other kubeconfig
// contexts, and leaves nothing behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { freePort } from '../harness/ports';
import { processesMentioning, mountsUnder, stopEverythingUnder } from '../harness/cleanup';

const run = promisify(execFile);

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}
const ROOT = resolve(__dirname, '..', '..', '..');

/** Runs `kapstan up`; when it fails, the error carries what the daemon wrote to up.out. */
async function up(args: string[], dataDir: string, env: NodeJS.ProcessEnv): Promise<void> {
  try {
    await run(KAPSTAN, ['up', ...args, '--data-dir', dataDir], { env, timeout: 120_000 });
  } catch (err) {
    const out = join(dataDir, 'up.out');
    const tail = existsSync(out) ? readFileSync(out, 'utf8').slice(-4000) : '(no up.out)';
    throw new Error(`${(err as Error).message}\n--- up.out ---\n${tail}`);
  }
}
const KAPSTAN = join(ROOT, 'bin', 'kapstan');
const KCTL = join(ROOT, 'bin', 'kctl');

test('kapstan up -d runs the app; kapstan down leaves nothing behind', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kap-up-'));
  const dataDir = join(dir, 'data');
  const kubeconfig = join(dir, 'kubeconfig');
  // The user already has a context of their own, which must survive.
  writeFileSync(
    kubeconfig,
    'apiVersion: v1\nkind: Config\nclusters:\n- name: mine\n  cluster: {server: "https://127.0.0.1:1"}\nusers:\n- name: me\n  user: {token: abc}\ncontexts:\n- name: mine\n  context: {cluster: mine, user: me}\ncurrent-context: mine\n',
  );
  const manifest = join(dir, 'app.yaml');
  writeFileSync(
    manifest,
    [
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: kap-talker\n  labels: {app: kap-talker}\nspec:\n  terminationGracePeriodSeconds: 2\n  containers:\n  - name: main\n    image: busybox:1.35',
      '    command: ["sh", "-c", "mkdir /www && echo served-by-kapstan > /www/index.html && echo up-and-talking && exec httpd -f -p 8080 -h /www"]',
      '---',
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: kap-talker\nspec:\n  selector: {app: kap-talker}\n  ports:\n  - port: 80\n    targetPort: 8080\n',
    ].join('\n'),
  );
  const env = { ...process.env, KUBECONFIG: kubeconfig };
  const apiPort = await freePort();
  const etcdPort = await freePort();
  try {
    await up(['-d', '-f', manifest, '--listen', `127.0.0.1:${apiPort}`, '--etcd-client-port', String(etcdPort)], dataDir, env);

    const config = parse(readFileSync(kubeconfig, 'utf8'));
    assert.equal(config['current-context'], 'kapstan');
    assert.deepEqual(config.contexts.map((c: { name: string }) => c.name).sort(), ['kapstan', 'mine']);

    let phase = '';
    for (let i = 0; i < 200 && phase !== 'Running'; i++) {
      const { stdout } = await run(KCTL, ['get', 'pod', 'kap-talker', '-o', 'jsonpath={.status.phase}'], { env }).catch(() => ({ stdout: '' }));
      phase = stdout.trim();
      if (phase !== 'Running') await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(phase, 'Running');
    // The app's log is followed with a prefix per pod.
    const out = join(dataDir, 'up.out');
    for (let i = 0; i < 100 && !readFileSync(out, 'utf8').includes('up-and-talking'); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(readFileSync(out, 'utf8'), /kap-talker\/main\s+\| up-and-talking/);

    // The Service's ClusterIP answers from the node (nft DNAT to the pod on the node's bridge).
    const { stdout: clusterIP } = await run(KCTL, ['get', 'svc', 'kap-talker', '-o', 'jsonpath={.spec.clusterIP}'], { env });
    assert.match(clusterIP, /^10\.96\./);
    let page = '';
    for (let i = 0; i < 50 && !page.includes('served-by-kapstan'); i++) {
      page = await httpGet(`http://${clusterIP}/`).catch(() => '');
      if (!page.includes('served-by-kapstan')) await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(page.trim(), 'served-by-kapstan');

    await run(KAPSTAN, ['down', '--data-dir', dataDir], { env, timeout: 120_000 });
    const { stdout: routes } = await run('ip', ['route', 'show', 'dev', 'kap0']).catch(() => ({ stdout: '' }));
    assert.equal(routes, '', 'the node bridge is gone');
    assert.deepEqual(processesMentioning(dataDir), []);
    assert.deepEqual(mountsUnder(dataDir), []);
    assert.equal(existsSync(join(dataDir, 'up.pid')), false);
  } finally {
    // Whatever happened above, stop what is still running (by PID) and unmount.
    await stopEverythingUnder(dataDir);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('kapstan up -d with a compose file runs its services; kapstan convert prints them', async () => {
  const compose = join(ROOT, 'manifests', 'examples', 'compose.yaml');
  const { stdout: converted } = await run(KAPSTAN, ['convert', '-f', compose]);
  assert.match(converted, /kind: Deployment\n(.|\n)*name: web(.|\n)*replicas: 2/);

  const dir = mkdtempSync(join(tmpdir(), 'kap-upcompose-'));
  const dataDir = join(dir, 'data');
  const env = { ...process.env, KUBECONFIG: join(dir, 'kubeconfig') };
  try {
    // The example plus a service with a published port, reached as Docker Compose users do: on 127.0.0.1.
    const published = await freePort();
    const app = parse(readFileSync(compose, 'utf8'));
    app.services.site = {
      image: 'busybox:1.35',
      command: ['sh', '-c', 'mkdir -p /www && echo published by compose > /www/index.html && exec httpd -f -p 80 -h /www'],
      ports: [`${published}:80`],
    };
    const composeFile = join(dir, 'compose.yaml');
    writeFileSync(composeFile, stringify(app));
    await up(['-d', '-f', composeFile, '--listen', `127.0.0.1:${await freePort()}`, '--etcd-client-port', String(await freePort())], dataDir, env);
    const { stdout: clusterIP } = await run(KCTL, ['get', 'svc', 'web', '-o', 'jsonpath={.spec.clusterIP}'], { env });
    let page = '';
    for (let i = 0; i < 75 && !page.includes('hello from compose'); i++) {
      page = await httpGet(`http://${clusterIP}/`).catch(() => '');
      if (!page.includes('hello from compose')) await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(page.trim(), 'hello from compose');
    const { stdout: ready } = await run(KCTL, ['get', 'deploy', 'web', '-o', 'jsonpath={.status.readyReplicas}'], { env });
    assert.equal(ready, '2');
    let local = '';
    for (let i = 0; i < 75 && !local.includes('published by compose'); i++) {
      local = await httpGet(`http://127.0.0.1:${published}/`).catch(() => '');
      if (!local.includes('published by compose')) await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(local.trim(), 'published by compose', `ports: ["${published}:80"] answers on 127.0.0.1:${published}`);
    await run(KAPSTAN, ['down', '--data-dir', dataDir], { env, timeout: 120_000 });
    assert.deepEqual(processesMentioning(dataDir), []);
    assert.deepEqual(mountsUnder(dataDir), []);
  } finally {
    await stopEverythingUnder(dataDir);
    rmSync(dir, { recursive: true, force: true });
  }
});
