import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ensurePki } from './ensure-pki';
import { writeAdminKubeconfig, ADMIN_CONTEXT } from './admin-kubeconfig';
import { loadKubeconfig } from '../../client/kubeconfig';
import { startHttpsServer, httpsGet } from './tls-test-helpers';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'kap-pki-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function kubectl(args: string[]): { status: number | null; stdout: string; stderr: string } | undefined {
  const res = spawnSync('kubectl', args, { encoding: 'utf8', env: { ...process.env, KUBECONFIG: '' } });
  if ((res.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return undefined;
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

test('kubectl accepts the admin kubeconfig', async (t) => {
  const dataDir = tempDir(t);
  const pki = await ensurePki(dataDir);
  const path = writeAdminKubeconfig(dataDir, 'https://127.0.0.1:6443', pki.caPem, pki.adminToken);
  assert.equal(path, join(dataDir, 'admin.kubeconfig'));
  assert.equal(statSync(path).mode & 0o777, 0o600);

  const server = kubectl(['--kubeconfig', path, 'config', 'view', '--raw', '-o', 'jsonpath={.clusters[0].cluster.server}']);
  if (!server) return t.skip('kubectl is not installed');
  assert.equal(server.status, 0, server.stderr);
  assert.equal(server.stdout, 'https://127.0.0.1:6443');
  const ca = kubectl(['--kubeconfig', path, 'config', 'view', '--raw', '-o', 'jsonpath={.clusters[0].cluster.certificate-authority-data}']);
  assert.equal(Buffer.from(ca!.stdout, 'base64').toString('utf8'), pki.caPem);
  const user = kubectl(['--kubeconfig', path, 'config', 'view', '--raw', '--minify', '-o', 'jsonpath={.users[0].user.token}']);
  assert.equal(user!.stdout, pki.adminToken);
  const context = kubectl(['--kubeconfig', path, 'config', 'current-context']);
  assert.equal(context!.stdout.trim(), ADMIN_CONTEXT);
});

test('a client configured from the admin kubeconfig reaches a server using the PKI', async (t) => {
  const dataDir = tempDir(t);
  const pki = await ensurePki(dataDir);
  const server = await startHttpsServer({ cert: pki.certPem, key: pki.keyPem });
  t.after(() => server.close());
  const path = writeAdminKubeconfig(dataDir, `https://localhost:${server.port}`, pki.caPem, pki.adminToken);

  const resolved = loadKubeconfig({ kubeconfig: path, env: {} });
  assert.equal(resolved.token, pki.adminToken);
  assert.equal(resolved.contextName, ADMIN_CONTEXT);
  const url = new URL(resolved.server);
  const result = await httpsGet({ host: '127.0.0.1', servername: url.hostname, port: Number(url.port), ca: resolved.caPem });
  assert.deepEqual(result, { ok: true, status: 200, body: 'anonymous' });
});
