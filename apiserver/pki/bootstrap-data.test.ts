// A joining server's side against the real endpoints on a real HTTPS server:
// the CA is pinned by the token before any secret is sent, only the server
// token unlocks the CA keys, and the fetched material makes ensurePki load
// the same cluster.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePki } from './ensure-pki';
import { bootstrapRoutes, fetchBootstrapData, fetchTrustedCa, requestEtcdMember, writeBootstrapData } from './bootstrap-data';
import { sendError } from '../http/respond';
import { ApiError } from '../../api/errors';

test('a server joins with the server token; node tokens, wrong secrets and other CAs are refused', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kap-bootstrap-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const first = await ensurePki(join(dir, 'first'));
  const routes = bootstrapRoutes({ pki: first });
  const server = https.createServer({ cert: first.certPem, key: first.keyPem }, (req, res) => {
    const route = routes.get(new URL(req.url ?? '/', 'https://x').pathname);
    if (route) void route(req, res);
    else sendError(res, new ApiError('NotFound', 'no such path'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const caPem = await fetchTrustedCa(url, first.serverToken);
  assert.equal(caPem, first.caPem);
  const otherCa = first.serverToken.replace(/^K10[0-9a-f]{64}/, `K10${'cd'.repeat(32)}`);
  await assert.rejects(fetchTrustedCa(url, otherCa), /token expects cdcd.*refusing to trust this server/);
  await assert.rejects(fetchTrustedCa(url, first.serverTokenSecret), /full K10<ca-hash>::server:<secret> form/);

  await assert.rejects(fetchBootstrapData(url, first.nodeToken, caPem), /403 this is a node \(agent\) token/);
  await assert.rejects(fetchBootstrapData(url, first.serverToken.replace(/:[^:]+$/, ':wrong'), caPem), /401 invalid server token/);
  await assert.rejects(fetchBootstrapData(url, otherCa, caPem), /401 the server token was issued for another cluster/);
  await assert.rejects(requestEtcdMember(url, first.serverToken, caPem, { name: 'm', peerURL: 'https://10.0.0.2:2380' }), /400 this server does not run a managed etcd cluster/);

  const data = await fetchBootstrapData(url, first.serverToken, caPem);
  const joinerDir = join(dir, 'joiner');
  writeBootstrapData(joinerDir, data);
  const joiner = await ensurePki(joinerDir, { sans: ['10.0.0.2'] });
  assert.equal(joiner.caHash, first.caHash);
  assert.equal(joiner.clientCaPem, first.clientCaPem);
  assert.equal(joiner.adminToken, first.adminToken);
  assert.equal(joiner.nodeToken, first.nodeToken);
  assert.equal(joiner.serverToken, first.serverToken);
  assert.notEqual(joiner.certPem, first.certPem, 'each server issues its own serving certificate');

  // A data dir of another cluster is never overwritten.
  const strangerDir = join(dir, 'stranger');
  await ensurePki(strangerDir);
  assert.throws(() => writeBootstrapData(strangerDir, data), /belongs to another cluster/);
});
