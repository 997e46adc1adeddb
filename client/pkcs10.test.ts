import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPublicKey, webcrypto } from 'node:crypto';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { newKeyAndCsr } from './pkcs10';

test('the hand-made PKCS#10 request parses and verifies as the apiserver reads it, for the key returned', async () => {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const name = `system:node:${'n'.repeat(140)}`; // long enough for multi-byte DER lengths
  const { keyPem, csrPem } = await newKeyAndCsr(name);
  const csr = new x509.Pkcs10CertificateRequest(csrPem);
  assert.equal(await csr.verify(), true);
  assert.equal(csr.subject, `CN=${name}`);
  assert.equal((csr.signatureAlgorithm as unknown as { name: string }).name, 'ECDSA');
  const fromKey = Buffer.from(createPublicKey(keyPem).export({ type: 'spki', format: 'der' }));
  assert.deepEqual(Buffer.from(csr.publicKey.rawData), fromKey);
});
