// Real agents across a token rotation (three simulated machines, as
// join.test.ts): an agent that joined before `kapstan token rotate` stays
// Ready, and after a restart it reconnects with its saved client certificate
// although its --token was revoked; a new agent with the old token is refused
// (exit code ≠ 0, with the reason), one with the new token joins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { NetnsCluster, KAPSTAN_BIN, type Machine } from '../harness/netns-cluster';

/** `kapstan token rotate` on the server's machine (its API address is inside that machine's namespace). */
function rotate(m: Machine, dataDir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', [`--net=${m.ns}`, '--', process.execPath, KAPSTAN_BIN, 'token', 'rotate', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('agents across kapstan token rotate: joined ones keep working and restart on their certificate; the old token is refused', { timeout: 300_000 }, async () => {
  const cluster = new NetnsCluster();
  try {
    const a = cluster.machine('a', '10.250.0.1');
    const b = cluster.machine('b', '10.250.0.2');
    const c = cluster.machine('c', '10.250.0.3');
    const server = await cluster.startServer(a);
    const api = await cluster.api(server);
    const oldToken = cluster.nodeToken(server);
    const url = 'https://10.250.0.1:6443';
    const agentB = await cluster.startAgent(b, url, oldToken);
    await cluster.waitNodeReady(api, 'kap-b');

    const rotated = await rotate(a, server.dataDir);
    assert.equal(rotated.code, 0, rotated.stderr);
    const newToken = rotated.stdout.trim();
    assert.match(newToken, /^K10[0-9a-f]{64}::node:[0-9a-f]{32}$/);
    assert.notEqual(newToken, oldToken);
    assert.equal(cluster.nodeToken(server), newToken);

    const refused = await cluster.startAgent(c, url, oldToken, { nodeName: 'kap-c-old', dataDir: `${cluster.dir}/c-old`, noWait: true });
    assert.notEqual(await refused.exited, 0, refused.log());
    assert.match(refused.log(), /does not match the cluster's current node token; the join token was revoked or is wrong/);

    await cluster.startAgent(c, url, newToken);
    await cluster.waitNodeReady(api, 'kap-c');

    // The agent that joined before: still heartbeating, and after a restart (same --token, now revoked) it
    // registers with its saved certificate.
    assert.equal(await agentB.stop(), 0);
    const againB = await cluster.restart(agentB);
    assert.doesNotMatch(againB.log(), /joining with the token/);
    await cluster.waitNodeReady(api, 'kap-b');

    // The server restarted keeps the rotated token.
    assert.equal(await server.stop(), 0);
    const server2 = await cluster.restart(server);
    assert.equal(cluster.nodeToken(server2), newToken);
    const refusedAgain = await cluster.startAgent(c, url, oldToken, { nodeName: 'kap-c-old2', dataDir: `${cluster.dir}/c-old2`, noWait: true });
    assert.notEqual(await refusedAgain.exited, 0, refusedAgain.log());
    assert.match(refusedAgain.log(), /the join token was revoked or is wrong/);
  } catch (err) {
    throw new Error(`${(err as Error).stack}\n${cluster.logs()}`);
  } finally {
    await cluster.cleanup();
  }
});
