// A whole HA cluster powered off and on again: all three servers stop, then
// start at once (as systemd does on boot); their etcd members find each
// other, and the data written before is served by every server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NetnsCluster, type KapstanProcess } from '../harness/netns-cluster';
import { request } from '../harness/http';

const FIRST = 'https://10.250.0.1:6443';

test('an HA cluster restarts as a whole and keeps its data', { timeout: 300_000 }, async () => {
  const cluster = new NetnsCluster();
  try {
    const machines = [1, 2, 3].map((i) => cluster.machine(`s${i}`, `10.250.0.${i}`));
    const servers: KapstanProcess[] = [await cluster.startServer(machines[0], { args: ['--cluster-init'] })];
    const token = readFileSync(join(servers[0].dataDir, 'server-token'), 'utf8').trim();
    for (const m of machines.slice(1)) servers.push(await cluster.startServer(m, { args: ['--join', FIRST, '--token', token] }));
    const apis = [];
    for (const s of servers) apis.push(await cluster.api(s));
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kap-before-power-off' }, data: { kept: 'yes' } };
    assert.equal((await request(apis[1], 'POST', '/api/v1/namespaces/default/configmaps', { body: cm })).status, 201);

    // Powered off together, as machines are: each stops cleanly even as its etcd loses quorum.
    const codes = await Promise.all(servers.map((s) => s.stop()));
    assert.deepEqual(codes, [0, 0, 0], 'every server stops cleanly');
    const again = await Promise.all(servers.map((s) => cluster.restart(s, { timeoutMs: 90_000 })));
    assert.equal(again.length, 3);
    for (const api of apis) {
      const res = await request(api, 'GET', '/api/v1/namespaces/default/configmaps/kap-before-power-off');
      assert.equal(res.status, 200);
      assert.equal(res.body.data.kept, 'yes');
    }
  } catch (err) {
    throw new Error(`${(err as Error).stack}\n${cluster.logs()}`);
  } finally {
    await cluster.cleanup();
  }
});
