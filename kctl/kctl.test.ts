// kctl end to end against a real apiserver on a real etcd: main() runs in this
// process with captured output, with a kubeconfig written like the server's.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startTestApiServer, TestApiServer } from '../test/harness/api-server';
import { request } from '../test/harness/http';
import { writeAdminKubeconfig } from '../apiserver/pki';
// The server registers these itself once it imports printers/all; importing
// here makes the in-process test server print kubectl's columns either way.
import '../apiserver/printers/all';
import { main } from './main';
import type { CliIO } from './io';

const repo = resolve(__dirname, '..', '..');
const examples = join(repo, 'manifests', 'examples');

interface Run {
  code: number;
  out: string;
  err: string;
}

let server: TestApiServer;
let dir: string;
let kubeconfig: string;

function io(stdin = '', signal?: AbortSignal): CliIO & { output: { out: string; err: string } } {
  const output = { out: '', err: '' };
  return {
    output,
    out: (t) => (output.out += t),
    err: (t) => (output.err += t),
    readStdin: async () => stdin,
    env: {},
    homeDir: dir,
    signal,
  };
}

async function kctl(args: string[], stdin = ''): Promise<Run> {
  const cli = io(stdin);
  const code = await main([...args, '--kubeconfig', kubeconfig], cli);
  return { code, ...cli.output };
}

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function exists(path: string): Promise<boolean> {
  const res = await request(server, 'GET', path);
  if (res.status !== 200 && res.status !== 404) throw new Error(`GET ${path}: ${res.status} ${res.text}`);
  return res.status === 200;
}

before(async () => {
  server = await startTestApiServer();
  dir = mkdtempSync(join(tmpdir(), 'kap-kctl-'));
  kubeconfig = writeAdminKubeconfig(dir, server.url, server.caPem, server.token);
});

after(async () => {
  try {
    await server?.stop();
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
});

describe('apply', () => {
  test('creates, then is unchanged, then configures and drops fields removed from the file', async () => {
    const created = await kctl(['apply', '-f', join(examples, 'web.yaml')]);
    assert.equal(created.code, 0, created.err);
    assert.equal(created.out, 'deployment.apps/web created\nservice/web created\n');

    const again = await kctl(['apply', '-f', join(examples, 'web.yaml')]);
    assert.equal(again.code, 0, again.err);
    assert.equal(again.out, 'deployment.apps/web unchanged\nservice/web unchanged\n');

    const v1 = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  labels: {tier: a, owner: me}\ndata:\n  a: "1"\n  b: "2"\n';
    assert.equal((await kctl(['apply', '-f', file('settings.yaml', v1)])).out, 'configmap/settings created\n');
    const v2 = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  labels: {tier: a}\ndata:\n  a: "10"\n';
    const configured = await kctl(['apply', '-f', file('settings.yaml', v2)]);
    assert.equal(configured.code, 0, configured.err);
    assert.equal(configured.out, 'configmap/settings configured\n');
    const live = (await request(server, 'GET', '/api/v1/namespaces/default/configmaps/settings')).body;
    assert.deepEqual(live.data, { a: '10' });
    assert.deepEqual(live.metadata.labels, { tier: 'a' });
    assert.deepEqual(JSON.parse(live.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).data, { a: '10' });
  });

  test('a changed container in a Deployment is patched strategically (other fields the server set stay)', async () => {
    const text = readFileSync(join(examples, 'web.yaml'), 'utf8').replace('replicas: 2', 'replicas: 3').replace('image: busybox:1.35', 'image: busybox:1.36');
    const res = await kctl(['apply', '-f', file('web-v2.yaml', text)]);
    assert.equal(res.code, 0, res.err);
    assert.equal(res.out, 'deployment.apps/web configured\nservice/web unchanged\n');
    const live = (await request(server, 'GET', '/apis/apps/v1/namespaces/default/deployments/web')).body;
    assert.equal(live.spec.replicas, 3);
    assert.equal(live.spec.template.spec.containers[0].image, 'busybox:1.36');
    assert.equal(live.spec.template.spec.containers[0].ports[0].containerPort, 8080);
  });

  test('reads several documents from stdin and a directory with -R', async () => {
    const stdin = ['a', 'b'].map((n) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stdin-${n}\n`).join('---\n');
    const res = await kctl(['apply', '-f', '-'], stdin);
    assert.equal(res.out, 'configmap/stdin-a created\nconfigmap/stdin-b created\n');

    const tree = mkdtempSync(join(dir, 'tree-'));
    writeFileSync(join(tree, 'one.json'), JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'from-json' } }));
    const nested = join(tree, 'nested');
    require('node:fs').mkdirSync(nested);
    writeFileSync(join(nested, 'two.yml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-nested\n');
    assert.equal((await kctl(['apply', '-f', tree])).out, 'configmap/from-json created\n');
    // Lexical walk order, as kubectl's: "nested/" sorts before "one.json".
    assert.equal((await kctl(['apply', '-f', tree, '-R'])).out, 'configmap/from-nested created\nconfigmap/from-json unchanged\n');
  });

  test('a YAML syntax error prints FILE:LINE:COLUMN and applies nothing, not even valid files alongside', async () => {
    const good = file('good.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: should-not-exist\n');
    const bad = join(examples, 'bad-syntax.yaml');
    const res = await kctl(['apply', '-f', good, '-f', bad]);
    assert.equal(res.code, 1);
    assert.equal(res.out, '');
    assert.match(res.err, new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:9:3: Flow sequence`, 'm'));
    assert.equal(await exists('/api/v1/namespaces/default/configmaps/should-not-exist'), false);
    assert.equal(await exists('/api/v1/namespaces/default/configmaps/bad-syntax-first'), false);
  });

  test('a document without kind is reported with its position in the file and nothing is applied', async () => {
    const p = file('no-kind.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: first-of-two}\n---\napiVersion: v1\nmetadata: {name: x}\n');
    const res = await kctl(['apply', '-f', p]);
    assert.equal(res.code, 1);
    assert.match(res.err, /no-kind\.yaml: document 2: kind not set/);
    assert.equal(await exists('/api/v1/namespaces/default/configmaps/first-of-two'), false);
  });

  test('a schema violation prints every field path the server reported', async () => {
    const res = await kctl(['apply', '-f', join(examples, 'invalid.yaml')]);
    assert.equal(res.code, 1);
    assert.match(res.err, /The Deployment(\.apps)? "invalid" is invalid/);
    assert.match(res.err, /spec\.replicas: /);
    assert.match(res.err, /spec\.template\.spec\.containers\[0\]\.image: /);
    assert.equal(await exists('/apis/apps/v1/namespaces/default/deployments/invalid'), false);
  });

  test('an unknown kind names the kinds the server knows and applies nothing', async () => {
    const p = file('unknown.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: before-unknown}\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n');
    const res = await kctl(['apply', '-f', p]);
    assert.equal(res.code, 1);
    assert.match(res.err, /no matches for kind "Widget" in version "example.com\/v1"/);
    assert.match(res.err, /Deployment \(apps\/v1\)/);
    assert.equal(await exists('/api/v1/namespaces/default/configmaps/before-unknown'), false);
  });

  test('a namespace in the file that contradicts -n is refused', async () => {
    const p = file('ns.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: other}\n');
    const res = await kctl(['apply', '-f', p, '-n', 'default']);
    assert.equal(res.code, 1);
    assert.match(res.err, /does not match the namespace "default"/);
  });
});

describe('get', () => {
  before(async () => {
    await kctl(['apply', '-f', '-'], [
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: sel-a, labels: {tier: front, env: prod}}\ndata: {k: v, k2: v2}',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: sel-b, labels: {tier: back, env: prod}}',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: sel-c, labels: {tier: back, env: dev}}',
    ].join('\n---\n'));
  });

  test('human output: upper-case headers in kubectl column layout, priority columns only with -o wide', async () => {
    const res = await kctl(['get', 'deployments']);
    assert.equal(res.code, 0, res.err);
    const [header, row] = res.out.split('\n');
    assert.equal(header, 'NAME   READY   UP-TO-DATE   AVAILABLE   AGE');
    assert.match(row, /^web    0\/3     0            0           \d+s$/);
    const wide = await kctl(['get', 'deploy', 'web', '-o', 'wide']);
    assert.match(wide.out.split('\n')[0], /^NAME   READY   UP-TO-DATE   AVAILABLE   AGE   CONTAINERS   IMAGES         SELECTOR$/);
    assert.match(wide.out.split('\n')[1], /httpd        busybox:1\.36   app=web$/);
    const svc = await kctl(['get', 'svc', 'web']);
    // The CLUSTER-IP column is as wide as the allocated address.
    const ip = /\n(web +ClusterIP +)(10\.96\.\d+\.\d+)/.exec(svc.out)?.[2] ?? '';
    assert.match(ip, /^10\.96\./);
    const ipColumn = 'CLUSTER-IP'.padEnd(ip.length);
    assert.match(svc.out, new RegExp(`^NAME   TYPE        ${ipColumn}   EXTERNAL-IP   PORT\\(S\\)   AGE\nweb    ClusterIP   ${ip.replace(/\./g, '\\.')} +<none> +80/TCP `));
    const cm = await kctl(['get', 'cm', 'sel-a']);
    assert.match(cm.out, /^NAME    DATA   AGE\nsel-a   2      /);
  });

  test('several kinds print one table each, names prefixed with the type', async () => {
    const res = await kctl(['get', 'deploy,svc']);
    assert.equal(res.code, 0, res.err);
    assert.match(res.out, /^NAME +READY.*\ndeployment\.apps\/web +0\/3.*\n\nNAME +TYPE.*\nservice\/web +ClusterIP/);
  });

  test('-A adds a NAMESPACE column; an empty list says where it looked', async () => {
    assert.equal((await kctl(['create', 'namespace', 'team-a'])).out, 'namespace/team-a created\n');
    await kctl(['apply', '-n', 'team-a', '-f', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: in-team-a}\n');
    const all = await kctl(['get', 'cm', '-A']);
    assert.match(all.out, /^NAMESPACE +NAME +DATA +AGE\n/);
    assert.match(all.out, /\nteam-a +in-team-a +0 +/);
    assert.match(all.out, /\ndefault +sel-a +2 +/);
    const empty = await kctl(['get', 'pods']);
    assert.equal(empty.code, 0);
    assert.equal(empty.out, '');
    assert.equal(empty.err, 'No resources found in default namespace.\n');
    const emptyNs = await kctl(['get', 'secrets', '-n', 'team-a']);
    assert.equal(emptyNs.err, 'No resources found in team-a namespace.\n');
  });

  test('-o json, yaml, name and jsonpath', async () => {
    const json = JSON.parse((await kctl(['get', 'cm', 'sel-a', '-o', 'json'])).out);
    assert.equal(json.kind, 'ConfigMap');
    assert.deepEqual(json.data, { k: 'v', k2: 'v2' });
    const list = JSON.parse((await kctl(['get', 'cm', '-l', 'env=prod', '-o', 'json'])).out);
    assert.equal(list.kind, 'List');
    assert.deepEqual(list.items.map((i: any) => i.metadata.name), ['sel-a', 'sel-b']);
    const yaml = (await kctl(['get', 'deploy', 'web', '-o', 'yaml'])).out;
    assert.match(yaml, /^apiVersion: apps\/v1\nkind: Deployment\nmetadata:\n/);
    assert.match(yaml, /\n      containers:\n      - command:\n/);
    assert.equal((await kctl(['get', 'deploy,svc', '-o', 'name'])).out, 'deployment.apps/web\nservice/web\n');
    const names = await kctl(['get', 'cm', '-l', 'tier=back', '-o', 'jsonpath={range .items[*]}{.metadata.name}:{.metadata.labels.env}{"\\n"}{end}']);
    assert.equal(names.out, 'sel-b:prod\nsel-c:dev\n');
    assert.equal((await kctl(['get', 'svc', 'web', '-o', 'jsonpath={.spec.ports[0].port}'])).out, '80');
  });

  test('label and field selectors', async () => {
    const name = async (...args: string[]) => (await kctl(['get', 'cm', '-o', 'name', ...args])).out.trim().split('\n').filter(Boolean);
    assert.deepEqual(await name('-l', 'tier=back,env!=prod'), ['configmap/sel-c']);
    assert.deepEqual(await name('-l', 'env in (dev,test)'), ['configmap/sel-c']);
    assert.deepEqual(await name('-l', 'env,!missing', '--field-selector', 'metadata.name!=sel-a'), ['configmap/sel-b', 'configmap/sel-c']);
  });

  test('an unknown resource type names the types the server knows', async () => {
    const res = await kctl(['get', 'widgets']);
    assert.equal(res.code, 1);
    assert.match(res.err, /the server doesn't have a resource type "widgets"/);
    assert.match(res.err, /deployments, endpoints, endpointslices, events/);
  });

  test('a missing object is NotFound with kubectl wording', async () => {
    const res = await kctl(['get', 'deploy', 'nope']);
    assert.equal(res.code, 1);
    assert.equal(res.err, 'Error from server (NotFound): deployments.apps "nope" not found\n');
  });

  test('-w prints the list, then a row per change, until stopped', async () => {
    const abort = new AbortController();
    const cli = io('', abort.signal);
    const done = main(['get', 'cm', '-l', 'watched=yes', '-w', '--kubeconfig', kubeconfig], cli);
    try {
      await kctl(['apply', '-f', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: watched-1, labels: {watched: "yes"}}\n');
      for (let i = 0; i < 200 && !cli.output.out.includes('watched-1'); i++) await new Promise((r) => setTimeout(r, 25));
      assert.match(cli.output.out, /^NAME +DATA +AGE\nwatched-1 +0 +/);
    } finally {
      abort.abort();
    }
    assert.equal(await done, 0);
  });
});

describe('describe, delete and the rest', () => {
  test('describe shows key fields and the object\'s events', async () => {
    const dep = (await request(server, 'GET', '/apis/apps/v1/namespaces/default/deployments/web')).body;
    const event = {
      apiVersion: 'v1', kind: 'Event', metadata: { name: 'web.scaled', namespace: 'default' },
      involvedObject: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'default', uid: dep.metadata.uid },
      reason: 'ScalingReplicaSet', message: 'Scaled up replica set web-abc to 3', type: 'Normal',
      source: { component: 'deployment-controller' }, firstTimestamp: new Date().toISOString(), lastTimestamp: new Date().toISOString(), count: 1,
    };
    const created = await request(server, 'POST', '/api/v1/namespaces/default/events', { body: event });
    assert.equal(created.status, 201, created.text);
    const res = await kctl(['describe', 'deployment', 'web']);
    assert.equal(res.code, 0, res.err);
    assert.match(res.out, /^Name: +web\nNamespace: +default\n/);
    assert.match(res.out, /Replicas: +3 desired/);
    assert.match(res.out, /Image: +busybox:1\.36/);
    assert.match(res.out, /Events:\n  Type +Reason +Age +From +Message\n  ---- +------ +---- +---- +-------\n  Normal +ScalingReplicaSet +\d+s +deployment-controller +Scaled up replica set web-abc to 3\n/);
    const svc = await kctl(['describe', 'svc', 'web']);
    assert.match(svc.out, /Events: +<none>/);
  });

  test('delete by name, by selector and by file; missing objects are reported', async () => {
    assert.equal((await kctl(['delete', 'cm', 'sel-a'])).out, 'configmap "sel-a" deleted\n');
    assert.equal(await exists('/api/v1/namespaces/default/configmaps/sel-a'), false);
    const bySel = await kctl(['delete', 'cm', '-l', 'tier=back']);
    assert.equal(bySel.out, 'configmap "sel-b" deleted\nconfigmap "sel-c" deleted\n');
    // Orphan and foreground deletion leave a finalizer for the garbage collector;
    // without --wait kctl returns at once and the object shows the policy.
    await kctl(['apply', '-f', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: orphaned}\n');
    assert.equal((await kctl(['delete', 'cm', 'orphaned', '--cascade=orphan', '--wait=false'])).out, 'configmap "orphaned" deleted\n');
    const orphaned = (await request(server, 'GET', '/api/v1/namespaces/default/configmaps/orphaned')).body;
    assert.deepEqual(orphaned.metadata.finalizers, ['orphan']);
    assert.ok(orphaned.metadata.deletionTimestamp);
    const byFile = await kctl(['delete', '-f', join(examples, 'web.yaml'), '--grace-period', '0']);
    assert.equal(byFile.code, 0, byFile.err);
    assert.equal(byFile.out, 'deployment.apps "web" deleted\nservice "web" deleted\n');
    assert.equal(await exists('/apis/apps/v1/namespaces/default/deployments/web'), false);
    const missing = await kctl(['delete', 'cm', 'sel-a']);
    assert.equal(missing.code, 1);
    assert.equal(missing.err, 'Error from server (NotFound): configmaps "sel-a" not found\n');
  });

  test('create -f posts and reports AlreadyExists the second time', async () => {
    const p = file('create.yaml', 'apiVersion: v1\nkind: Secret\nmetadata: {name: creds}\ntype: Opaque\nstringData: {user: admin}\n');
    assert.equal((await kctl(['create', '-f', p])).out, 'secret/creds created\n');
    const again = await kctl(['create', '-f', p]);
    assert.equal(again.code, 1);
    assert.equal(again.err, 'Error from server (AlreadyExists): secrets "creds" already exists\n');
  });

  test('api-resources and version', async () => {
    const res = await kctl(['api-resources']);
    assert.match(res.out, /^NAME +SHORTNAMES +APIVERSION +NAMESPACED +KIND\n/);
    assert.match(res.out, /\ndeployments +deploy +apps\/v1 +true +Deployment\n/);
    const version = await kctl(['version']);
    assert.match(version.out, /^Client Version: v\S+\nServer Version: v\S+\n$/);
  });

  test('a connection failure names the server and the cause', async () => {
    const port = await closedPort();
    const res = await kctl(['get', 'pods', '--server', `https://127.0.0.1:${port}`]);
    assert.equal(res.code, 1);
    assert.equal(res.err, `Unable to connect to the server https://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}\n`);
  });

  test('a bad token is told to log in', async () => {
    const res = await kctl(['get', 'pods', '--token', 'not-the-token']);
    assert.equal(res.code, 1);
    assert.match(res.err, /^error: You must be logged in to the server \(Unauthorized\)\n$/);
  });

  test('bin/kctl runs the built CLI as a program', async () => {
    const { stdout, code } = await new Promise<{ stdout: string; code: number }>((resolvePromise) => {
      execFile(join(repo, 'bin', 'kctl'), ['get', 'ns', 'team-a', '-o', 'name', '--kubeconfig', kubeconfig], (err, stdout) =>
        resolvePromise({ stdout, code: err ? ((err as { code?: number }).code ?? 1) : 0 }),
      );
    });
    assert.equal(code, 0);
    assert.equal(stdout, 'namespace/team-a\n');
  });
});

/** A loopback port nothing listens on (bound, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolvePort(port));
    });
  });
}

describe('apply --server-side', () => {
  const cmText = (data: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa-kctl\ndata:\n${data}`;

  test('creates, re-applies with a removed field, reports conflicts and forces them', async () => {
    const created = await kctl(['apply', '--server-side', '-f', file('ssa.yaml', cmText('  a: "1"\n  b: "2"\n'))]);
    assert.equal(created.code, 0, created.err);
    assert.equal(created.out, 'configmap/ssa-kctl serverside-applied\n');
    const live = (await request(server, 'GET', '/api/v1/namespaces/default/configmaps/ssa-kctl')).body;
    assert.deepEqual(live.metadata.managedFields.map((e: { manager: string; operation: string }) => [e.manager, e.operation]), [['kubectl', 'Apply']]);

    assert.equal((await kctl(['apply', '--server-side', '-f', file('ssa.yaml', cmText('  a: "1"\n'))])).code, 0);
    assert.deepEqual((await request(server, 'GET', '/api/v1/namespaces/default/configmaps/ssa-kctl')).body.data, { a: '1' });

    const clash = await kctl(['apply', '--server-side', '--field-manager', 'other', '-f', file('ssa-other.yaml', cmText('  a: "2"\n'))]);
    assert.equal(clash.code, 1);
    assert.match(clash.err, /Error from server \(Conflict\): Apply failed with 1 conflict: conflict with "kubectl": \.data\.a\nPlease review the fields above/);
    assert.match(clash.err, /--force-conflicts/);

    const forced = await kctl(['apply', '--server-side', '--field-manager', 'other', '--force-conflicts', '-f', join(dir, 'ssa-other.yaml')]);
    assert.equal(forced.code, 0, forced.err);
    assert.deepEqual((await request(server, 'GET', '/api/v1/namespaces/default/configmaps/ssa-kctl')).body.data, { a: '2' });

    // As kubectl, -o yaml hides managedFields unless asked.
    assert.doesNotMatch((await kctl(['get', 'cm', 'ssa-kctl', '-o', 'yaml'])).out, /managedFields/);
    assert.match((await kctl(['get', 'cm', 'ssa-kctl', '-o', 'yaml', '--show-managed-fields'])).out, /manager: other\n/);

    const misuse = await kctl(['apply', '--force-conflicts', '-f', join(dir, 'ssa.yaml')]);
    assert.equal(misuse.code, 1);
    assert.match(misuse.err, /--force-conflicts only works with --server-side/);
  });
});
