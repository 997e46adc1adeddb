// The REST client against a real apiserver on a real etcd.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { ApiError, isApiError } from '../api/errors';
import { findByKind } from '../api/resources';
import type { KubeObject } from '../api/types';
import { startTestApiServer, TestApiServer } from '../test/harness/api-server';
import { ConnectionError, parseWarnings, RestClient } from './rest-client';

const configMaps = findByKind('v1', 'ConfigMap')!;
let server: TestApiServer;
let client: RestClient;

before(async () => {
  server = await startTestApiServer();
  client = new RestClient({ server: server.url, caPem: server.caPem, token: server.token });
});

after(async () => {
  client?.close();
  await server?.stop();
});

const cm = (name: string, labels: Record<string, string> = {}, data: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, labels },
  data,
});

test('create, get, list with selectors, update, patch and delete', async () => {
  const created = await client.create(configMaps, 'default', cm('rc-a', { app: 'x' }, { k: '1' }));
  assert.ok(created.metadata.uid);
  await client.create(configMaps, 'default', cm('rc-b', { app: 'y' }));
  assert.equal((await client.get(configMaps, 'default', 'rc-a')).metadata.uid, created.metadata.uid);

  const selected = await client.list(configMaps, 'default', { labelSelector: 'app=x' });
  assert.deepEqual(selected.items.map((i) => i.metadata.name), ['rc-a']);
  const paged = await client.listAll(configMaps, 'default', { limit: 1, fieldSelector: 'metadata.name!=kube-root-ca.crt' });
  assert.deepEqual(paged.items.map((i) => i.metadata.name).sort(), ['rc-a', 'rc-b']);

  const updated = await client.update(configMaps, 'default', { ...created, data: { k: '2' } });
  assert.deepEqual(updated.data, { k: '2' });
  const patched = await client.patch(configMaps, 'default', 'rc-a', { data: { extra: 'yes' } }, 'application/merge-patch+json');
  assert.deepEqual(patched.data, { k: '2', extra: 'yes' });

  await client.delete(configMaps, 'default', 'rc-a');
  await assert.rejects(client.get(configMaps, 'default', 'rc-a'), (err: unknown) => isApiError(err, 'NotFound') && /configmaps "rc-a" not found/.test((err as Error).message));
});

test('server errors arrive as ApiError with reason and details', async () => {
  const first = await client.create(configMaps, 'default', cm('rc-conflict'));
  await client.update(configMaps, 'default', { ...first, data: { v: '1' } });
  await assert.rejects(client.update(configMaps, 'default', { ...first, data: { v: 'stale' } }), (err: unknown) => isApiError(err, 'Conflict'));
  await assert.rejects(client.create(configMaps, 'default', cm('rc-conflict')), (err: unknown) => {
    assert.ok(err instanceof ApiError);
    assert.equal(err.code, 'AlreadyExists');
    assert.equal(err.details?.name, 'rc-conflict');
    return true;
  });
  const anonymous = new RestClient({ server: server.url, caPem: server.caPem });
  try {
    await assert.rejects(anonymous.list(configMaps, 'default'), (err: unknown) => isApiError(err, 'Unauthorized'));
  } finally {
    anonymous.close();
  }
});

test('watch streams ADDED, MODIFIED and DELETED in order from a resourceVersion', async () => {
  const list = await client.list(configMaps, 'default');
  const stream = await client.watch(configMaps, 'default', { resourceVersion: list.metadata.resourceVersion, labelSelector: 'watch=me' });
  try {
    const obj = await client.create(configMaps, 'default', cm('rc-watched', { watch: 'me' }));
    await client.patch(configMaps, 'default', 'rc-watched', { data: { a: 'b' } }, 'application/merge-patch+json');
    await client.delete(configMaps, 'default', 'rc-watched');
    const seen: string[] = [];
    for await (const ev of stream) {
      assert.equal(ev.object.metadata.uid, obj.metadata.uid);
      seen.push(ev.type);
      if (seen.length === 3) break;
    }
    assert.deepEqual(seen, ['ADDED', 'MODIFIED', 'DELETED']);
  } finally {
    stream.close();
  }
});

test('a Table of a list carries the server printer columns', async () => {
  const table = await client.table(configMaps, 'default');
  assert.equal(table.kind, 'Table');
  assert.equal(table.columnDefinitions[0].name, 'Name');
  assert.ok(table.rows.some((r) => r.cells[0] === 'rc-b'));
});

test('an unreachable server is a ConnectionError naming the URL and the cause', async () => {
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const offline = new RestClient({ server: `https://127.0.0.1:${port}`, caPem: server.caPem, token: 't' });
  try {
    await assert.rejects(offline.get(configMaps, 'default', 'x'), (err: unknown) => {
      assert.ok(err instanceof ConnectionError);
      assert.equal(err.message, `Unable to connect to the server https://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`);
      return true;
    });
  } finally {
    offline.close();
  }
});

test('an untrusted serving certificate is refused unless verification is skipped', async () => {
  const untrusting = new RestClient({ server: server.url, token: server.token });
  const insecure = new RestClient({ server: server.url, token: server.token, insecureSkipTlsVerify: true });
  try {
    await assert.rejects(untrusting.json('GET', '/version'), (err: unknown) => err instanceof ConnectionError && /certificate/.test(err.message));
    assert.ok((await insecure.json<{ gitVersion: string }>('GET', '/version')).gitVersion);
  } finally {
    untrusting.close();
    insecure.close();
  }
});

test('Warning headers are decoded', () => {
  assert.deepEqual(parseWarnings(['299 - "unknown field \\"spec.foo\\""', '299 - "a", 299 - "b"']), ['unknown field "spec.foo"', 'a', 'b']);
  assert.deepEqual(parseWarnings(undefined), []);
});
