// A 1-server, 2-agent cluster on three simulated machines: the agents join
// with the server's token over the test segment and their Nodes become Ready;
// a token with a wrong secret and one with another cluster's CA hash are
// refused with a message that names the problem, and so is a server that
// tries to join with the agents' token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetnsCluster } from '../harness/netns-cluster';
import { request } from '../harness/http';

test('agents on two machines join a server by token; bad tokens are refused', { timeout: 240_000 }, async () => {
  const cluster = new NetnsCluster();
  try {
    const a = cluster.machine('a', '10.250.0.1');
    const b = cluster.machine('b', '10.250.0.2');
    const c = cluster.machine('c', '10.250.0.3');
    const d = cluster.machine('d', '10.250.0.4'); // where refused agents try to join
    const server = await cluster.startServer(a);
    const api = await cluster.api(server);
    const token = cluster.nodeToken(server);
    assert.match(token, /^K10[0-9a-f]{64}::node:\S+$/);

    const url = 'https://10.250.0.1:6443';
    await cluster.startAgent(b, url, token);
    await cluster.startAgent(c, url, token);
    const nodeB = await cluster.waitNodeReady(api, 'kap-b');
    await cluster.waitNodeReady(api, 'kap-c');
    assert.ok(nodeB.status.addresses.some((ad: { type: string; address: string }) => ad.type === 'InternalIP' && ad.address === '10.250.0.2'));
    const nodes = await request(api, 'GET', '/api/v1/nodes');
    assert.deepEqual(nodes.body.items.map((n: { metadata: { name: string } }) => n.metadata.name).sort(), ['kap-b', 'kap-c']);

    // The right CA hash but a wrong secret: the server refuses the join.
    const wrongSecret = token.replace(/:[^:]+$/, ':0123456789abcdef0123456789abcdef');
    const refused = await cluster.startAgent(d, url, wrongSecret, { nodeName: 'kap-intruder', dataDir: `${cluster.dir}/d-intruder`, noWait: true });
    assert.notEqual(await refused.exited, 0, refused.log());
    assert.match(refused.log(), /invalid join token: the secret does not match/);

    // Another cluster's CA hash: the agent refuses to trust the server.
    const wrongCa = token.replace(/^K10[0-9a-f]{64}/, `K10${'ab'.repeat(32)}`);
    const distrusted = await cluster.startAgent(d, url, wrongCa, { nodeName: 'kap-intruder', dataDir: `${cluster.dir}/d-intruder2`, noWait: true });
    assert.notEqual(await distrusted.exited, 0, distrusted.log());
    assert.match(distrusted.log(), /join token expects abab.*refusing to trust this server/);

    // A server cannot join with the agents' token: it would unlock the CA keys.
    const server2 = await cluster.startServer(d, { args: ['--join', url, '--token', token], noWait: true });
    assert.notEqual(await server2.exited, 0, server2.log());
    assert.match(server2.log(), /refused to share its bootstrap data: 403 this is a node \(agent\) token/);

    const after = await request(api, 'GET', '/api/v1/nodes/kap-intruder');
    assert.equal(after.status, 404, 'no Node was created for a refused token');
  } catch (err) {
    throw new Error(`${(err as Error).stack}\n${cluster.logs()}`);
  } finally {
    await cluster.cleanup();
  }
});
