import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, readFileSync, unlinkSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { ensurePki, pkiPaths } from './ensure-pki';
import { subjectAltNamesOf } from './serving-certificate';
import { parseJoinToken, verifyCaHash } from './tokens';
import { startHttpsServer, httpsGet } from './tls-test-helpers';

function tempDataDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'kap-pki-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'data');
}

const mode = (path: string) => statSync(path).mode & 0o777;

test('first start creates CAs, serving cert and tokens with private modes', async (t) => {
  const dataDir = tempDataDir(t);
  const pki = await ensurePki(dataDir, { sans: ['10.1.2.3', 'api.example.test'], hostName: 'node-a' });
  const paths = pkiPaths(dataDir);

  assert.equal(mode(dataDir), 0o700);
  assert.equal(mode(paths.tlsDir), 0o700);
  for (const file of [paths.caCert, paths.caKey, paths.clientCaCert, paths.clientCaKey, paths.servingCert, paths.servingKey, paths.adminToken, paths.nodeToken]) {
    assert.equal(mode(file), 0o600, file);
  }

  const ca = new X509Certificate(pki.caPem);
  assert.ok(ca.ca);
  assert.equal(ca.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  const validityYears = (Date.parse(ca.validTo) - Date.parse(ca.validFrom)) / (365 * 24 * 3600 * 1000);
  assert.ok(validityYears > 9.9 && validityYears < 10.1, `CA valid ${validityYears} years`);
  assert.notEqual(pki.clientCaPem, pki.caPem);

  const serving = new X509Certificate(pki.certPem);
  assert.ok(serving.checkIssued(ca) && serving.verify(ca.publicKey));
  assert.ok(!serving.ca);
  assert.deepEqual(subjectAltNamesOf(pki.certPem), {
    dns: ['api.example.test', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', 'localhost', 'node-a'],
    ips: ['0:0:0:0:0:0:0:1', '10.1.2.3', '127.0.0.1'],
  });

  assert.match(pki.adminToken, /^[0-9a-f]{64}$/);
  assert.equal(readFileSync(paths.adminToken, 'utf8').trim(), pki.adminToken);
  assert.equal(readFileSync(paths.nodeToken, 'utf8').trim(), pki.nodeToken);
  const parsed = parseJoinToken(pki.nodeToken);
  assert.equal(parsed.user, 'node');
  assert.equal(parsed.secret, pki.nodeTokenSecret);
  assert.ok(verifyCaHash(pki.caPem, parsed.caHash!));
  assert.ok(!verifyCaHash(pki.clientCaPem, parsed.caHash!));
});

test('a later start loads everything as it was', async (t) => {
  const dataDir = tempDataDir(t);
  const first = await ensurePki(dataDir, { sans: ['10.1.2.3'] });
  const logs: string[] = [];
  const second = await ensurePki(dataDir, { sans: ['10.1.2.3'], log: (m) => logs.push(m) });
  assert.equal(second.caPem, first.caPem);
  assert.equal(second.caKeyPem, first.caKeyPem);
  assert.equal(second.clientCaPem, first.clientCaPem);
  assert.equal(second.certPem, first.certPem);
  assert.equal(second.keyPem, first.keyPem);
  assert.equal(second.adminToken, first.adminToken);
  assert.equal(second.nodeToken, first.nodeToken);
  assert.deepEqual(logs, []);
});

test('a changed SAN list reissues the serving certificate under the same CA', async (t) => {
  const dataDir = tempDataDir(t);
  const first = await ensurePki(dataDir, { sans: ['10.1.2.3'] });
  const second = await ensurePki(dataDir, { sans: ['10.1.2.3', '192.168.50.7'] });
  assert.equal(second.caPem, first.caPem);
  assert.notEqual(second.certPem, first.certPem);
  assert.ok(subjectAltNamesOf(second.certPem).ips.includes('192.168.50.7'));
  assert.ok(new X509Certificate(second.certPem).checkIssued(new X509Certificate(first.caPem)));
  // Same list in another order and spelling: nothing to do.
  const third = await ensurePki(dataDir, { sans: ['192.168.50.7', '[10.1.2.3]', '0:0::1'] });
  assert.equal(third.certPem, second.certPem);
});

test('a CA certificate without its key is kept, and signing then fails clearly', async (t) => {
  const dataDir = tempDataDir(t);
  const first = await ensurePki(dataDir);
  const paths = pkiPaths(dataDir);
  unlinkSync(paths.caKey);
  const loaded = await ensurePki(dataDir);
  assert.equal(loaded.caPem, first.caPem);
  assert.equal(loaded.caKeyPem, undefined);
  assert.equal(loaded.certPem, first.certPem);
  assert.ok(!existsSync(paths.caKey), 'no new CA key was generated');
  await assert.rejects(ensurePki(dataDir, { sans: ['10.9.9.9'] }), /CA key .*ca\.key is missing/);
  assert.equal(readFileSync(paths.caCert, 'utf8'), first.caPem);
});

test('a CA key without its certificate is an error, not a new CA', async (t) => {
  const dataDir = tempDataDir(t);
  await ensurePki(dataDir);
  const paths = pkiPaths(dataDir);
  const key = readFileSync(paths.caKey, 'utf8');
  unlinkSync(paths.caCert);
  await assert.rejects(ensurePki(dataDir), /ca\.key exists but .*ca\.crt does not/);
  assert.equal(readFileSync(paths.caKey, 'utf8'), key);
});

test('the serving certificate verifies with Node TLS by name and by IP, trusting only the CA', async (t) => {
  const pki = await ensurePki(tempDataDir(t), { hostName: 'node-a' });
  const server = await startHttpsServer({ cert: pki.certPem, key: pki.keyPem });
  t.after(() => server.close());
  const base = { host: '127.0.0.1', port: server.port };

  const byName = await httpsGet({ ...base, ca: pki.caPem, servername: 'localhost' });
  assert.deepEqual(byName, { ok: true, status: 200, body: 'anonymous' });
  const byIp = await httpsGet({ ...base, ca: pki.caPem });
  assert.equal(byIp.ok, true);
  const byHostName = await httpsGet({ ...base, ca: pki.caPem, servername: 'node-a' });
  assert.equal(byHostName.ok, true);

  const trustingNothing = await httpsGet({ ...base, ca: [] as string[] });
  assert.deepEqual(trustingNothing, { ok: false, error: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  const trustingDefaults = await httpsGet({ ...base });
  assert.equal(trustingDefaults.ok, false);
  const trustingOtherCa = await httpsGet({ ...base, ca: pki.clientCaPem });
  assert.equal(trustingOtherCa.ok, false);
  const wrongName = await httpsGet({ ...base, ca: pki.caPem, servername: 'elsewhere.example' });
  assert.deepEqual(wrongName, { ok: false, error: 'ERR_TLS_CERT_ALTNAME_INVALID' });
});

test('the serving certificate verifies over IPv6 loopback', async (t) => {
  const pki = await ensurePki(tempDataDir(t));
  let server;
  try {
    server = await startHttpsServer({ cert: pki.certPem, key: pki.keyPem }, '::1');
  } catch (err) {
    t.skip(`no IPv6 loopback here: ${(err as Error).message}`);
    return;
  }
  t.after(() => server.close());
  const result = await httpsGet({ host: '::1', port: server.port, ca: pki.caPem });
  assert.equal(result.ok, true, JSON.stringify(result));
});
