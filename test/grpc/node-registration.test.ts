// Joining: registration (Node, Lease, labels, credentials), the join token
// and CA pinning, heartbeats, and node identity from client certificates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { X509Certificate } from 'node:crypto';
import { ApiError } from '../../api/errors';
import { NodeServiceClient, RegisterRequest } from '../../proto/generated/node';
import { parseMicroTime } from '../../apiserver/grpc/micro-time';
import { machine, startNodeTestBed } from './node-grpc-testbed';

const TIMEOUT = { timeout: 60_000 };

test('register creates the Node with labels, status and a Lease, and returns a node certificate', TIMEOUT, async () => {
  const bed = await startNodeTestBed();
  try {
    const agent = await bed.client('worker-1');
    const res = await agent.register(machine('worker-1'));

    const node = await bed.registry.storeFor('', 'v1', 'nodes').get(undefined, 'worker-1');
    assert.equal(node.metadata.uid, res.nodeUid);
    assert.deepEqual(node.metadata.labels, {
      'example.com/rack': 'r1',
      'kubernetes.io/hostname': 'worker-1',
      'kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
    });
    const status = node.status as Record<string, any>;
    assert.equal(status.capacity.memory, '4012340Ki');
    assert.equal(status.allocatable.cpu, '2');
    assert.deepEqual(status.addresses, [{ type: 'InternalIP', address: '10.0.0.7' }, { type: 'Hostname', address: 'worker-1' }]);
    assert.equal(status.nodeInfo.kernelVersion, '6.1.0-18-amd64');
    assert.equal(status.nodeInfo.containerRuntimeVersion, 'kapstan://0.1.0');
    assert.equal(status.conditions[0].type, 'Ready');
    assert.equal(status.conditions[0].status, 'False');
    assert.equal(status.conditions[0].reason, 'RuntimeStarting');

    const lease = await bed.registry.storeFor('coordination.k8s.io', 'v1', 'leases').get('kube-node-lease', 'worker-1');
    const spec = lease.spec as Record<string, any>;
    assert.equal(spec.holderIdentity, 'worker-1');
    assert.equal(spec.leaseDurationSeconds, res.leaseDurationSeconds);
    assert.ok(parseMicroTime(spec.renewTime) !== undefined, `renewTime ${spec.renewTime} is a MicroTime`);
    assert.deepEqual(lease.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: 'worker-1', uid: node.metadata.uid }]);

    const cert = new X509Certificate(res.credentials.certPem);
    assert.match(cert.subject, /CN=system:node:worker-1/);
    assert.match(cert.subject, /O=system:nodes/);
    assert.ok(cert.verify(new X509Certificate(bed.pki.clientCaPem).publicKey), 'signed by the client CA');
    assert.equal(res.credentials.caPem, bed.pki.caPem);
    assert.equal(res.podCidr, '');
  } finally {
    await bed.stop();
  }
});

test('registering again keeps the node spec and foreign labels, and updates what the agent reports', TIMEOUT, async () => {
  const bed = await startNodeTestBed();
  try {
    const nodes = bed.registry.storeFor('', 'v1', 'nodes');
    const first = await bed.registeredNode('worker-2');
    first.close();
    await nodes.guaranteedUpdate(undefined, 'worker-2', undefined, (n) => ({
      ...n,
      metadata: { ...n.metadata, labels: { ...n.metadata.labels, 'team': 'blue' } },
      spec: { podCIDR: '10.42.3.0/24', unschedulable: true },
    }));
    const before = await nodes.get(undefined, 'worker-2');

    const again = await bed.client('worker-2');
    const res = await again.register({ ...machine('worker-2'), capacity: { cpu: '4', memory: '8Gi', pods: '110' } });
    const after = await nodes.get(undefined, 'worker-2');
    assert.equal(after.metadata.uid, before.metadata.uid);
    assert.equal(after.metadata.labels?.team, 'blue');
    assert.deepEqual(after.spec, { podCIDR: '10.42.3.0/24', unschedulable: true });
    assert.equal((after.status as any).capacity.cpu, '4');
    assert.equal(res.podCidr, '10.42.3.0/24');
  } finally {
    await bed.stop();
  }
});

test('a wrong join token is refused with UNAUTHENTICATED and a message naming the problem', TIMEOUT, async () => {
  const bed = await startNodeTestBed();
  try {
    const wrongToken = bed.pki.nodeToken.replace(/:[^:]+$/, ':0123456789abcdef0123456789abcdef');
    const agent = await bed.client('worker-3', { token: wrongToken });
    await assert.rejects(agent.register(machine('worker-3')), (err: ApiError) => {
      assert.equal(err.code, 'Unauthorized');
      assert.match(err.message, /invalid join token: the secret does not match/);
      return true;
    });

    // The status on the wire, as any gRPC client sees it.
    const raw = new NodeServiceClient(bed.endpoint, grpc.credentials.createSsl(Buffer.from(bed.pki.caPem)));
    try {
      const md = new grpc.Metadata();
      md.set('authorization', 'Bearer not-the-token');
      const request = RegisterRequest.fromPartial({ nodeName: 'worker-3', nodeInfo: { operatingSystem: 'linux', architecture: 'amd64' } });
      const err = await new Promise<grpc.ServiceError>((resolve, reject) =>
        raw.register(request, md, (e) => (e ? resolve(e) : reject(new Error('registered with a wrong token')))));
      assert.equal(err.code, grpc.status.UNAUTHENTICATED);
      assert.match(err.details, /invalid join token/);

      const none = await new Promise<grpc.ServiceError>((resolve, reject) =>
        raw.register(request, new grpc.Metadata(), (e) => (e ? resolve(e) : reject(new Error('registered without a token')))));
      assert.equal(none.code, grpc.status.UNAUTHENTICATED);
      assert.match(none.details, /no client certificate and no "authorization: Bearer <join token>"/);
    } finally {
      raw.close();
    }
    await assert.rejects(bed.registry.storeFor('', 'v1', 'nodes').get(undefined, 'worker-3'), { code: 'NotFound' });
  } finally {
    await bed.stop();
  }
});

test('a join token whose CA hash does not match the served CA is refused by the client', TIMEOUT, async () => {
  const bed = await startNodeTestBed();
  try {
    const foreignToken = `K10${'ab'.repeat(32)}::node:${bed.pki.nodeTokenSecret}`;
    await assert.rejects(bed.client('worker-4', { token: foreignToken }), (err: ApiError) => {
      assert.equal(err.code, 'Unauthorized');
      assert.match(err.message, /join token expects abab.*refusing to trust this server/);
      return true;
    });
    // A bare secret gives nothing to pin the CA with: refused unless a CA is given.
    await assert.rejects(bed.client('worker-4', { token: bed.pki.nodeTokenSecret }), /no CA hash/);
    const pinned = await bed.client('worker-4', { token: bed.pki.nodeTokenSecret, caPem: bed.pki.caPem });
    await pinned.register(machine('worker-4'));
  } finally {
    await bed.stop();
  }
});

test('heartbeats renew the Lease and write the Ready condition', TIMEOUT, async () => {
  const bed = await startNodeTestBed();
  try {
    const leases = bed.registry.storeFor('coordination.k8s.io', 'v1', 'leases');
    const nodes = bed.registry.storeFor('', 'v1', 'nodes');
    const agent = await bed.registeredNode('worker-5');
    const renewTimeOf = async () => (await leases.get('kube-node-lease', 'worker-5')).spec as { renewTime: string };
    const registered = (await renewTimeOf()).renewTime;
    const transition = (await nodes.get(undefined, 'worker-5') as any).status.conditions[0].lastTransitionTime;

    const beat = await agent.heartbeat([{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kapstan agent is posting ready status' }]);
    const renewed = (await renewTimeOf()).renewTime;
    assert.equal(beat.renewTime, renewed);
    assert.ok(parseMicroTime(renewed)! > parseMicroTime(registered)!, `${renewed} is after ${registered}`);

    const ready = (await nodes.get(undefined, 'worker-5') as any).status.conditions.find((c: any) => c.type === 'Ready');
    assert.equal(ready.status, 'True');
    assert.equal(ready.reason, 'KubeletReady');
    assert.ok(ready.lastHeartbeatTime);
    assert.ok(ready.lastTransitionTime >= transition);

    // A beat without conditions renews the lease only.
    await agent.heartbeat();
    assert.ok(parseMicroTime((await renewTimeOf()).renewTime)! > parseMicroTime(renewed)!);
    assert.equal((await nodes.get(undefined, 'worker-5') as any).status.conditions.find((c: any) => c.type === 'Ready').status, 'True');

    // The loop helper beats at once, then keeps going until stopped.
    const beats: string[] = [];
    let resolveTwo!: () => void;
    const two = new Promise<void>((r) => (resolveTwo = r));
    const loop = agent.startHeartbeats({
      intervalMs: 10,
      conditions: () => [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: '' }],
      onBeat: (res) => beats.push(res.renewTime) === 2 && resolveTwo(),
      onError: (err) => assert.fail(err),
    });
    await two;
    await loop.stop();
    assert.ok(parseMicroTime(beats[1])! > parseMicroTime(beats[0])!);
  } finally {
    await bed.stop();
  }
});

test('a heartbeat for a node that is gone asks the agent to register again', TIMEOUT, async () => {
  const bed = await startNodeTestBed();
  try {
    const agent = await bed.registeredNode('worker-6');
    await bed.registry.storeFor('', 'v1', 'nodes').delete(undefined, 'worker-6');
    await assert.rejects(agent.heartbeat(), (err: ApiError) => err.code === 'NotFound' && /must register again/.test(err.message));
  } finally {
    await bed.stop();
  }
});

test('a node certificate acts only for its own node', TIMEOUT, async () => {
  const bed = await startNodeTestBed();
  try {
    const a = await bed.registeredNode('node-a');
    await bed.registeredNode('node-b');
    const creds = a.nodeCredentials!;
    const raw = new NodeServiceClient(bed.endpoint, grpc.credentials.createSsl(
      Buffer.from(creds.caPem), Buffer.from(creds.keyPem), Buffer.from(creds.certPem)));
    try {
      const err = await new Promise<grpc.ServiceError>((resolve, reject) =>
        raw.heartbeat({ nodeName: 'node-b', conditions: [] }, (e) => (e ? resolve(e) : reject(new Error('node-a renewed node-b\'s lease')))));
      assert.equal(err.code, grpc.status.PERMISSION_DENIED);
      assert.match(err.details, /node "node-a" \(client certificate system:node:node-a\) may not act for node "node-b"/);
      // Its own node it may renew, with no token at all.
      const ok = await new Promise<{ renewTime: string }>((resolve, reject) =>
        raw.heartbeat({ nodeName: 'node-a', conditions: [] }, (e, r) => (e ? reject(e) : resolve(r))));
      assert.ok(ok.renewTime);
    } finally {
      raw.close();
    }
  } finally {
    await bed.stop();
  }
});
