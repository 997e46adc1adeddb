// `kapstan token rotate` on real `kapstan server` processes sharing one real
// etcd (loopback only): a node joins with the token; after the rotation the
// old token is refused at join (by a real `kapstan agent` process, exit code
// ≠ 0, a message saying the token was revoked or is wrong) on both servers,
// the new token joins, the node that joined before keeps heartbeating and
// reconnects with its client certificate, and a restarted server keeps the
// rotated token (etcd is the source of truth, not its DATA/node-token).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestEtcd, TestEtcd } from '../harness/etcd';
import { spawnServer, ServerProcess } from '../harness/server-process';
import { freePort } from '../harness/ports';
import { request } from '../harness/http';
import { NodeClient, NodeCredentials, NodeRegistration } from '../../client/node-client';
import { isApiError } from '../../api/errors';

const ROOT = join(__dirname, '..', '..', '..');
const KAPSTAN = join(ROOT, 'bin', 'kapstan');
const READY = [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kapstan agent is posting ready status' }];

function registration(nodeName: string): NodeRegistration {
  return {
    addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: nodeName }],
    capacity: { cpu: '1', memory: '1Gi', pods: '10' },
    allocatable: { cpu: '1', memory: '1Gi', pods: '10' },
    nodeInfo: { operatingSystem: 'linux', architecture: 'amd64', kubeletVersion: 'v1.30.0-kapstan.0.1.0' },
    conditions: READY,
  };
}

/** Runs a kapstan command to its end: exit code and output. */
function kapstan(args: string[], timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [KAPSTAN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function agentEndpoint(server: ServerProcess): string {
  return `https://127.0.0.1:${Number(new URL(server.url).port) + 1}`;
}

async function join_(server: ServerProcess, token: string, nodeName: string): Promise<NodeClient> {
  const client = await NodeClient.connect({ server: agentEndpoint(server), token, nodeName });
  try {
    await client.register(registration(nodeName));
    return client;
  } catch (err) {
    client.close();
    throw err;
  }
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const readToken = (dataDir: string) => readFileSync(join(dataDir, 'node-token'), 'utf8').trim();

test('kapstan token rotate revokes the old join token on every server; joined nodes keep their certificates', { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kap-token-rotate-'));
  let etcd: TestEtcd | undefined;
  const servers: ServerProcess[] = [];
  const clients: NodeClient[] = [];
  try {
    etcd = await startTestEtcd();
    const dataA = join(dir, 'server-a');
    const dataB = join(dir, 'server-b');
    const a = await spawnServer({ dataDir: dataA, port: await freePort(), etcdEndpoint: etcd.endpoint });
    servers.push(a);
    // A second server on the same etcd with the same PKI (as HA servers share it).
    cpSync(join(dataA, 'tls'), join(dataB, 'tls'), { recursive: true });
    for (const f of ['node-token', 'server-token']) cpSync(join(dataA, f), join(dataB, f));
    const b = await spawnServer({ dataDir: dataB, port: await freePort(), etcdEndpoint: etcd.endpoint });
    servers.push(b);

    const oldToken = readToken(dataA);
    const first = await join_(a, oldToken, 'kap-first');
    clients.push(first);
    const credentials: NodeCredentials = first.nodeCredentials!;
    assert.ok(credentials.certPem.includes('BEGIN CERTIFICATE'));

    // Rotate on server A with a chosen secret.
    const rotated = await kapstan(['token', 'rotate', '--data-dir', dataA, '--new-token', 'kap-rotated-secret-0001']);
    assert.equal(rotated.code, 0, rotated.stderr);
    const newToken = rotated.stdout.trim();
    assert.match(newToken, /^K10[0-9a-f]{64}::node:kap-rotated-secret-0001$/);
    assert.equal(newToken.slice(0, 67), oldToken.slice(0, 67), 'the CA hash stays');
    assert.equal(readToken(dataA), newToken, 'DATA/node-token on the server it ran on');
    // Server B learns it through its watch and rewrites its own file once it accepts it.
    await waitFor('server B to apply the rotated token', () => readToken(dataB) === newToken);

    const secret = await request(a, 'GET', '/api/v1/namespaces/kube-system/secrets/kapstan-node-token');
    assert.equal(secret.status, 200);
    assert.equal(Buffer.from(secret.body.data.secret, 'base64').toString(), 'kap-rotated-secret-0001');

    // A real agent with the old token: refused, with a message that says why, and exit code ≠ 0.
    const refused = await kapstan(['agent', '--server', a.url, '--token', oldToken, '--node-name', 'kap-old-token',
      '--node-ip', '127.0.0.1', '--cluster-dns', '', '--data-dir', join(dir, 'agent-old')]);
    assert.notEqual(refused.code, 0, refused.stderr);
    assert.match(refused.stderr, /does not match the cluster's current node token; the join token was revoked or is wrong/);

    // The other server refuses it too.
    await assert.rejects(join_(b, oldToken, 'kap-old-token-b'), (err: unknown) => {
      assert.ok(isApiError(err, 'Unauthorized'), String(err));
      assert.match((err as Error).message, /the join token was revoked or is wrong/);
      return true;
    });
    for (const name of ['kap-old-token', 'kap-old-token-b']) {
      assert.equal((await request(a, 'GET', `/api/v1/nodes/${name}`)).status, 404, `no Node for the refused ${name}`);
    }

    // The new token joins, on either server.
    clients.push(await join_(a, newToken, 'kap-new-a'));
    clients.push(await join_(b, newToken, 'kap-new-b'));

    // The node that joined before still heartbeats with its certificate and stays Ready.
    await first.heartbeat(READY);
    // ... and after a restart (a new client with its saved certificate and key, and only the revoked token).
    first.close();
    const restarted = await NodeClient.connect({ server: agentEndpoint(b), token: oldToken, nodeName: 'kap-first', credentials });
    clients.push(restarted);
    await restarted.heartbeat(READY);
    await restarted.register(registration('kap-first'));
    const node = await request(a, 'GET', '/api/v1/nodes/kap-first');
    assert.equal(node.status, 200);
    assert.equal(node.body.status.conditions.find((c: { type: string }) => c.type === 'Ready')?.status, 'True');

    // A restarted server keeps the rotated token even when its file says otherwise: etcd decides.
    await a.kill();
    servers.splice(servers.indexOf(a), 1);
    writeFileSync(join(dataA, 'node-token'), oldToken + '\n', { mode: 0o600 });
    const a2 = await spawnServer({ dataDir: dataA, port: Number(new URL(a.url).port), etcdEndpoint: etcd.endpoint });
    servers.push(a2);
    // (The apiserver answers before the stored token is read; the agents' endpoint only after.)
    await waitFor('the restarted server to rewrite DATA/node-token from etcd', () => readToken(dataA) === newToken);
    await assert.rejects(join_(a2, oldToken, 'kap-old-token-c'), /the join token was revoked or is wrong/);
    clients.push(await join_(a2, newToken, 'kap-new-c'));

    // A second rotation without --new-token generates a secret.
    const again = await kapstan(['token', 'rotate', '--data-dir', dataA]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout.trim(), /^K10[0-9a-f]{64}::node:[0-9a-f]{32}$/);
    assert.notEqual(again.stdout.trim(), newToken);

    // A secret a token cannot carry is refused before anything is stored.
    const bad = await kapstan(['token', 'rotate', '--data-dir', dataA, '--new-token', 'has space']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /a join secret may only contain/);
    assert.equal(readToken(dataA), again.stdout.trim());
  } catch (err) {
    const logs = ['server-a', 'server-b'].map((s) => {
      try {
        return `--- ${s}\n${readFileSync(join(dir, s, 'server.log'), 'utf8').slice(-4000)}`;
      } catch {
        return '';
      }
    });
    throw new Error(`${(err as Error).stack}\n${logs.join('\n')}`);
  } finally {
    for (const c of clients) c.close();
    for (const s of servers) await s.kill().catch(() => {});
    await etcd?.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
