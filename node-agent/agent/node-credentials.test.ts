import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificateAuthority, loadCertificateAuthority, issueClientCertificate, LEAF_VALIDITY_DAYS } from '../../apiserver/pki';
import { loadNodeCredentials, saveNodeCredentials } from './node-credentials';

test('saved node credentials load back only for their node and while valid', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kap-node-creds-'));
  try {
    assert.equal(await loadNodeCredentials(dir, 'kap-n1'), undefined, 'nothing saved yet');
    const caPair = await createCertificateAuthority('kap-test-ca', new Date());
    const ca = await loadCertificateAuthority(caPair.certPem, caPair.keyPem);
    const issued = await issueClientCertificate(ca, 'system:node:kap-n1', 'system:nodes');
    const creds = { certPem: issued.certPem, keyPem: issued.keyPem, caPem: caPair.certPem };
    await saveNodeCredentials(dir, creds);
    assert.equal(statSync(join(dir, 'pki', 'client.key')).mode & 0o777, 0o600);
    assert.deepEqual(await loadNodeCredentials(dir, 'kap-n1'), creds);
    assert.equal(await loadNodeCredentials(dir, 'kap-n2'), undefined, 'another node name');
    assert.equal(await loadNodeCredentials(dir, 'kap-n1', new Date(Date.now() + (LEAF_VALIDITY_DAYS + 1) * 86400_000)), undefined, 'expired');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
