import { test } from 'node:test';
import assert from 'node:assert/strict';
import { podRequests, resourcesOf } from './resources';
import { makePod } from '../test/scheduler/builders';

test('init containers count as Kubernetes does: max(sum(containers), max(init))', () => {
  const pod = makePod('p')
    .requests({ cpu: '500m', memory: '100Mi' })
    .container_({ name: 'b', resources: { requests: { cpu: '250m', memory: '50Mi' } } })
    .initContainer({ name: 'i1', resources: { requests: { cpu: '2', memory: '10Mi' } } })
    .initContainer({ name: 'i2', resources: { requests: { cpu: '100m', memory: '120Mi' } } })
    .obj();
  const r = podRequests(pod);
  assert.equal(r.milliCPU, 2000);
  assert.equal(r.memory, 150 * 1024 * 1024);
});

test('sidecar init containers add to the containers and to later init containers', () => {
  const pod = makePod('p')
    .requests({ cpu: '1' })
    .initContainer({ name: 'side', restartPolicy: 'Always', resources: { requests: { cpu: '500m' } } })
    .initContainer({ name: 'once', resources: { requests: { cpu: '1200m' } } })
    .obj();
  // containers 1 + sidecar 0.5 = 1.5; init "once" runs beside the sidecar: 1.7.
  assert.equal(podRequests(pod).milliCPU, 1700);
});

test('overhead is added and non-zero defaults apply only when asked', () => {
  const pod = makePod('p').obj();
  pod.spec.overhead = { cpu: '100m', memory: '1Mi' };
  assert.equal(podRequests(pod).milliCPU, 100);
  const nonZero = podRequests(pod, true);
  assert.equal(nonZero.milliCPU, 200);
  assert.equal(nonZero.memory, 201 * 1024 * 1024);
});

test('extended resources are counted by name', () => {
  const pod = makePod('p').requests({ 'nvidia.com/gpu': 2, cpu: '1m' }).obj();
  assert.deepEqual(podRequests(pod).scalar, { 'nvidia.com/gpu': 2 });
});

test('quantities are read the same every time, and a malformed one fails every time', () => {
  for (let i = 0; i < 2; i++) {
    assert.deepEqual(resourcesOf({ cpu: '1500m', memory: '1Gi', 'nvidia.com/gpu': 2 }), { milliCPU: 1500, memory: 1024 ** 3, ephemeralStorage: 0, scalar: { 'nvidia.com/gpu': 2 } });
    assert.equal(resourcesOf({ cpu: 0.5 }).milliCPU, 500);
    assert.throws(() => resourcesOf({ memory: '12 parsecs' }));
  }
});
