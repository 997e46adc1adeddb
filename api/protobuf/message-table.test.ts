import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isScalarType, isWellKnownType } from './descriptors';
import { KIND_MESSAGES, KUBERNETES_MESSAGES } from './message-table';

test('every type a field names is a scalar, a well-known type or a described message', () => {
  const missing: string[] = [];
  for (const [message, spec] of Object.entries(KUBERNETES_MESSAGES)) {
    for (const [number, f] of Object.entries(spec)) {
      if (!isScalarType(f.type) && !isWellKnownType(f.type) && !KUBERNETES_MESSAGES[f.type]) missing.push(`${message}.${number} → ${f.type}`);
      if (f.shape === 'inline') assert.equal(f.json, '', `${message}.${number}`);
      else assert.match(f.json, /^[a-z][A-Za-z0-9]*$/, `${message}.${number}`);
    }
  }
  assert.deepEqual(missing, []);
});

test('no message lists the same JSON name twice', () => {
  for (const [message, spec] of Object.entries(KUBERNETES_MESSAGES)) {
    const names = Object.values(spec).filter((f) => f.shape !== 'inline').map((f) => f.json);
    assert.equal(new Set(names).size, names.length, message);
  }
});

test('every top-level kind is described and carries ObjectMeta at field 1', () => {
  for (const [key, message] of Object.entries(KIND_MESSAGES)) {
    const spec = KUBERNETES_MESSAGES[message];
    assert.ok(spec, key);
    assert.equal(key.split('/').pop(), message, 'messages are named after their kind');
    assert.deepEqual([spec[1].json, spec[1].type], ['metadata', 'ObjectMeta'], key);
  }
});

test('the kinds kubectl create sends as protobuf are all described', () => {
  for (const key of [
    'v1/Namespace', 'v1/ConfigMap', 'v1/Secret', 'v1/ServiceAccount', 'v1/Service',
    'apps/v1/Deployment', 'batch/v1/Job', 'batch/v1/CronJob', 'scheduling.k8s.io/v1/PriorityClass',
  ]) {
    assert.ok(KIND_MESSAGES[key], key);
  }
});
