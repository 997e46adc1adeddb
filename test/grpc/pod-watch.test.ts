// WatchPods: the pods bound to one node, a full list then changes, and
// resumption across a restart of the server's endpoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bindPod, createPod, EventReader, startNodeTestBed, summary } from './node-grpc-testbed';

const TIMEOUT = { timeout: 60_000 };

test('WatchPods sends the bound pods, SYNC, then binding, changes and deletion — only for its node', TIMEOUT, async () => {
  const bed = await startNodeTestBed();
  const abort = new AbortController();
  try {
    const agent = await bed.registeredNode('node-w');
    await createPod(bed.pods, 'mine-1', 'node-w');
    await createPod(bed.pods, 'mine-2', 'node-w');
    await createPod(bed.pods, 'theirs', 'node-x');
    await createPod(bed.pods, 'unbound');

    const events = new EventReader(agent.watchPods({ signal: abort.signal }));
    const initial = await events.untilSync();
    assert.deepEqual(initial.map(summary).sort(), ['ADDED mine-1', 'ADDED mine-2', 'SYNC']);
    assert.equal(initial.at(-1)!.type, 'SYNC');
    const listed = initial[0];
    assert.ok(listed.type === 'ADDED' && (listed.pod.spec as any).containers[0].image === 'busybox:1.35', 'the pod travels whole');

    // Changes to other nodes' pods send nothing; binding one here is ADDED.
    await bindPod(bed.pods, 'unbound', 'node-x');
    await bed.pods.guaranteedUpdate('default', 'theirs', undefined, (p) => ({ ...p, metadata: { ...p.metadata, labels: { touched: 'yes' } } }));
    await createPod(bed.pods, 'late');
    const bound = await bindPod(bed.pods, 'late', 'node-w');
    let ev = await events.next();
    assert.equal(summary(ev), 'ADDED late');
    assert.equal(ev.type === 'ADDED' && ev.resourceVersion, bound.metadata.resourceVersion);

    await bed.pods.guaranteedUpdate('default', 'mine-1', undefined, (p) => ({ ...p, metadata: { ...p.metadata, labels: { app: 'web' } } }));
    ev = await events.next();
    assert.equal(summary(ev), 'MODIFIED mine-1');
    assert.equal(ev.type === 'MODIFIED' && ev.pod.metadata.labels?.app, 'web');

    // A graceful delete is a MODIFIED with deletionTimestamp; removal is DELETED.
    await bed.pods.delete('default', 'mine-2');
    ev = await events.next();
    assert.equal(summary(ev), 'MODIFIED mine-2');
    assert.ok(ev.type === 'MODIFIED' && ev.pod.metadata.deletionTimestamp);
    await bed.pods.delete('default', 'mine-2', { gracePeriodSeconds: 0 });
    ev = await events.next();
    assert.equal(summary(ev), 'DELETED mine-2');
    await events.close();
  } finally {
    abort.abort();
    await bed.stop();
  }
});

test('a watch resumes after the endpoint restarts, from its last resourceVersion, without relisting', TIMEOUT, async () => {
  const bed = await startNodeTestBed();
  const abort = new AbortController();
  try {
    const agent = await bed.registeredNode('node-r');
    await createPod(bed.pods, 'before', 'node-r');
    const events = new EventReader(agent.watchPods({ signal: abort.signal, initialBackoffMs: 20, maxBackoffMs: 200 }));
    assert.deepEqual((await events.untilSync()).map(summary), ['ADDED before', 'SYNC']);

    await bed.stopGrpc();
    // What happens while the endpoint is down must arrive after it is back.
    await createPod(bed.pods, 'while-down', 'node-r');
    await bed.pods.guaranteedUpdate('default', 'before', undefined, (p) => ({ ...p, metadata: { ...p.metadata, labels: { v: '2' } } }));
    await bed.startGrpc();

    assert.equal(summary(await events.next()), 'ADDED while-down');
    assert.equal(summary(await events.next()), 'MODIFIED before');
    await createPod(bed.pods, 'after', 'node-r');
    assert.equal(summary(await events.next()), 'ADDED after');
    await events.close();
  } finally {
    abort.abort();
    await bed.stop();
  }
});

test('a watch started from a resourceVersion replays only what came after it', TIMEOUT, async () => {
  const bed = await startNodeTestBed();
  const abort = new AbortController();
  try {
    const agent = await bed.registeredNode('node-v');
    const first = await createPod(bed.pods, 'first', 'node-v');
    await createPod(bed.pods, 'second', 'node-v');
    const events = new EventReader(agent.watchPods({ signal: abort.signal, resourceVersion: first.metadata.resourceVersion }));
    assert.equal(summary(await events.next()), 'ADDED second');
    await events.close();
  } finally {
    abort.abort();
    await bed.stop();
  }
});

test('a watch whose resourceVersion was compacted away lists again and says so (RELIST)', TIMEOUT, async () => {
  const bed = await startNodeTestBed();
  const abort = new AbortController();
  try {
    const agent = await bed.registeredNode('node-c');
    await createPod(bed.pods, 'survivor', 'node-c');
    const backend = bed.api.server.backend;
    await backend.compact(await backend.currentRevision());
    const events = new EventReader(agent.watchPods({ signal: abort.signal, resourceVersion: '1', initialBackoffMs: 20 }));
    assert.deepEqual((await events.untilSync()).map(summary), ['RELIST', 'ADDED survivor', 'SYNC']);
    await events.close();
  } finally {
    abort.abort();
    await bed.stop();
  }
});
