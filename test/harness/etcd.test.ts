import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import { startTestEtcd } from './etcd';

test('test etcd starts on loopback, keeps data across a restart, and is removed', async () => {
  const etcd = await startTestEtcd();
  const client = new Etcd3({ hosts: etcd.endpoint });
  try {
    await client.put('/kaptest/a').value('1');
    await etcd.stop('SIGKILL');
    await etcd.restart();
    assert.equal(await client.get('/kaptest/a').string(), '1');
  } finally {
    client.close();
    await etcd.destroy();
  }
  assert.throws(() => process.kill(etcd.pid, 0));
});
