// Incremental Service table updates on the real kernel: after every change the
// table a long-lived proxy patched is the same as one built from scratch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServiceProxy } from '../../node-agent/network/service-proxy';
import type { EndpointsObject, ServiceObject } from '../../node-agent/network/service-rules';
import { NetnsLab } from './netns-harness';

type NftItem = Record<string, Record<string, unknown>>;

/** The table as comparable data: chains with their rules, map elements; names of tables and handles dropped. */
function tableContents(lab: NetnsLab, ns: string, table: string): unknown {
  const items = (JSON.parse(lab.exec(ns, ['nft', '-j', 'list', 'table', 'ip', table])) as { nftables: NftItem[] }).nftables;
  const chains: Record<string, string[]> = {};
  const maps: Record<string, string[]> = {};
  const sets: Record<string, string> = {};
  for (const item of items) {
    if (item.chain) chains[String(item.chain.name)] ??= [];
    if (item.rule) (chains[String(item.rule.chain)] ??= []).push(JSON.stringify(item.rule.expr));
    if (item.set) sets[String(item.set.name)] = JSON.stringify([item.set.type, item.set.flags, item.set.timeout]);
    if (item.map) maps[String(item.map.name)] = ((item.map.elem as unknown[]) ?? []).map((e) => JSON.stringify(e)).sort();
  }
  return { chains, maps, sets };
}

function cluster(count: number, endpointsEach: number): { services: ServiceObject[]; endpoints: EndpointsObject[] } {
  const services: ServiceObject[] = [];
  const endpoints: EndpointsObject[] = [];
  for (let i = 0; i < count; i++) {
    const metadata = { namespace: 'default', name: `s${i}` };
    services.push({ metadata, spec: { type: i % 5 ? 'ClusterIP' : 'NodePort', clusterIP: `10.96.9.${i + 1}`, ports: [{ name: 'http', port: 80, nodePort: 30500 + i }] } });
    endpoints.push({ metadata, subsets: [{ addresses: Array.from({ length: endpointsEach }, (_, j) => ({ ip: `10.244.${j}.${i + 1}` })), ports: [{ name: 'http', port: 8080 }] }] });
  }
  return { services, endpoints };
}

test('a patched Service table equals one built whole, through adds, removals and changes', { timeout: 120_000 }, async () => {
  const lab = new NetnsLab();
  try {
    const node = lab.machine('u');
    const patchedTable = `kaptest${lab.tag}p`;
    const wholeTable = `kaptest${lab.tag}w`;
    const patched = new ServiceProxy({ nodeNetnsPath: node, table: patchedTable });
    lab.onCleanup(() => patched.remove());
    const c = cluster(150, 4);
    const check = async (step: string) => {
      const whole = new ServiceProxy({ nodeNetnsPath: node, table: wholeTable });
      await whole.sync(c.services, c.endpoints);
      try {
        assert.deepEqual(tableContents(lab, node, patchedTable), tableContents(lab, node, wholeTable), step);
      } finally {
        await whole.remove();
      }
    };
    assert.equal(await patched.sync(c.services, c.endpoints), true);
    await check('initial');
    const initial = tableContents(lab, node, patchedTable) as { chains: Record<string, string[]>; maps: Record<string, string[]> };
    assert.equal(initial.maps['service-ips'].length, 150);
    assert.equal(initial.maps['node-ports'].length, 30);
    assert.equal(Object.keys(initial.chains).filter((n) => n.startsWith('ep-')).length, 600);

    c.endpoints[3].subsets![0].addresses!.pop(); // an endpoint stops being ready
    c.endpoints[4].subsets![0].addresses!.push({ ip: '10.244.50.5' }); // one more
    c.endpoints[5].subsets = []; // none left: the Service's entries and chains go
    c.services[6].spec!.sessionAffinity = 'ClientIP'; // affinity sets appear
    c.services[7].spec!.sessionAffinity = 'ClientIP';
    assert.equal(await patched.sync(c.services, c.endpoints), true);
    await check('endpoint changes');
    assert.equal(Object.keys((tableContents(lab, node, patchedTable) as { sets: object }).sets).length, 8, 'one affinity set per endpoint of the two ClientIP Services');

    c.services.splice(10, 1); // a NodePort Service deleted
    c.services[6].spec!.sessionAffinityConfig = { clientIP: { timeoutSeconds: 60 } }; // new sets replace the old
    delete c.services[7].spec!.sessionAffinity; // affinity sets go
    c.services[0].spec!.type = 'ClusterIP'; // another stops being NodePort
    c.services[1].spec!.clusterIP = '10.96.10.1'; // a Service recreated with another IP
    c.services.push({ metadata: { namespace: 'other', name: 'new' }, spec: { type: 'NodePort', clusterIP: '10.96.10.2', ports: [{ name: 'http', port: 81, nodePort: 31999 }] } });
    c.endpoints.push({ metadata: { namespace: 'other', name: 'new' }, subsets: [{ addresses: [{ ip: '10.244.60.1' }], ports: [{ name: 'http', port: 9000 }] }] });
    assert.equal(await patched.sync(c.services, c.endpoints), true);
    await check('service changes');

    assert.equal(await patched.sync(c.services, c.endpoints), false, 'nothing changed: nothing applied');
    c.endpoints[5].subsets = [{ addresses: [{ ip: '10.244.0.6' }], ports: [{ name: 'http', port: 8080 }] }];
    await patched.sync(c.services, c.endpoints);
    await check('endpoints back');
  } finally {
    await lab.cleanup();
  }
});
