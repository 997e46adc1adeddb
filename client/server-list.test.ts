// The server list as a live gRPC target: a channel whose only server is dead
// connects as soon as a live one joins the list, without a new channel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { createServer } from 'node:net';
import { ServerList, parseIpEndpoint } from './server-list';

const waitForReady = (client: grpc.Client, ms: number) =>
  new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + ms, (err) => (err ? reject(err) : resolve())));

async function deadPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

test('parseIpEndpoint takes IP literals with ports only', () => {
  assert.deepEqual(parseIpEndpoint('10.0.0.1:6444'), { host: '10.0.0.1', port: 6444 });
  assert.deepEqual(parseIpEndpoint('[fd00::1]:6444'), { host: 'fd00::1', port: 6444 });
  assert.equal(parseIpEndpoint('kapstan.example:6444'), undefined);
  assert.equal(parseIpEndpoint('10.0.0.1'), undefined);
  assert.throws(() => new ServerList(['kapstan.example:6444']), /IP addresses with ports/);
});

test('a channel on a ServerList follows the list as it changes', async (t) => {
  const server = new grpc.Server();
  const livePort = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))));
  t.after(() => server.forceShutdown());
  const list = new ServerList([`127.0.0.1:${await deadPort()}`]);
  t.after(() => list.close());
  const client = new grpc.Client(list.target, grpc.credentials.createInsecure());
  t.after(() => client.close());

  await assert.rejects(waitForReady(client, 500), /Deadline|Failed to connect/i);
  assert.equal(list.set([...list.endpoints.map((e) => `${e.host}:${e.port}`), `127.0.0.1:${livePort}`]), true);
  assert.equal(list.set([...list.endpoints.map((e) => `${e.host}:${e.port}`)]), false, 'an unchanged list is no change');
  await waitForReady(client, 10_000);
  assert.equal(client.getChannel().getConnectivityState(false), grpc.connectivityState.READY);
});
