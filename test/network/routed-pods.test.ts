// Pods are routed, not bridged: with bridge-nf-call-iptables off in the node,
// a pod still reaches a Service whose endpoint is another pod on the same node
// (the reply is un-DNATed by the node's conntrack), the endpoint sees the
// client's own address (no NAT between pods), a pod reaches itself through its
// Service, and the node reaches the ClusterIP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BridgeNetwork, vethName } from '../../node-agent/network/bridge-network';
import { ServiceProxy } from '../../node-agent/network/service-proxy';
import { NetnsLab, httpGet } from './netns-harness';

const podRef = (name: string) => ({ namespace: 'default', name, uid: `uid-${name}-${Math.random().toString(16).slice(2)}` });

test('routed pods: same-node Service without br_netfilter, client address kept, hairpin, node to ClusterIP', { timeout: 60_000 }, async () => {
  const lab = new NetnsLab();
  try {
    lab.guardHost();
    const node = lab.machine('r');
    const network = new BridgeNetwork({ podCidr: '10.244.76.0/24', dataDir: lab.dir, nodeNetnsPath: node });
    lab.onCleanup(() => network.removeNode());
    const proxy = new ServiceProxy({ nodeNetnsPath: node, table: `kaptest${lab.tag}` });
    lab.onCleanup(() => proxy.remove());

    const client = podRef('client');
    const web = podRef('web');
    const clientNs = lab.pod('client');
    const webNs = lab.pod('web');
    lab.onCleanup(() => network.tearDown(client));
    lab.onCleanup(() => network.tearDown(web));
    const clientIp = (await network.setUp(client, clientNs)).ips[0];
    const webIp = (await network.setUp(web, webNs)).ips[0];
    // Nothing may depend on bridged frames passing netfilter.
    lab.exec(node, ['sysctl', '-q', '-w', 'net.bridge.bridge-nf-call-iptables=0']);

    const hostVeth = JSON.parse(lab.exec(node, ['ip', '-j', '-d', 'link', 'show', vethName(web.uid)]))[0];
    assert.equal(hostVeth.master, undefined, 'the host veth is on no bridge');
    assert.match(lab.exec(node, ['ip', 'route', 'show', `${webIp}/32`]), new RegExp(`dev ${vethName(web.uid)}`));

    // The web pod answers with the address its client connected from (busybox httpd CGI).
    const root = `${lab.dir}/www`;
    lab.exec(webNs, ['sh', '-c', `mkdir -p ${root}/cgi-bin && printf '#!/bin/sh\\necho\\necho $REMOTE_ADDR\\n' > ${root}/cgi-bin/who && chmod +x ${root}/cgi-bin/who && echo web > ${root}/index.html`]);
    lab.serve(webNs, ['busybox', 'httpd', '-f', '-p', '8080', '-h', root]);

    const meta = { namespace: 'default', name: 'web' };
    await proxy.sync(
      [{ metadata: meta, spec: { clusterIP: '10.96.7.10', ports: [{ name: 'http', port: 80 }] } }],
      [{ metadata: meta, subsets: [{ addresses: [{ ip: webIp }], ports: [{ name: 'http', port: 8080 }] }] }],
    );

    assert.equal((await httpGet(lab, clientNs, webIp, 8080)).trim(), 'web', 'pod to pod on one node');
    assert.equal((await httpGet(lab, clientNs, '10.96.7.10', 80)).trim(), 'web', 'pod to a Service on the same node');
    const out = lab.exec(clientNs, ['sh', '-c', `printf 'GET /cgi-bin/who HTTP/1.0\\r\\n\\r\\n' | busybox nc -w 2 10.96.7.10 80`]);
    // REMOTE_ADDR is the last line, as busybox writes it: [::ffff:10.244.76.2].
    assert.match(out.trim().split('\n').pop()!, new RegExp(`[^\\d.]${clientIp.replace(/\./g, '\\.')}\\]$`), 'the endpoint sees the client pod’s address');
    assert.equal((await httpGet(lab, webNs, '10.96.7.10', 80)).trim(), 'web', 'a pod reaches itself through its Service');
    assert.equal((await httpGet(lab, node, '10.96.7.10', 80)).trim(), 'web', 'the node reaches the ClusterIP');
  } finally {
    await lab.cleanup();
  }
});
