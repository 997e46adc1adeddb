import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initialResult, nextProbeAt, ProbeTracker, shouldProbe, type ProbeOutcome } from './probe-state';
import { probeTimings } from './probe-types';

const feed = (t: ProbeTracker, ...outcomes: ProbeOutcome[]) => outcomes.map((o) => t.observe(o));

test('initial results: readiness fails until proven, liveness passes until disproven, startup is undecided', () => {
  assert.equal(initialResult('readiness'), 'failure');
  assert.equal(initialResult('liveness'), 'success');
  assert.equal(initialResult('startup'), 'unknown');
});

test('readiness flips only after successThreshold successes and failureThreshold failures in a row', () => {
  const t = new ProbeTracker('readiness', { successThreshold: 2, failureThreshold: 3 });
  assert.deepEqual(feed(t, 'success'), [false]);
  assert.equal(t.result, 'failure');
  assert.deepEqual(feed(t, 'success'), [true]);
  assert.equal(t.result, 'success');
  // A failure run interrupted by a success starts over.
  assert.deepEqual(feed(t, 'failure', 'failure', 'success', 'failure', 'failure'), [false, false, false, false, false]);
  assert.equal(t.result, 'success');
  assert.deepEqual(feed(t, 'failure'), [true]);
  assert.equal(t.result, 'failure');
  assert.equal(t.onHold, false, 'readiness keeps probing after a failure');
  assert.deepEqual(feed(t, 'failure', 'success', 'success'), [false, false, true]);
});

test('liveness: failureThreshold failures publish failure once and put the worker on hold', () => {
  const t = new ProbeTracker('liveness', { successThreshold: 1, failureThreshold: 3 });
  assert.deepEqual(feed(t, 'failure', 'failure'), [false, false]);
  assert.equal(t.result, 'success');
  assert.deepEqual(feed(t, 'failure'), [true]);
  assert.equal(t.result, 'failure');
  assert.equal(t.onHold, true);
  assert.deepEqual(feed(t, 'success', 'success'), [false, false], 'a container on hold is not judged again');
  assert.equal(t.result, 'failure');
});

test('startup: one success decides started; failures past the threshold decide a kill', () => {
  const ok = new ProbeTracker('startup', { successThreshold: 1, failureThreshold: 5 });
  assert.deepEqual(feed(ok, 'failure', 'failure', 'success'), [false, false, true]);
  assert.equal(ok.result, 'success');
  const bad = new ProbeTracker('startup', { successThreshold: 1, failureThreshold: 2 });
  assert.deepEqual(feed(bad, 'failure', 'failure'), [false, true]);
  assert.equal(bad.result, 'failure');
  assert.equal(bad.onHold, true);
});

test('the gate: initial delay from the container start, startup gates liveness/readiness, hold stops everything', () => {
  const base = { startedAt: 1_000_000, initialDelayMs: 5_000, started: true, onHold: false };
  assert.equal(shouldProbe({ ...base, type: 'liveness', now: 1_004_999 }), false);
  assert.equal(shouldProbe({ ...base, type: 'liveness', now: 1_005_000 }), true);
  assert.equal(shouldProbe({ ...base, type: 'readiness', now: 1_010_000, started: false }), false);
  assert.equal(shouldProbe({ ...base, type: 'startup', now: 1_010_000, started: false }), true);
  assert.equal(shouldProbe({ ...base, type: 'startup', now: 1_010_000, started: true }), false, 'startup stops once started');
  assert.equal(shouldProbe({ ...base, type: 'liveness', now: 1_010_000, onHold: true }), false);
});

test('ticks: one period apart, but the first probe after the initial delay is not pushed a period late', () => {
  const timings = probeTimings({ periodSeconds: 10, initialDelaySeconds: 3 });
  const started = 50_000;
  assert.equal(nextProbeAt(started, started, timings), 53_000);
  assert.equal(nextProbeAt(53_000, started, timings), 63_000);
  const noDelay = probeTimings({ periodSeconds: 2 });
  assert.equal(nextProbeAt(started, started, noDelay), 52_000);
});

test('probeTimings applies the Kubernetes defaults (zero means unset)', () => {
  assert.deepEqual(probeTimings({}), { initialDelayMs: 0, periodMs: 10_000, timeoutMs: 1_000, successThreshold: 1, failureThreshold: 3 });
  assert.deepEqual(probeTimings({ periodSeconds: 0, timeoutSeconds: 0, successThreshold: 0, failureThreshold: 0, initialDelaySeconds: 4 }),
    { initialDelayMs: 4_000, periodMs: 10_000, timeoutMs: 1_000, successThreshold: 1, failureThreshold: 3 });
});

test('a tracker can start from a known result (a container an earlier agent saw started)', () => {
  const t = new ProbeTracker('startup', { successThreshold: 1, failureThreshold: 1 }, 'success');
  assert.equal(t.result, 'success');
});
