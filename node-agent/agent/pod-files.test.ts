// The pod's /etc/hosts and /etc/resolv.conf, and where they are mounted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { podFileMounts, podHostsFile, podResolvConfFor } from './pod-files';
import { makePod } from './pod-test-builders';

const node = { nameservers: ['192.0.2.53'], searches: ['corp.example'], options: ['edns0'] };

test('hosts file: localhost lines, the pod IP with its hostname, FQDN with a subdomain, then hostAliases', () => {
  const pod = makePod();
  pod.spec.hostAliases = [{ ip: '10.1.2.3', hostnames: ['foo.local', 'bar.local'] }];
  const hosts = podHostsFile(pod, { podIPs: ['10.244.1.5'], hostname: 'web' });
  assert.match(hosts, /^# Kubernetes-managed hosts file\.\n127\.0\.0\.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n/);
  assert.match(hosts, /\n10\.244\.1\.5\tweb\n/);
  assert.match(hosts, /\n# Entries added by HostAliases\.\n10\.1\.2\.3\tfoo\.local\tbar\.local\n$/);
  pod.spec.subdomain = 'svc1';
  assert.match(podHostsFile(pod, { podIPs: ['10.244.1.5'], hostname: 'web', clusterDomain: 'kap.local' }), /\n10\.244\.1\.5\tweb\.svc1\.default\.svc\.kap\.local\tweb\n/);
  pod.spec.hostNetwork = true;
  assert.match(podHostsFile(pod, { podIPs: [], hostname: 'web', nodeHosts: '127.0.0.1 nodehost\n' }), /^# Kubernetes-managed hosts file \(host network\)\.\n127\.0\.0\.1 nodehost\n\n# Entries/);
});

test('resolv.conf: cluster DNS for ClusterFirst; without it the node\'s resolver, as the kubelet falls back', () => {
  const pod = makePod();
  const cluster = podResolvConfFor(pod, { ip: '10.96.0.10', domain: 'cluster.local' }, node);
  assert.deepEqual(cluster.nameservers, ['10.96.0.10']);
  assert.deepEqual(cluster.searches, ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example']);
  assert.deepEqual(podResolvConfFor(pod, undefined, node), node);
  pod.spec.dnsPolicy = 'None';
  pod.spec.dnsConfig = { nameservers: ['1.1.1.1'], options: [{ name: 'ndots', value: '2' }] };
  assert.deepEqual(podResolvConfFor(pod, undefined, node), { nameservers: ['1.1.1.1'], searches: [], options: ['ndots:2'] });
  const hostNet = makePod();
  hostNet.spec.hostNetwork = true;
  assert.deepEqual(podResolvConfFor(hostNet, { ip: '10.96.0.10' }, node).nameservers, ['192.0.2.53']);
});

test('hosts and resolv.conf are mounted unless the container mounts something there itself', () => {
  const paths = { hosts: '/p/etc-hosts', resolvConf: '/p/resolv.conf' };
  const c = { name: 'c', image: 'i', volumeMounts: [{ name: 'v', mountPath: '/etc/hosts' }] };
  assert.deepEqual(podFileMounts(c, paths).map((m) => [m.destination, m.source]), [['/etc/resolv.conf', '/p/resolv.conf']]);
  assert.equal(podFileMounts({ name: 'c', image: 'i' }, paths).length, 2);
});
