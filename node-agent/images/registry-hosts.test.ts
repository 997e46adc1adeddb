import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseChallenge } from './registry-auth';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRegistryConfigDir, parseHostsToml, registryEndpoints } from './registry-hosts';

test('endpoints: mirrors first, then the server; https unless insecure or loopback', () => {
  assert.deepEqual(registryEndpoints('docker.io').map((e) => e.url), ['https://registry-1.docker.io']);
  assert.deepEqual(registryEndpoints('quay.io').map((e) => e.url), ['https://quay.io']);
  assert.deepEqual(registryEndpoints('127.0.0.1:5000').map((e) => e.url), ['http://127.0.0.1:5000']);
  assert.deepEqual(registryEndpoints('reg.lan:5000', { 'reg.lan:5000': { insecure: true } }).map((e) => e.url), ['http://reg.lan:5000']);
  const mirrored = registryEndpoints('docker.io', { 'docker.io': { mirrors: ['http://127.0.0.1:5000/v2/', 'mirror.lan'], username: 'u', password: 'p' } });
  assert.deepEqual(mirrored.map((e) => [e.url, e.mirror]), [
    ['http://127.0.0.1:5000', true], ['https://mirror.lan', true], ['https://registry-1.docker.io', false],
  ]);
  assert.equal(mirrored[2].username, 'u');
});

test("containerd's hosts.toml maps onto mirrors, server and insecure", () => {
  const config = parseHostsToml(`
server = "https://registry-1.docker.io"   # upstream

[host."http://127.0.0.1:5000"]
  capabilities = ["pull", "resolve"]
  skip_verify = true

[host."https://push-only.lan"]
  capabilities = ["push"]
`);
  assert.deepEqual(config, { server: 'https://registry-1.docker.io', mirrors: ['http://127.0.0.1:5000'], insecure: true });
  assert.throws(() => parseHostsToml('server https://x'), /cannot read/);
});

test('WWW-Authenticate challenges parse with quoted and bare values', () => {
  assert.deepEqual(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"'), {
    scheme: 'bearer',
    params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' },
  });
  assert.deepEqual(parseChallenge('Basic realm=registry'), { scheme: 'basic', params: { realm: 'registry' } });
});

test('a config_path directory of hosts.toml files becomes the registry config', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kap-certsd-'));
  try {
    await mkdir(join(dir, 'docker.io'));
    await writeFile(join(dir, 'docker.io', 'hosts.toml'), 'server = "https://registry-1.docker.io"\n[host."http://127.0.0.1:5000"]\n  capabilities = ["pull", "resolve"]\n');
    await mkdir(join(dir, 'reg.lan_5000_'));
    await writeFile(join(dir, 'reg.lan_5000_', 'hosts.toml'), '[host."reg.lan:5000"]\n  plain_http = true\n');
    await mkdir(join(dir, 'empty'));
    const config = await loadRegistryConfigDir(dir);
    assert.deepEqual(Object.keys(config).sort(), ['docker.io', 'reg.lan:5000']);
    assert.deepEqual(registryEndpoints('docker.io', config).map((e) => e.url), ['http://127.0.0.1:5000', 'https://registry-1.docker.io']);
    assert.deepEqual(registryEndpoints('reg.lan:5000', config).map((e) => e.url), ['http://reg.lan:5000']);
    assert.deepEqual(await loadRegistryConfigDir(join(dir, 'missing')), {});
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
