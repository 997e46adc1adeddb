import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatResolvConf, parseResolvConf, podResolvConf } from './resolv-conf';

const node = parseResolvConf(
  ['# written by the node', 'nameserver 10.0.0.2', 'nameserver 10.0.0.3 ; second', 'search corp.example', 'options edns0 timeout:2', ''].join('\n'),
);
const ctx = { clusterDnsIP: '10.96.0.10', node };
const pod = (spec: object = {}) => ({ metadata: { namespace: 'shop' }, spec });

test('resolv.conf: the node file is parsed (comments dropped, options kept)', () => {
  assert.deepEqual(node, { nameservers: ['10.0.0.2', '10.0.0.3'], searches: ['corp.example'], options: ['edns0', 'timeout:2'] });
});

test('resolv.conf: ClusterFirst (the default) points at the cluster DNS with the Kubernetes search path', () => {
  assert.equal(
    formatResolvConf(podResolvConf(pod(), ctx)),
    'nameserver 10.96.0.10\nsearch shop.svc.cluster.local svc.cluster.local cluster.local corp.example\noptions ndots:5\n',
  );
  assert.deepEqual(podResolvConf(pod({ dnsPolicy: 'ClusterFirstWithHostNet', hostNetwork: true }), ctx).nameservers, ['10.96.0.10']);
});

test('resolv.conf: Default, and ClusterFirst on the host network, resolve like the node', () => {
  assert.deepEqual(podResolvConf(pod({ dnsPolicy: 'Default' }), ctx), node);
  assert.deepEqual(podResolvConf(pod({ hostNetwork: true }), ctx), node);
});

test('resolv.conf: None takes everything from dnsConfig; dnsConfig merges into the others', () => {
  const dnsConfig = { nameservers: ['1.1.1.1'], searches: ['a.example'], options: [{ name: 'ndots', value: '2' }, { name: 'rotate' }] };
  assert.deepEqual(podResolvConf(pod({ dnsPolicy: 'None', dnsConfig }), ctx), {
    nameservers: ['1.1.1.1'],
    searches: ['a.example'],
    options: ['ndots:2', 'rotate'],
  });
  assert.deepEqual(podResolvConf(pod({ dnsConfig }), ctx), {
    nameservers: ['10.96.0.10', '1.1.1.1'],
    searches: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example', 'a.example'],
    options: ['ndots:2', 'rotate'],
  });
});
