import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterDnsRecords } from './records';
import { endpoints, services } from '../../test/dns/cluster-fixture';

const zone = new ClusterDnsRecords(services, endpoints);
const addresses = (name: string) => {
  const r = zone.lookup(name, 'A');
  assert.equal(r.kind, 'answer', name);
  return r.kind === 'answer' ? r.records.map((x) => (x.type === 'A' ? x.address : '?')).sort() : [];
};

test('dns records: a ClusterIP Service answers its ClusterIP, whatever the case or trailing dot', () => {
  assert.deepEqual(addresses('web.default.svc.cluster.local'), ['10.96.0.10']);
  assert.deepEqual(addresses('WEB.Default.svc.cluster.local.'), ['10.96.0.10']);
});

test('dns records: a headless Service answers its ready endpoints only, each also under its own name', () => {
  assert.deepEqual(addresses('db.shop.svc.cluster.local'), ['10.244.1.7', '10.244.2.8']);
  assert.deepEqual(addresses('db-0.db.shop.svc.cluster.local'), ['10.244.1.7']);
  assert.deepEqual(addresses('10-244-2-8.db.shop.svc.cluster.local'), ['10.244.2.8']);
  assert.deepEqual(zone.lookup('db-2.db.shop.svc.cluster.local', 'A'), { kind: 'nxdomain' });
});

test('dns records: SRV for named ports: the service name for ClusterIP, each endpoint for headless', () => {
  assert.deepEqual(zone.lookup('_http._tcp.web.default.svc.cluster.local', 'SRV'), {
    kind: 'answer',
    records: [{ type: 'SRV', name: '_http._tcp.web.default.svc.cluster.local', priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' }],
  });
  const udp = zone.lookup('_dns._udp.web.default.svc.cluster.local', 'SRV');
  assert.equal(udp.kind === 'answer' && udp.records[0].type === 'SRV' && udp.records[0].port, 53);
  const headless = zone.lookup('_pg._tcp.db.shop.svc.cluster.local', 'SRV');
  assert.equal(headless.kind, 'answer');
  assert.deepEqual(
    headless.kind === 'answer' ? headless.records.map((r) => (r.type === 'SRV' ? `${r.target}:${r.port}` : '?')).sort() : [],
    ['10-244-2-8.db.shop.svc.cluster.local:15432', 'db-0.db.shop.svc.cluster.local:15432'],
  );
  // The wrong protocol is another name, which does not exist.
  assert.deepEqual(zone.lookup('_http._udp.web.default.svc.cluster.local', 'SRV'), { kind: 'nxdomain' });
});

test('dns records: pod names are dashed IPs in a namespace', () => {
  assert.deepEqual(addresses('10-244-1-5.default.pod.cluster.local'), ['10.244.1.5']);
  assert.deepEqual(zone.lookup('10-244-1-300.default.pod.cluster.local', 'A'), { kind: 'nxdomain' });
  assert.deepEqual(zone.lookup('10-244-1-5.pod.cluster.local', 'A'), { kind: 'nxdomain' });
});

test('dns records: unknown names in the zone are NXDOMAIN, names that exist without this type are empty, others are outside', () => {
  assert.deepEqual(zone.lookup('nope.default.svc.cluster.local', 'A'), { kind: 'nxdomain' });
  // What a search path produces for an outside name (ndots:5): NXDOMAIN, so the client moves on.
  assert.deepEqual(zone.lookup('example.com.default.svc.cluster.local', 'A'), { kind: 'nxdomain' });
  assert.deepEqual(zone.lookup('web.default.svc.cluster.local', 'AAAA'), { kind: 'answer', records: [] });
  assert.deepEqual(zone.lookup('pending.default.svc.cluster.local', 'A'), { kind: 'answer', records: [] });
  assert.deepEqual(zone.lookup('default.svc.cluster.local', 'A'), { kind: 'answer', records: [] });
  assert.deepEqual(zone.lookup('svc.cluster.local', 'A'), { kind: 'answer', records: [] });
  assert.deepEqual(zone.lookup('example.com', 'A'), { kind: 'outside' });
  assert.deepEqual(zone.lookup('notcluster.local', 'A'), { kind: 'outside' });
});

test('dns records: an ExternalName Service is a CNAME for every type', () => {
  for (const type of ['A', 'AAAA', 'CNAME']) {
    assert.deepEqual(zone.lookup('docs.default.svc.cluster.local', type), {
      kind: 'answer',
      records: [{ type: 'CNAME', name: 'docs.default.svc.cluster.local', target: 'docs.example.org' }],
    });
  }
});

test('dns records: another cluster domain', () => {
  const custom = new ClusterDnsRecords(services, endpoints, { clusterDomain: 'kap.internal.' });
  assert.deepEqual(custom.lookup('web.default.svc.kap.internal', 'A').kind, 'answer');
  assert.deepEqual(custom.lookup('web.default.svc.cluster.local', 'A'), { kind: 'outside' });
});
