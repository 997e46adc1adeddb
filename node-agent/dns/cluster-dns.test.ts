import { test } from 'node:test';
import assert from 'node:assert/strict';
import { upstreamsFrom } from './cluster-dns';

test('upstreamsFrom: the node\'s nameservers, never the cluster DNS address itself', () => {
  const conf = '# generated\nnameserver 10.96.0.10\nnameserver 127.0.0.53\nsearch example.test\nnameserver 192.0.2.1\n';
  assert.deepEqual(upstreamsFrom(conf, '10.96.0.10'), ['127.0.0.53', '192.0.2.1']);
  assert.deepEqual(upstreamsFrom('', '10.96.0.10'), []);
});
