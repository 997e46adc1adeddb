// How probe results enter the pure pod logic: started/ready in the status, liveness/startup kills in the actions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BackoffPolicy } from '../crash-backoff';
import { computePodActions } from '../pod-actions';
import { podStatusFrom } from '../pod-status';
import { at, exited, makePod, running, state } from '../pod-test-builders';
import type { Pod } from '../pod-types';

const BACKOFF: BackoffPolicy = { initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 };

function withProbes(pod: Pod, probes: Record<string, unknown>): Pod {
  pod.spec.containers[0] = { ...pod.spec.containers[0], ...probes };
  return pod;
}

const exec = { exec: { command: ['true'] } };
const ready = (pod: Pod, probes: Record<string, Record<string, 'success' | 'failure' | 'unknown'>> | undefined) => {
  const s = podStatusFrom(pod, state(running('main', 0, 1), running('side', 0, 1)), { now: at(5), backoff: BACKOFF, probes });
  return { main: s.containerStatuses[0], side: s.containerStatuses[1], ready: s.conditions.find((c) => c.type === 'Ready')!, cr: s.conditions.find((c) => c.type === 'ContainersReady')! };
};

test('a readiness probe decides ready; a container without one is ready once running', () => {
  const pod = withProbes(makePod({ containers: ['main', 'side'] }), { readinessProbe: exec });
  const before = ready(pod, undefined);
  assert.equal(before.main.ready, false, 'not ready before the first probe');
  assert.equal(before.main.started, true);
  assert.equal(before.side.ready, true);
  assert.equal(before.ready.status, 'False');
  assert.equal(before.ready.message, 'containers with unready status: [main]');
  const ok = ready(pod, { 'uid-1-main-0': { readiness: 'success' } });
  assert.equal(ok.main.ready, true);
  assert.equal(ok.ready.status, 'True');
  assert.equal(ok.cr.status, 'True');
  const stale = ready(pod, { 'uid-1-main-7': { readiness: 'success' } });
  assert.equal(stale.main.ready, false, 'results of another attempt do not count');
});

test('a startup probe decides started, and nothing is ready before it', () => {
  const pod = withProbes(makePod({ containers: ['main', 'side'] }), { startupProbe: exec });
  const pending = ready(pod, { 'uid-1-main-0': { startup: 'unknown' } });
  assert.equal(pending.main.started, false);
  assert.equal(pending.main.ready, false);
  const started = ready(pod, { 'uid-1-main-0': { startup: 'success' } });
  assert.equal(started.main.started, true);
  assert.equal(started.main.ready, true);
});

test('a failed liveness probe asks to kill the container, with the kubelet\'s message per restartPolicy', () => {
  const pod = withProbes(makePod(), { livenessProbe: exec });
  const actions = computePodActions(pod, state(running('main')), at(30), BACKOFF, { 'uid-1-main-0': 'liveness' });
  assert.deepEqual(actions.unhealthy, [{ name: 'main', probe: 'liveness', message: 'Container main failed liveness probe, will be restarted' }]);
  assert.deepEqual(actions.start, []);
  const never = withProbes(makePod({ restartPolicy: 'Never' }), { startupProbe: exec });
  const a2 = computePodActions(never, state(running('main')), at(30), BACKOFF, { 'uid-1-main-0': 'startup' });
  assert.deepEqual(a2.unhealthy, [{ name: 'main', probe: 'startup', message: 'Container main failed startup probe' }]);
});

test('once the unhealthy container has stopped it restarts like any exit (no kill asked twice)', () => {
  const pod = withProbes(makePod(), { livenessProbe: exec });
  const actions = computePodActions(pod, state(exited('main', 137, 0, 0, 20)), at(21), BACKOFF, { 'uid-1-main-0': 'liveness' });
  assert.deepEqual(actions.unhealthy, []);
  assert.deepEqual(actions.start, [{ name: 'main', init: false, attempt: 1 }]);
});
