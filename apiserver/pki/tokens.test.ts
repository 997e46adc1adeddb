import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { createCertificateAuthority } from './certificate-authority';
import { caHash, formatJoinToken, parseJoinToken, verifyCaHash, generateAdminToken, secretsEqual } from './tokens';

test('a join token is K10 + sha256 of the CA DER + ::node: + secret, and parses back', async () => {
  const { certPem } = await createCertificateAuthority('test-ca');
  const expectedHash = createHash('sha256').update(new X509Certificate(certPem).raw).digest('hex');
  const token = formatJoinToken(certPem, 'abc123');
  assert.equal(token, `K10${expectedHash}::node:abc123`);
  assert.deepEqual(parseJoinToken(token), { caHash: expectedHash, user: 'node', secret: 'abc123' });
  assert.equal(caHash(certPem), expectedHash);
});

test('the CA hash check accepts only the matching CA', async () => {
  const a = await createCertificateAuthority('a');
  const b = await createCertificateAuthority('b');
  const hashA = caHash(a.certPem);
  assert.ok(verifyCaHash(a.certPem, hashA));
  assert.ok(verifyCaHash(a.certPem, hashA.toUpperCase()));
  assert.ok(!verifyCaHash(b.certPem, hashA));
  assert.ok(!verifyCaHash(a.certPem, hashA.slice(0, 63)));
});

test('bare secrets parse; malformed tokens are refused', () => {
  assert.deepEqual(parseJoinToken(' s3cret\n'), { secret: 's3cret' });
  assert.throws(() => parseJoinToken('K10abc::node:x'), /64 hex digits/);
  assert.throws(() => parseJoinToken(`K10${'0'.repeat(64)}::node:`), /invalid join token/);
  assert.throws(() => parseJoinToken(''), /invalid join token/);
  assert.throws(() => parseJoinToken('a:b'), /invalid join token/);
});

test('admin tokens are 32 random bytes in hex', () => {
  const a = generateAdminToken();
  assert.match(a, /^[0-9a-f]{64}$/);
  assert.notEqual(a, generateAdminToken());
  assert.ok(secretsEqual(a, a));
  assert.ok(!secretsEqual(a, a.slice(1)));
});
