import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from './clock';
import { SchedulingQueue } from './queue';
import { makePod } from '../test/scheduler/builders';

function queue() {
  const clock = new FakeClock();
  const q = new SchedulingQueue({ clock });
  return { clock, q };
}

test('higher priority pops first, then earlier arrival', async () => {
  const { clock, q } = queue();
  try {
    q.add(makePod('low').priority(0).obj());
    clock.advance(1);
    q.add(makePod('high').priority(100).obj());
    clock.advance(1);
    q.add(makePod('low2').priority(0).obj());
    const order = [];
    for (let i = 0; i < 3; i++) order.push((await q.pop())!.pod.metadata.name);
    assert.deepEqual(order, ['high', 'low', 'low2']);
  } finally {
    q.close();
  }
});

test('pop waits for a pod and close releases waiters with undefined', async () => {
  const { q } = queue();
  const waiting = q.pop();
  q.add(makePod('late').obj());
  assert.equal((await waiting)!.pod.metadata.name, 'late');
  const second = q.pop();
  q.close();
  assert.equal(await second, undefined);
});

test('back-off is 1 s doubling to 10 s', () => {
  const { q } = queue();
  try {
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((a) => q.backoffDurationMs(a)), [1000, 2000, 4000, 8000, 10000, 10000]);
  } finally {
    q.close();
  }
});

test('an unschedulable pod waits for a cluster event, then passes through back-off', async () => {
  const { clock, q } = queue();
  try {
    q.add(makePod('p').obj());
    const first = (await q.pop())!;
    q.requeueFailed(first, true);
    assert.deepEqual(q.stats(), { active: 0, backoff: 0, unschedulable: 1, inFlight: 0 });
    clock.advance(60_000); // time alone does not bring it back (before the 5-minute flush)
    assert.equal(q.stats().unschedulable, 1);
    q.moveAllToActive('NodeAdd');
    // Its back-off (1 s from the failure) is long over: straight to active.
    assert.equal(q.stats().active, 1);
    const second = (await q.pop())!;
    assert.equal(second.attempts, 2);
    q.requeueFailed(second, true);
    q.moveAllToActive('NodeAdd');
    assert.equal(q.stats().backoff, 1, 'within its 2 s back-off the pod waits in back-off');
    clock.advance(1999);
    assert.equal(q.stats().backoff, 1);
    clock.advance(1);
    assert.equal(q.stats().active, 1);
  } finally {
    q.close();
  }
});

test('an event during the cycle sends a failed pod to back-off, not unschedulable', async () => {
  const { q } = queue();
  try {
    q.add(makePod('p').obj());
    const qp = (await q.pop())!;
    q.moveAllToActive('NodeAdd'); // a node arrived while the pod was being scheduled
    q.requeueFailed(qp, true);
    assert.deepEqual(q.stats(), { active: 0, backoff: 1, unschedulable: 0, inFlight: 0 });
  } finally {
    q.close();
  }
});

test('errors back off and come back once the back-off expires', async () => {
  const { clock, q } = queue();
  try {
    q.add(makePod('p').obj());
    const qp = (await q.pop())!;
    q.requeueFailed(qp, false);
    assert.equal(q.stats().backoff, 1);
    clock.advance(1000);
    assert.equal(q.stats().active, 1);
  } finally {
    q.close();
  }
});

test('a status-only update leaves an unschedulable pod waiting; a spec change retries it', async () => {
  const { q } = queue();
  try {
    const pod = makePod('p').obj();
    q.add(pod);
    q.requeueFailed((await q.pop())!, true);
    q.update({ ...pod, metadata: { ...pod.metadata, resourceVersion: '9' }, status: { conditions: [{ type: 'PodScheduled', status: 'False' }] } });
    assert.equal(q.stats().unschedulable, 1);
    q.update({ ...pod, spec: { ...pod.spec, tolerations: [{ operator: 'Exists' }] } });
    assert.equal(q.stats().unschedulable, 0);
    assert.equal(q.stats().backoff + q.stats().active, 1);
  } finally {
    q.close();
  }
});

test('unschedulable pods are retried after five minutes without any event', async () => {
  const { clock, q } = queue();
  try {
    q.add(makePod('p').obj());
    q.requeueFailed((await q.pop())!, true);
    clock.advance(5 * 60_000 + 30_000);
    assert.equal(q.stats().active, 1);
  } finally {
    q.close();
  }
});

test('a pod deleted while in flight is not requeued; deleting removes it from every set', async () => {
  const { q } = queue();
  try {
    const a = makePod('a').obj();
    q.add(a);
    const qp = (await q.pop())!;
    q.delete(a);
    q.requeueFailed(qp, true);
    assert.deepEqual(q.stats(), { active: 0, backoff: 0, unschedulable: 0, inFlight: 0 });
    const b = makePod('b').obj();
    q.add(b);
    q.delete(b);
    assert.equal(q.has('default/b'), false);
  } finally {
    q.close();
  }
});

test('close cancels every timer', async () => {
  const { clock, q } = queue();
  q.add(makePod('p').obj());
  q.requeueFailed((await q.pop())!, false);
  q.close();
  assert.equal(clock.pendingTimers(), 0);
});

test('a move can select which unschedulable pods to retry', async () => {
  const { clock, q } = queue();
  try {
    q.add(makePod('plain').obj());
    q.add(makePod('needs-db').podAffinity({ labelSelector: { matchLabels: { app: 'db' } }, topologyKey: 'zone' }).obj());
    q.requeueFailed((await q.pop())!, true);
    q.requeueFailed((await q.pop())!, true);
    clock.advance(1000); // past the first back-off
    q.moveAllToActive('AssignedPodAdd', (p) => !!p.spec.affinity?.podAffinity);
    assert.deepEqual(q.stats(), { active: 1, backoff: 0, unschedulable: 1, inFlight: 0 });
    assert.equal((await q.pop())!.pod.metadata.name, 'needs-db');
  } finally {
    q.close();
  }
});
