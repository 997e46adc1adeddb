// A kill -9 of the apiserver in the middle of a burst of creates loses no
// acknowledged object: an acknowledgement means etcd committed it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestEtcd } from '../harness/etcd';
import { freePort } from '../harness/ports';
import { spawnServer, ServerProcess } from '../harness/server-process';
import { request, destroyAgent } from '../harness/http';

test('kill -9 of the apiserver during a burst of creates loses no acknowledged write', async () => {
  const etcd = await startTestEtcd();
  const dataDir = mkdtempSync(join(tmpdir(), 'kap-crash-'));
  const servers: ServerProcess[] = [];
  try {
    const port = await freePort();
    const server = await spawnServer({ dataDir, port, etcdEndpoint: etcd.endpoint });
    servers.push(server);
    const acked: string[] = [];
    let failures = 0;
    let next = 0;
    let killed = false;
    const worker = async () => {
      while (next < 5000) {
        const name = `burst-${next++}`;
        try {
          const res = await request(server, 'POST', '/api/v1/namespaces/default/configmaps', {
            body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { n: name } },
          });
          if (res.status === 201) acked.push(name);
          else failures++;
        } catch {
          failures++;
          if (killed) return;
        }
        if (acked.length >= 200 && !killed) {
          killed = true;
          process.kill(server.pid, 'SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    await server.exited;
    destroyAgent(server);
    assert.ok(killed, 'the server was killed mid-burst');
    assert.ok(acked.length >= 200);

    const restarted = await spawnServer({ dataDir, port, etcdEndpoint: etcd.endpoint });
    servers.push(restarted);
    const list = await request(restarted, 'GET', '/api/v1/namespaces/default/configmaps');
    const stored = new Set(list.body.items.map((i: { metadata: { name: string } }) => i.metadata.name));
    const lost = acked.filter((n) => !stored.has(n));
    assert.deepEqual(lost, [], `${lost.length} acknowledged objects lost`);
  } finally {
    for (const s of servers) {
      await s.kill('SIGKILL').catch(() => undefined);
      destroyAgent(s);
    }
    await etcd.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
