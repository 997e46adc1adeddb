// The server's own Unix socket: the same API in plain HTTP for the components
// inside `kapstan server`, still behind the token, private to its owner.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startApiServer } from '../apiserver';
import { ensurePki } from '../apiserver/pki';
import { isApiError } from '../api/errors';
import { findByKind } from '../api/resources';
import { startTestApiServer, TestApiServer } from '../test/harness/api-server';
import { RestClient } from './rest-client';

const configMaps = findByKind('v1', 'ConfigMap')!;
let server: TestApiServer;
let client: RestClient;

before(async () => {
  server = await startTestApiServer({ localSocket: true });
  client = new RestClient({ server: server.url, token: server.token, socketPath: server.localSocket });
});

after(async () => {
  client?.close();
  await server?.stop();
});

test('the socket serves requests and watches, and only its owner may open it', async () => {
  const socket = server.localSocket!;
  assert.equal(statSync(socket).mode & 0o777, 0o600);
  const list = await client.list(configMaps, 'default');
  const stream = await client.watch(configMaps, 'default', { resourceVersion: list.metadata.resourceVersion });
  try {
    const created = await client.create(configMaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'over-socket' }, data: { a: 'b' } });
    assert.equal((await client.get(configMaps, 'default', 'over-socket')).metadata.uid, created.metadata.uid);
    for await (const ev of stream) {
      assert.equal(ev.type, 'ADDED');
      assert.equal(ev.object.metadata.name, 'over-socket');
      assert.equal(ev.object.metadata.resourceVersion, created.metadata.resourceVersion);
      break;
    }
  } finally {
    stream.close();
  }
  assert.match(client.server, /^unix:/);
});

test('a request on the socket without the token gets 401', async () => {
  const anonymous = new RestClient({ server: server.url, socketPath: server.localSocket });
  try {
    await assert.rejects(anonymous.list(configMaps, 'default'), (err: unknown) => isApiError(err, 'Unauthorized'));
  } finally {
    anonymous.close();
  }
});

test('a stale socket file (a killed server\'s) does not stop the next start, and a stopped server leaves none', async () => {
  const pki = await ensurePki(server.dataDir, { sans: ['127.0.0.1', 'localhost'] });
  const path = join(server.dataDir, 'stale.sock');
  writeFileSync(path, 'left by a server that was killed');
  const next = await startApiServer({ etcdEndpoints: [server.etcd.endpoint], host: '127.0.0.1', port: 0, tls: { certPem: pki.certPem, keyPem: pki.keyPem }, tokens: [pki.adminToken], localSocket: path });
  const viaNext = new RestClient({ server: next.url, token: pki.adminToken, socketPath: path });
  try {
    await assert.rejects(viaNext.get(configMaps, 'default', 'absent'), (err: unknown) => isApiError(err, 'NotFound'));
  } finally {
    viaNext.close();
    await next.stop();
  }
  assert.equal(existsSync(path), false);
});
