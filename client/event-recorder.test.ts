// The correlating event recorder against a real apiserver on etcd.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { findByKind } from '../api/resources';
import type { KubeObject } from '../api/types';
import { startTestApiServer, TestApiServer } from '../test/harness/api-server';
import { EventRecorder } from './event-recorder';
import { RestClient } from './rest-client';

const events = findByKind('v1', 'Event')!;
const configMaps = findByKind('v1', 'ConfigMap')!;
let server: TestApiServer;
let client: RestClient;

before(async () => {
  server = await startTestApiServer();
  client = new RestClient({ server: server.url, caPem: server.caPem, token: server.token });
});

after(async () => {
  client?.close();
  await server?.stop();
});

type Event = KubeObject & { reason: string; message: string; count: number; type: string; firstTimestamp: string; lastTimestamp: string; involvedObject: { uid?: string; kind?: string } };

test('a repeated event increments one Event; a different message or object makes another; a deleted Event starts afresh', async () => {
  const logged: string[] = [];
  let now = Date.parse('2026-11-23T10:00:00Z');
  const recorder = new EventRecorder({ client, component: 'kap-test', log: (m) => logged.push(m), now: () => now });
  const a = await client.create(configMaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kap-ev-a' } });
  const b = await client.create(configMaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kap-ev-b' } });

  await recorder.record(a, 'Warning', 'Broken', 'it broke');
  now += 5000;
  await Promise.all([recorder.record(a, 'Warning', 'Broken', 'it broke'), recorder.record(a, 'Warning', 'Broken', 'it broke')]);
  await recorder.record(a, 'Warning', 'Broken', 'it broke differently');
  await recorder.record(b, 'Normal', 'Broken', 'it broke');
  await recorder.flush();

  const mine = async () => ((await client.list<Event>(events, 'default')).items).filter((e) => e.metadata.name!.startsWith('kap-ev-'));
  const list = await mine();
  const first = list.find((e) => e.involvedObject.uid === a.metadata.uid && e.message === 'it broke')!;
  assert.equal(first.count, 3);
  assert.equal(first.firstTimestamp, '2026-11-23T10:00:00Z');
  assert.equal(first.lastTimestamp, '2026-11-23T10:00:05Z');
  assert.equal(first.involvedObject.kind, 'ConfigMap');
  assert.equal(list.length, 3, 'the other message and the other object have Events of their own');
  assert.deepEqual(logged, []);

  await client.delete(events, 'default', first.metadata.name!);
  await recorder.record(a, 'Warning', 'Broken', 'it broke');
  const again = (await mine()).filter((e) => e.involvedObject.uid === a.metadata.uid && e.message === 'it broke');
  assert.deepEqual(again.map((e) => e.count), [1]);
});

test('a failed write is logged, never thrown', async () => {
  const logged: string[] = [];
  const recorder = new EventRecorder({ client, component: 'kap-test', log: (m) => logged.push(m) });
  await recorder.record({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kap-ev-c', namespace: 'kap-no-such-namespace' } }, 'Normal', 'X', 'y');
  assert.equal(logged.length, 1);
  assert.match(logged[0], /kap-test: event X for kap-no-such-namespace\/kap-ev-c: /);
});
