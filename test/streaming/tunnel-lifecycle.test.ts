// The tunnel's life: it comes back after the gRPC endpoint restarts, and a
// reader that goes away ends the agent's session (nothing keeps reading).
import assert from 'node:assert/strict';
import { request } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { after, before, test } from 'node:test';
import { ApiError } from '../../api/errors';
import { tunnelHubFor } from '../../apiserver/grpc/streaming/tunnel-hub';
import { waitFor } from '../fixtures/runtime/container-sandbox';
import { criLine, startStreamingTestBed, type StreamingTestBed } from './streaming-testbed';

let t: StreamingTestBed;

before(async () => {
  t = await startStreamingTestBed('tunnel');
});

after(async () => {
  await t?.stop();
});

function openFollow(pod: string): Promise<IncomingMessage> {
  const url = new URL(`${t.bed.api.url}/api/v1/namespaces/default/pods/${pod}/log?follow=true`);
  return new Promise((resolve, reject) => {
    const req = request(url, { ca: t.bed.api.caPem, headers: { Authorization: `Bearer ${t.bed.api.token}` } }, resolve);
    req.on('error', reject);
    req.end();
  });
}

test('a follower that disconnects ends the agent\'s log session', async () => {
  const pod = await t.createPod('gone');
  await t.appendLog(pod, 'main', 0, [criLine(new Date().toISOString(), 'hello')]);
  const res = await openFollow('gone');
  assert.equal(res.statusCode, 200);
  await new Promise<void>((resolve) => res.once('data', () => resolve()));
  assert.equal(t.tunnel.activeSessions, 1);
  res.destroy();
  await waitFor('the agent to stop following', () => t.tunnel.activeSessions === 0, 10_000);
});

test('the tunnel reconnects after the gRPC endpoint restarts; meanwhile requests get 503', async () => {
  const pod = await t.createPod('again');
  await t.appendLog(pod, 'main', 0, [criLine(new Date().toISOString(), 'still here')]);
  await t.bed.stopGrpc();
  await waitFor('the tunnel to notice', () => !t.tunnel.connected, 10_000);
  await waitFor('the apiserver to drop the tunnel', () => !tunnelHubFor(t.bed.registry).isConnected(t.nodeName), 10_000);
  const down = await t.rest.request('GET', '/api/v1/namespaces/default/pods/again/log').then(() => undefined, (e: { httpStatus?: number }) => e.httpStatus);
  assert.equal(down, 503);
  await t.bed.startGrpc();
  await t.tunnel.whenConnected();
  const res = await t.rest.request<string>('GET', '/api/v1/namespaces/default/pods/again/log', { accept: '*/*' });
  assert.equal(res.body, 'still here\n');
});

test('only the node a request was pushed to may answer it', async () => {
  // A node whose tunnel is open but which answers only when told to.
  const victim = await t.bed.registeredNode('kap-tunnel-victim');
  const intruder = await t.bed.registeredNode('kap-tunnel-intruder');
  const tunnel = victim.openStreamTunnel();
  try {
    await new Promise<void>((resolve, reject) => {
      tunnel.once('metadata', () => resolve());
      tunnel.once('error', reject);
    });
    const pushed = tunnelHubFor(t.bed.registry).pushLog('kap-tunnel-victim', { namespace: 'default', pod: 'p', podUid: 'u', container: 'c' }, 10_000);
    const answerWith = (client: typeof victim) => new Promise<ApiError | null>((resolve) => {
      client.openLogStream(resolve).write({ requestId: pushed.requestId, data: Buffer.alloc(0) });
    });
    assert.equal((await answerWith(intruder))?.code, 'Forbidden');
    // The node it was pushed to can still answer it.
    const victimDone = answerWith(victim);
    const answer = await pushed.answer;
    assert.equal(answer.first.requestId, pushed.requestId);
    answer.finish();
    assert.equal(await victimDone, null);
  } finally {
    tunnel.cancel();
  }
});
