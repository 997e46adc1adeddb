import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate, createPublicKey } from 'node:crypto';
import { ensurePki } from './ensure-pki';
import { createCertificateAuthority, loadCertificateAuthority } from './certificate-authority';
import { signClientCertificate, issueClientCertificate, createCertificateSigningRequest, nodeUserName, NODES_GROUP } from './client-certificate';
import { generateKeyPair, importKeyPair } from './key-pair';
import { startHttpsServer, httpsGet } from './tls-test-helpers';
import { subtle } from './x509';

async function pkiWithClientCa(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'kap-pki-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pki = await ensurePki(dir);
  assert.ok(pki.clientCa, 'the client CA is loaded with its key');
  return { pki, clientCa: pki.clientCa };
}

test('a node certificate from a CSR carries the caller-chosen identity', async (t) => {
  const { clientCa } = await pkiWithClientCa(t);
  const { keys } = await generateKeyPair();
  const csr = await createCertificateSigningRequest(keys, 'whatever-the-agent-asked');
  const certPem = await signClientCertificate(clientCa, csr, nodeUserName('worker-1'), NODES_GROUP);
  const cert = new X509Certificate(certPem);
  assert.equal(cert.subject, 'O=system:nodes\nCN=system:node:worker-1');
  assert.ok(cert.checkIssued(new X509Certificate(clientCa.certPem)));
  assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.2']);
  const certKey = cert.publicKey.export({ type: 'spki', format: 'der' });
  const csrKey = Buffer.from(await subtle.exportKey('spki', keys.publicKey));
  assert.ok(certKey.equals(csrKey), 'the certificate certifies the key from the CSR');
});

test('a CSR whose signature does not match its key is refused', async (t) => {
  const { clientCa } = await pkiWithClientCa(t);
  const { keys } = await generateKeyPair();
  const csr = await createCertificateSigningRequest(keys, 'x');
  // Flip one bit in the signature (the last bytes of the DER).
  const der = Buffer.from(csr.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  der[der.length - 2] ^= 0x01;
  const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
  await assert.rejects(signClientCertificate(clientCa, tampered, 'system:node:x', NODES_GROUP), /invalid signature/);
});

test('a public-key PEM can be signed too', async (t) => {
  const { clientCa } = await pkiWithClientCa(t);
  const { keyPem } = await generateKeyPair();
  const publicPem = createPublicKey(keyPem).export({ type: 'spki', format: 'pem' }) as string;
  const cert = new X509Certificate(await signClientCertificate(clientCa, publicPem, 'system:node:w2', [NODES_GROUP]));
  assert.equal(cert.subject, 'O=system:nodes\nCN=system:node:w2');
  await importKeyPair(keyPem); // the stored key format round-trips
});

test('a server requiring client certificates accepts one from the client CA only', async (t) => {
  const { pki, clientCa } = await pkiWithClientCa(t);
  const server = await startHttpsServer({
    cert: pki.certPem, key: pki.keyPem, ca: pki.clientCaPem, requestCert: true, rejectUnauthorized: true,
  });
  t.after(() => server.close());
  const base = { host: '127.0.0.1', port: server.port, ca: pki.caPem, servername: 'localhost' };

  const node = await issueClientCertificate(clientCa, nodeUserName('worker-1'), NODES_GROUP);
  const accepted = await httpsGet({ ...base, cert: node.certPem, key: node.keyPem });
  assert.deepEqual(accepted, { ok: true, status: 200, body: 'system:node:worker-1' });

  const withoutCert = await httpsGet(base);
  assert.equal(withoutCert.ok, false);

  const strangerPems = await createCertificateAuthority('stranger');
  const strangerCa = await loadCertificateAuthority(strangerPems.certPem, strangerPems.keyPem);
  const stranger = await issueClientCertificate(strangerCa, 'system:node:worker-1', NODES_GROUP);
  const rejected = await httpsGet({ ...base, cert: stranger.certPem, key: stranger.keyPem });
  assert.equal(rejected.ok, false);
});
