// The WatchServices stream from a real apiserver, through the agent's
// ServiceState and runServiceSync, into the node's nft table in a simulated
// node netns: a ClusterIP created through the API answers from a pod, and
// stops answering when its endpoints go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { NodeServiceClient, ServiceEvent } from '../../proto/generated/node';
import { startNodeTestBed } from '../grpc/node-grpc-testbed';
import { BridgeNetwork } from '../../node-agent/network/bridge-network';
import { ServiceProxy } from '../../node-agent/network/service-proxy';
import { runServiceSync } from '../../node-agent/network/service-sync';
import { serviceWatchEvents } from '../../node-agent/network/service-watch-stream';
import type { EndpointsObject, ServiceObject } from '../../node-agent/network/service-rules';
import { NetnsLab, httpGet } from './netns-harness';

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('Services and Endpoints stream to the agent and become nft rules that reach a pod', { timeout: 120_000 }, async () => {
  const bed = await startNodeTestBed();
  const lab = new NetnsLab();
  const abort = new AbortController();
  const client = new NodeServiceClient(bed.endpoint, grpc.credentials.createSsl(Buffer.from(bed.pki.caPem)));
  let sync: Promise<void> | undefined;
  try {
    lab.guardHost();
    const node = lab.machine('w');
    const network = new BridgeNetwork({ podCidr: '10.244.80.0/24', dataDir: lab.dir, nodeNetnsPath: node });
    lab.onCleanup(() => network.removeNode());
    const table = `kaptest${lab.tag}`;
    const proxy = new ServiceProxy({ nodeNetnsPath: node, table });
    lab.onCleanup(() => proxy.remove());
    const applied: Array<{ services: ServiceObject[]; endpoints: EndpointsObject[] }> = [];
    const recordingProxy = {
      async sync(services: ServiceObject[], endpoints: EndpointsObject[]) {
        applied.push({ services, endpoints });
        return proxy.sync(services, endpoints);
      },
    };

    const pods = ['client', 'web'].map((name) => ({ namespace: 'default', name, uid: `uid-${name}-${lab.tag}` }));
    const ns: Record<string, string> = {};
    const ip: Record<string, string> = {};
    for (const p of pods) {
      ns[p.name] = lab.pod(p.name);
      lab.onCleanup(() => network.tearDown(p));
      ip[p.name] = (await network.setUp(p, ns[p.name])).ips[0];
    }
    const root = `${lab.dir}/www`;
    lab.exec(ns.web, ['sh', '-c', `mkdir -p ${root} && echo via-service > ${root}/index.html`]);
    lab.serve(ns.web, ['busybox', 'httpd', '-f', '-p', '8080', '-h', root]);

    // One Service exists before the agent connects (arrives in the list), its Endpoints after (as a change).
    const services = bed.registry.storeFor('', 'v1', 'services');
    const endpoints = bed.registry.storeFor('', 'v1', 'endpoints');
    await services.create('default', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' },
      spec: { clusterIP: '10.96.7.7', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    });

    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${bed.pki.nodeToken}`);
    sync = runServiceSync({
      open: (signal) => {
        const stream = client.watchServices({ nodeName: 'kap-watch' }, metadata);
        signal.addEventListener('abort', () => stream.cancel(), { once: true });
        return serviceWatchEvents(stream as AsyncIterable<ServiceEvent>);
      },
      proxy: recordingProxy,
      signal: abort.signal,
      retryDelayMs: 200,
    });
    await until('the listed Service', () => applied.find((a) => a.services.some((s) => s.metadata.name === 'web')));

    await endpoints.create('default', {
      apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web' },
      subsets: [{ addresses: [{ ip: ip.web }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }],
    });
    await until('the Endpoints', () => applied.find((a) => a.endpoints.length === 1));
    assert.equal((await httpGet(lab, ns.client, '10.96.7.7', 80)).trim(), 'via-service');

    // Endpoints emptied (the pod stopped being ready): the ClusterIP no longer answers.
    await endpoints.guaranteedUpdate('default', 'web', undefined, (e) => ({ ...e, subsets: [] }));
    await until('the emptied Endpoints', () => applied.find((a) => a.endpoints.length === 1 && !(a.endpoints[0].subsets ?? []).length));
    assert.throws(() => lab.exec(ns.client, ['sh', '-c', `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | busybox nc -w 2 10.96.7.7 80`]));
  } finally {
    abort.abort();
    await sync;
    client.close();
    try {
      await lab.cleanup();
    } finally {
      await bed.stop();
    }
  }
});
