// Adding a joining server's etcd member on a real etcd: the answer is the
// --initial-cluster it must start with; asking again (a joiner that crashed
// before its etcd started) adds nothing; a second joiner waits its turn.
// Peer URLs are on loopback: the members never start, but etcd dials them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEtcd } from '../harness/etcd';
import { addEtcdMember, listEtcdMembers } from '../../cmd/kapstan/etcd-membership';

test('etcd members are added once, with the initial cluster the joiner needs', async (t) => {
  const etcd = await startTestEtcd();
  t.after(() => etcd.destroy());
  const log: string[] = [];
  const self = `kaptest=${(await listEtcdMembers(etcd.endpoint))[0].peerURLs![0]}`;

  const first = await addEtcdMember(etcd.endpoint, { name: 'kapstan-127.0.0.2', peerURL: 'https://127.0.0.2:2380' }, (m) => log.push(m));
  assert.deepEqual(first.initialCluster.split(',').sort(), [self, 'kapstan-127.0.0.2=https://127.0.0.2:2380'].sort());
  const again = await addEtcdMember(etcd.endpoint, { name: 'kapstan-127.0.0.2', peerURL: 'https://127.0.0.2:2380' }, (m) => log.push(m));
  assert.equal(again.initialCluster, first.initialCluster);
  assert.equal((await listEtcdMembers(etcd.endpoint)).length, 2, 'no second member for the same peer URL');
  assert.deepEqual(log, ['added etcd member kapstan-127.0.0.2 at https://127.0.0.2:2380']);

  await assert.rejects(
    addEtcdMember(etcd.endpoint, { name: 'kapstan-127.0.0.3', peerURL: 'https://127.0.0.3:2380' }, () => {}),
    /another etcd member \(https:\/\/127\.0\.0\.2:2380\) is still joining/,
  );
});
