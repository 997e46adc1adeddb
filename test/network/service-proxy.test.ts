// Services through the nft table on the real kernel: from inside a pod netns,
// a ClusterIP and a NodePort reach the Service's pods, spread over them, follow
// endpoint changes, and a pod reaches itself through its own Service.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BridgeNetwork } from '../../node-agent/network/bridge-network';
import { ServiceProxy } from '../../node-agent/network/service-proxy';
import { NetnsLab, httpGet } from './netns-harness';

const podRef = (name: string) => ({ namespace: 'default', name, uid: `uid-${name}-${Math.random().toString(16).slice(2)}` });

test('ClusterIP and NodePort DNAT to ready endpoints, hairpin works, and removal leaves no table', { timeout: 90_000 }, async () => {
  const lab = new NetnsLab();
  try {
    lab.guardHost();
    const node = lab.machine('s');
    const network = new BridgeNetwork({ podCidr: '10.244.78.0/24', dataDir: lab.dir, nodeNetnsPath: node });
    lab.onCleanup(() => network.removeNode());
    const table = `kaptest${lab.tag}`;
    const proxy = new ServiceProxy({ nodeNetnsPath: node, table });
    lab.onCleanup(() => proxy.remove());

    const pods = ['client', 'web-1', 'web-2'].map(podRef);
    const ns: Record<string, string> = {};
    const ip: Record<string, string> = {};
    for (const p of pods) {
      ns[p.name] = lab.pod(p.name);
      lab.onCleanup(() => network.tearDown(p));
      ip[p.name] = (await network.setUp(p, ns[p.name])).ips[0];
    }
    for (const name of ['web-1', 'web-2']) {
      const root = `${lab.dir}/${name}-www`;
      lab.exec(ns[name], ['sh', '-c', `mkdir -p ${root} && echo ${name} > ${root}/index.html`]);
      lab.serve(ns[name], ['busybox', 'httpd', '-f', '-p', '8080', '-h', root]);
      assert.equal((await httpGet(lab, ns.client, ip[name], 8080)).trim(), name);
    }

    const service = { metadata: { namespace: 'default', name: 'web' }, spec: { type: 'NodePort', clusterIP: '10.96.5.10', ports: [{ name: 'http', port: 80, nodePort: 30080 }] } };
    const endpoints = (names: string[]) => [{
      metadata: { namespace: 'default', name: 'web' },
      subsets: [{ addresses: names.map((n) => ({ ip: ip[n] })), ports: [{ name: 'http', port: 8080 }] }],
    }];
    assert.equal(await proxy.sync([service], endpoints(['web-1', 'web-2'])), true);
    assert.equal(await proxy.sync([service], endpoints(['web-1', 'web-2'])), false, 'an unchanged ruleset is not reapplied');

    const seen = new Set<string>();
    for (let i = 0; i < 24 && seen.size < 2; i++) seen.add((await httpGet(lab, ns.client, '10.96.5.10', 80)).trim());
    assert.deepEqual([...seen].sort(), ['web-1', 'web-2'], 'requests spread over both endpoints');

    // NodePort on the node's address (its bridge address here, as seen from a pod).
    assert.match((await httpGet(lab, ns.client, network.gateway, 30080)).trim(), /^web-[12]$/);

    // Hairpin: web-1 reaches the Service, whichever endpoint answers (itself included).
    for (let i = 0; i < 6; i++) assert.match((await httpGet(lab, ns['web-1'], '10.96.5.10', 80)).trim(), /^web-[12]$/);

    // sessionAffinity ClientIP: the client keeps the endpoint it got first.
    const sticky = { ...service, spec: { ...service.spec, sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 300 } } } };
    await proxy.sync([sticky], endpoints(['web-1', 'web-2']));
    const first = (await httpGet(lab, ns.client, '10.96.5.10', 80)).trim();
    for (let i = 0; i < 12; i++) assert.equal((await httpGet(lab, ns.client, '10.96.5.10', 80)).trim(), first);

    // web-1 no longer ready: only web-2 answers.
    await proxy.sync([service], endpoints(['web-2']));
    for (let i = 0; i < 8; i++) assert.equal((await httpGet(lab, ns.client, '10.96.5.10', 80)).trim(), 'web-2');

    await proxy.remove();
    assert.doesNotMatch(lab.exec(node, ['nft', 'list', 'tables']), new RegExp(table));
  } finally {
    await lab.cleanup();
  }
});
