// What a node may write: its pods' status (not spec), their final deletion,
// and events; never for a pod that is someone else's or was replaced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../api/errors';
import { bindPod, createPod, startNodeTestBed } from './node-grpc-testbed';

const TIMEOUT = { timeout: 60_000 };

const running = {
  phase: 'Running',
  hostIP: '10.0.0.7',
  podIP: '10.42.0.5',
  startTime: '2024-05-01T10:00:00Z',
  conditions: [{ type: 'Ready', status: 'True' }],
  containerStatuses: [{
    name: 'main', ready: true, restartCount: 0, image: 'busybox:1.35', imageID: 'sha256:abc', containerID: 'kapstan://c1',
    state: { running: { startedAt: '2024-05-01T10:00:01Z' } },
  }],
};

test('ReportPodStatus writes the status and nothing else, and refuses a report for a replaced pod', TIMEOUT, async () => {
  const bed = await startNodeTestBed();
  try {
    const agent = await bed.registeredNode('node-s');
    const pod = await createPod(bed.pods, 'web', 'node-s');
    const ref = { namespace: 'default', name: 'web', uid: pod.metadata.uid! };

    const rv = await agent.reportPodStatus(ref, running);
    const stored = await bed.pods.get('default', 'web');
    assert.equal(stored.metadata.resourceVersion, rv);
    assert.equal((stored.status as any).phase, 'Running');
    assert.equal((stored.status as any).podIP, '10.42.0.5');
    assert.equal((stored.status as any).containerStatuses[0].state.running.startedAt, '2024-05-01T10:00:01Z');
    assert.deepEqual(stored.spec, pod.spec);
    assert.equal(stored.metadata.generation, pod.metadata.generation);

    await assert.rejects(agent.reportPodStatus({ ...ref, uid: '00000000-0000-0000-0000-000000000000' }, { phase: 'Failed' }), (err: ApiError) => {
      assert.equal(err.code, 'Conflict');
      assert.match(err.message, /pods "web".*has uid .* not 00000000-0000-0000-0000-000000000000/);
      return true;
    });
    assert.equal(((await bed.pods.get('default', 'web')).status as any).phase, 'Running');

    await assert.rejects(agent.reportPodStatus(ref, []), (err: ApiError) => err.code === 'BadRequest' && /statusJson must be a JSON object/.test(err.message));
    await assert.rejects(agent.reportPodStatus({ ...ref, name: 'nope' }, running), (err: ApiError) => err.code === 'NotFound');
  } finally {
    await bed.stop();
  }
});

test('a node may not report status for, or delete, a pod bound to another node', TIMEOUT, async () => {
  const bed = await startNodeTestBed();
  try {
    const a = await bed.registeredNode('node-a');
    await bed.registeredNode('node-b');
    const pod = await createPod(bed.pods, 'db', 'node-b');
    const ref = { namespace: 'default', name: 'db', uid: pod.metadata.uid! };
    await assert.rejects(a.reportPodStatus(ref, running), (err: ApiError) => {
      assert.equal(err.code, 'Forbidden'); // PERMISSION_DENIED on the wire
      assert.match(err.message, /node "node-a" may not report status for pod default\/db: it is bound to node "node-b"/);
      return true;
    });
    const unbound = await createPod(bed.pods, 'pending');
    await assert.rejects(a.reportPodStatus({ ...ref, name: 'pending', uid: unbound.metadata.uid! }, running), /it is not bound to any node/);

    await bed.pods.delete('default', 'db');
    await assert.rejects(a.confirmPodDeleted(ref), (err: ApiError) => err.code === 'Forbidden');
    assert.ok((await bed.pods.get('default', 'db')).metadata.deletionTimestamp, 'still waiting for node-b');
    assert.equal(((await bed.pods.get('default', 'db')).status as any).phase, 'Pending');
  } finally {
    await bed.stop();
  }
});

test('ConfirmPodDeleted removes a terminating pod of the node, checks its uid, and is idempotent', TIMEOUT, async () => {
  const bed = await startNodeTestBed();
  try {
    const agent = await bed.registeredNode('node-d');
    const pod = await createPod(bed.pods, 'job');
    await bindPod(bed.pods, 'job', 'node-d');
    const ref = { namespace: 'default', name: 'job', uid: pod.metadata.uid! };

    // Nobody asked for its deletion: the node may not delete it on its own.
    await assert.rejects(agent.confirmPodDeleted(ref), /nobody asked for its deletion/);

    await bed.pods.delete('default', 'job', { gracePeriodSeconds: 30 });
    await assert.rejects(agent.confirmPodDeleted({ ...ref, uid: 'other-uid' }), (err: ApiError) => err.code === 'Conflict');
    assert.ok(await bed.pods.get('default', 'job'));

    await agent.confirmPodDeleted(ref);
    await assert.rejects(bed.pods.get('default', 'job'), { code: 'NotFound' });
    await agent.confirmPodDeleted(ref); // a retry after a lost reply succeeds
  } finally {
    await bed.stop();
  }
});

test('RecordEvent stores an Event sourced from the node and counts repeats', TIMEOUT, async () => {
  const bed = await startNodeTestBed();
  try {
    const agent = await bed.registeredNode('node-e');
    const pod = await createPod(bed.pods, 'api', 'node-e');
    const involvedObject = { kind: 'Pod', namespace: 'default', name: 'api', uid: pod.metadata.uid, apiVersion: 'v1' };
    const { name, namespace } = await agent.recordEvent({ involvedObject, reason: 'Pulling', message: 'Pulling image "busybox:1.35"', type: 'Normal' });
    assert.equal(namespace, 'default');
    const events = bed.registry.storeFor('', 'v1', 'events');
    const stored = await events.get('default', name) as any;
    assert.equal(stored.reason, 'Pulling');
    assert.deepEqual(stored.source, { component: 'kapstan-agent', host: 'node-e' });
    assert.equal(stored.reportingInstance, 'node-e');
    assert.equal(stored.count, 1);
    assert.ok(stored.firstTimestamp && stored.lastTimestamp);

    await agent.recordEvent({ metadata: { name }, involvedObject, reason: 'Pulling', message: 'Pulling image "busybox:1.35" again', source: { host: 'forged' } });
    const again = await events.get('default', name) as any;
    assert.equal(again.count, 2);
    assert.equal(again.message, 'Pulling image "busybox:1.35" again');
    assert.equal(again.source.host, 'node-e');

    await assert.rejects(agent.recordEvent({ reason: 'Nothing' }), (err: ApiError) => err.code === 'Invalid' && /involvedObject/.test(err.message));
  } finally {
    await bed.stop();
  }
});
