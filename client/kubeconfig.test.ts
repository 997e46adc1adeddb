import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, statSync, writeFileSync, readFileSync, symlinkSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import YAML from 'yaml';
import { loadKubeconfig, mergeContextIntoKubeconfig, readMergedKubeconfig, KubeconfigError } from './kubeconfig';

// Kubeconfig loading never parses certificates, so any PEM-shaped text will do.
const pem = (label: string) => `-----BEGIN CERTIFICATE-----\n${Buffer.from(label).toString('base64')}\n-----END CERTIFICATE-----\n`;
const b64 = (text: string) => Buffer.from(text).toString('base64');

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'kap-kubeconfig-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function writeYaml(path: string, doc: unknown): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, YAML.stringify(doc));
  return path;
}

function kubeconfig(parts: { clusters?: [string, object][]; users?: [string, object][]; contexts?: [string, object][]; current?: string }) {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: (parts.clusters ?? []).map(([name, cluster]) => ({ name, cluster })),
    users: (parts.users ?? []).map(([name, user]) => ({ name, user })),
    contexts: (parts.contexts ?? []).map(([name, context]) => ({ name, context })),
    ...(parts.current ? { 'current-context': parts.current } : {}),
  };
}

test('~/.kube/config is the default, resolved to server, CA, token and namespace', (t) => {
  const home = tempDir(t);
  writeYaml(join(home, '.kube', 'config'), kubeconfig({
    clusters: [['c', { server: 'https://10.0.0.1:6443', 'certificate-authority-data': b64(pem('ca')) }]],
    users: [['u', { token: 'tok' }]],
    contexts: [['ctx', { cluster: 'c', user: 'u', namespace: 'team-a' }], ['other', { cluster: 'c', user: 'u' }]],
    current: 'ctx',
  }));
  const r = loadKubeconfig({ homeDir: home, env: {} });
  assert.equal(r.server, 'https://10.0.0.1:6443');
  assert.equal(r.caPem, pem('ca'));
  assert.equal(r.token, 'tok');
  assert.equal(r.namespace, 'team-a');
  assert.equal(r.insecureSkipTlsVerify, false);
  assert.equal(r.contextName, 'ctx');
  assert.deepEqual(r.files, [join(home, '.kube', 'config')]);
  assert.equal(loadKubeconfig({ homeDir: home, env: {}, context: 'other' }).namespace, 'default');
});

test('no kubeconfig anywhere is an error naming the file; --server alone suffices', (t) => {
  const home = tempDir(t);
  assert.throws(() => loadKubeconfig({ homeDir: home, env: {} }),
    (err: Error) => err instanceof KubeconfigError && err.message.includes('no configuration has been provided') && err.message.includes(join(home, '.kube', 'config')));
  const r = loadKubeconfig({ homeDir: home, env: {}, server: '127.0.0.1:6443', token: 't' });
  assert.equal(r.server, 'https://127.0.0.1:6443');
  assert.equal(r.token, 't');
  assert.equal(r.namespace, 'default');
});

test('$KUBECONFIG files merge with the first definition of each name winning', (t) => {
  const dir = tempDir(t);
  const first = writeYaml(join(dir, 'first.yaml'), kubeconfig({
    clusters: [['shared', { server: 'https://first:6443', 'insecure-skip-tls-verify': true }]],
    users: [['shared-user', { token: 'first-token' }]],
    contexts: [['a', { cluster: 'shared', user: 'shared-user' }]],
    current: 'a',
  }));
  const second = writeYaml(join(dir, 'second.yaml'), kubeconfig({
    clusters: [['shared', { server: 'https://second:6443' }], ['only-second', { server: 'https://only-second:6443' }]],
    users: [['shared-user', { token: 'second-token' }]],
    contexts: [['a', { cluster: 'only-second', user: 'shared-user' }], ['b', { cluster: 'only-second', user: 'shared-user', namespace: 'nb' }]],
    current: 'b',
  }));
  const env = { KUBECONFIG: [join(dir, 'missing.yaml'), first, '', second, first].join(':') };

  const r = loadKubeconfig({ env, homeDir: dir });
  assert.equal(r.contextName, 'a', 'the first current-context wins');
  assert.equal(r.server, 'https://first:6443', 'the first cluster named "shared" wins');
  assert.equal(r.token, 'first-token');
  assert.equal(r.insecureSkipTlsVerify, true);
  assert.deepEqual(r.files, [first, second], 'missing files are skipped and duplicates read once');

  const b = loadKubeconfig({ env, homeDir: dir, context: 'b' });
  assert.equal(b.server, 'https://only-second:6443');
  assert.equal(b.namespace, 'nb');
  assert.equal(b.token, 'first-token', 'users merge by name across files too');

  const merged = readMergedKubeconfig({ env, homeDir: dir }).config;
  assert.deepEqual(merged.contexts.map((c) => c.name), ['a', 'b']);
  assert.deepEqual(merged.clusters.map((c) => c.name), ['shared', 'only-second']);
});

test('--kubeconfig reads only that file and must exist', (t) => {
  const dir = tempDir(t);
  const explicit = writeYaml(join(dir, 'explicit.yaml'), kubeconfig({
    clusters: [['c', { server: 'https://explicit:1' }]], users: [['u', {}]], contexts: [['x', { cluster: 'c', user: 'u' }]], current: 'x',
  }));
  const fromEnv = writeYaml(join(dir, 'env.yaml'), kubeconfig({
    clusters: [['c', { server: 'https://env:1' }]], contexts: [['x', { cluster: 'c' }]], current: 'x',
  }));
  assert.equal(loadKubeconfig({ kubeconfig: explicit, env: { KUBECONFIG: fromEnv } }).server, 'https://explicit:1');
  assert.throws(() => loadKubeconfig({ kubeconfig: join(dir, 'nope.yaml'), env: {} }), /nope\.yaml: no such file/);
});

test('overrides replace server, token, context and namespace', (t) => {
  const dir = tempDir(t);
  const file = writeYaml(join(dir, 'config'), kubeconfig({
    clusters: [['c1', { server: 'https://one:1', 'certificate-authority-data': b64(pem('one')) }], ['c2', { server: 'https://two:2' }]],
    users: [['u1', { token: 'file-token' }]],
    contexts: [['k1', { cluster: 'c1', user: 'u1', namespace: 'n1' }], ['k2', { cluster: 'c2', user: 'u1' }]],
    current: 'k1',
  }));
  const r = loadKubeconfig({ kubeconfig: file, server: 'https://override:9', token: 'flag-token', namespace: 'flag-ns' });
  assert.equal(r.server, 'https://override:9');
  assert.equal(r.token, 'flag-token');
  assert.equal(r.namespace, 'flag-ns');
  assert.equal(r.caPem, pem('one'), 'the context cluster still supplies the CA');

  const k2 = loadKubeconfig({ kubeconfig: file, context: 'k2' });
  assert.equal(k2.server, 'https://two:2');
  assert.equal(k2.caPem, undefined);
  assert.equal(loadKubeconfig({ kubeconfig: file, cluster: 'c2' }).server, 'https://two:2');

  const insecure = loadKubeconfig({ kubeconfig: file, insecureSkipTlsVerify: true });
  assert.equal(insecure.insecureSkipTlsVerify, true);
  assert.equal(insecure.caPem, undefined, '--insecure-skip-tls-verify drops the file CA');
});

test('relative file paths are relative to the kubeconfig file, not the working directory', (t) => {
  const dir = tempDir(t);
  const confDir = join(dir, 'conf');
  mkdirSync(join(confDir, 'pki'), { recursive: true });
  writeFileSync(join(confDir, 'pki', 'ca.crt'), pem('file-ca'));
  writeFileSync(join(confDir, 'pki', 'client.crt'), pem('client-cert'));
  writeFileSync(join(confDir, 'pki', 'client.key'), 'KEY');
  writeFileSync(join(confDir, 'token'), 'file-token\n');
  const file = writeYaml(join(confDir, 'config'), kubeconfig({
    clusters: [['c', { server: 'https://x:1', 'certificate-authority': 'pki/ca.crt' }]],
    users: [['cert', { 'client-certificate': 'pki/client.crt', 'client-key': './pki/client.key' }], ['tf', { tokenFile: 'token' }]],
    contexts: [['cert', { cluster: 'c', user: 'cert' }], ['tf', { cluster: 'c', user: 'tf' }]],
    current: 'cert',
  }));
  assert.notEqual(process.cwd(), confDir);
  const r = loadKubeconfig({ env: { KUBECONFIG: file } });
  assert.equal(r.caPem, pem('file-ca'));
  assert.equal(r.clientCertPem, pem('client-cert'));
  assert.equal(r.clientKeyPem, 'KEY');
  assert.equal(r.token, undefined);

  const tf = loadKubeconfig({ env: { KUBECONFIG: file }, context: 'tf' });
  assert.equal(tf.token, 'file-token');
  assert.equal(tf.tokenFile, join(confDir, 'token'));
});

test('client certificate and key data are decoded from base64', (t) => {
  const dir = tempDir(t);
  const file = writeYaml(join(dir, 'config'), kubeconfig({
    clusters: [['c', { server: 'https://x:1' }]],
    users: [['u', { 'client-certificate-data': b64(pem('cert')), 'client-key-data': b64('-----BEGIN PRIVATE KEY-----\nk\n-----END PRIVATE KEY-----\n') }]],
    contexts: [['x', { cluster: 'c', user: 'u' }]], current: 'x',
  }));
  const r = loadKubeconfig({ kubeconfig: file });
  assert.equal(r.clientCertPem, pem('cert'));
  assert.match(r.clientKeyPem!, /BEGIN PRIVATE KEY/);
});

test('broken configurations fail with errors that name the problem and the file', (t) => {
  const dir = tempDir(t);
  const file = writeYaml(join(dir, 'config'), kubeconfig({
    clusters: [['c', { server: 'https://x:1', 'certificate-authority': 'missing-ca.crt' }], ['noserver', {}],
      ['both', { server: 'https://x:1', 'insecure-skip-tls-verify': true, 'certificate-authority-data': b64(pem('ca')) }]],
    users: [['half', { 'client-certificate-data': b64(pem('cert')) }]],
    contexts: [['dangling', { cluster: 'gone' }], ['ca-missing', { cluster: 'c' }], ['noserver', { cluster: 'noserver' }],
      ['both', { cluster: 'both' }], ['half', { cluster: 'noserver', user: 'half' }]],
  }));
  const expectError = (options: object, pattern: RegExp) =>
    assert.throws(() => loadKubeconfig({ kubeconfig: file, ...options }), (err: Error) => {
      assert.ok(err instanceof KubeconfigError);
      assert.match(err.message, pattern);
      assert.ok(err.message.includes(file), `${err.message} names the file`);
      return true;
    });
  expectError({}, /current-context is not set/);
  expectError({ context: 'nope' }, /context "nope" does not exist/);
  expectError({ context: 'dangling' }, /cluster "gone" of context "dangling" does not exist/);
  expectError({ context: 'ca-missing' }, /unable to read certificate-authority .*missing-ca\.crt/);
  expectError({ context: 'noserver' }, /cluster "noserver" has no server/);
  expectError({ context: 'both' }, /root certificates file with the insecure flag is not allowed/);
  expectError({ context: 'half', server: 'https://y:1' }, /needs both a client certificate and a client key/);

  writeFileSync(join(dir, 'bad.yaml'), 'clusters: [unclosed');
  assert.throws(() => loadKubeconfig({ kubeconfig: join(dir, 'bad.yaml') }), /error loading config file ".*bad\.yaml"/);
});

test('an empty kubeconfig file counts as no configuration', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'empty'), '');
  assert.throws(() => loadKubeconfig({ kubeconfig: join(dir, 'empty') }), /current-context is not set/);
});

test('merging a context keeps every other entry and field, replaces ours, and selects it', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'config');
  const existing = kubeconfig({
    clusters: [['prod', { server: 'https://prod:6443' }], ['kapstan', { server: 'https://stale:1' }]],
    users: [['prod-admin', { token: 'prod-token' }], ['kapstan', { token: 'stale-token' }]],
    contexts: [['prod', { cluster: 'prod', user: 'prod-admin', namespace: 'ops' }], ['kapstan', { cluster: 'kapstan', user: 'kapstan' }]],
    current: 'prod',
  });
  writeFileSync(path, YAML.stringify({ ...existing, preferences: { colors: true }, extensions: [{ name: 'x', extension: { a: 1 } }] }));

  mergeContextIntoKubeconfig(path, 'kapstan', { server: 'https://127.0.0.1:6443', caPem: pem('kapstan-ca'), token: 'new-token' });

  const written = YAML.parse(readFileSync(path, 'utf8'));
  assert.equal(written['current-context'], 'kapstan');
  assert.deepEqual(written.preferences, { colors: true });
  assert.deepEqual(written.extensions, [{ name: 'x', extension: { a: 1 } }]);
  assert.deepEqual(written.clusters.map((c: { name: string }) => c.name), ['prod', 'kapstan']);
  assert.deepEqual(written.contexts[0], { name: 'prod', context: { cluster: 'prod', user: 'prod-admin', namespace: 'ops' } });
  assert.equal(statSync(path).mode & 0o777, 0o600);

  const ours = loadKubeconfig({ kubeconfig: path });
  assert.equal(ours.server, 'https://127.0.0.1:6443');
  assert.equal(ours.caPem, pem('kapstan-ca'));
  assert.equal(ours.token, 'new-token');
  const prod = loadKubeconfig({ kubeconfig: path, context: 'prod' });
  assert.equal(prod.server, 'https://prod:6443');
  assert.equal(prod.token, 'prod-token');
  assert.equal(prod.namespace, 'ops');
});

test('merging into a missing file creates it and its directory privately; kubectl reads it', (t) => {
  const home = tempDir(t);
  const path = join(home, '.kube', 'config');
  mergeContextIntoKubeconfig(path, 'kapstan', { server: 'https://127.0.0.1:6443', caPem: pem('ca'), token: 'tok' });
  assert.equal(statSync(join(home, '.kube')).mode & 0o777, 0o700);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(loadKubeconfig({ homeDir: home, env: {} }).token, 'tok');

  const res = spawnSync('kubectl', ['--kubeconfig', path, 'config', 'get-contexts', '-o', 'name'], { encoding: 'utf8' });
  if ((res.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return t.skip('kubectl is not installed');
  assert.equal(res.status, 0, res.stderr);
  assert.equal(res.stdout.trim(), 'kapstan');
});

test('merging through a symlinked kubeconfig updates the target and keeps the link', (t) => {
  const dir = tempDir(t);
  const target = join(dir, 'real-config');
  writeFileSync(target, YAML.stringify(kubeconfig({ clusters: [['other', { server: 'https://o:1' }]] })));
  const link = join(dir, 'config');
  symlinkSync(target, link);
  mergeContextIntoKubeconfig(link, 'kapstan', { server: 'https://127.0.0.1:6443', token: 'tok' });
  assert.ok(lstatSync(link).isSymbolicLink());
  const written = YAML.parse(readFileSync(target, 'utf8'));
  assert.deepEqual(written.clusters.map((c: { name: string }) => c.name), ['other', 'kapstan']);
});
