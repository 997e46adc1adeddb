import assert from 'node:assert/strict';
import { test } from 'node:test';
import { podReferences } from './pod-references';

test('a pod references ConfigMaps and Secrets through env, envFrom, volumes, projections and pull secrets', () => {
  const spec = {
    initContainers: [{ env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cm-env', key: 'k' } } }] }],
    containers: [{ envFrom: [{ secretRef: { name: 's-envfrom' } }] }],
    volumes: [
      { name: 'v1', configMap: { name: 'cm-vol' } },
      { name: 'v2', secret: { secretName: 's-vol' } },
      { name: 'v3', projected: { sources: [{ secret: { name: 's-proj' } }, { configMap: { name: 'cm-proj' } }] } },
    ],
    imagePullSecrets: [{ name: 's-pull' }],
  };
  for (const name of ['cm-env', 'cm-vol', 'cm-proj']) assert.equal(podReferences(spec, 'ConfigMap', name), true, name);
  for (const name of ['s-envfrom', 's-vol', 's-proj', 's-pull']) assert.equal(podReferences(spec, 'Secret', name), true, name);
  assert.equal(podReferences(spec, 'Secret', 'cm-vol'), false, 'kinds do not mix');
  assert.equal(podReferences(spec, 'ConfigMap', 'other'), false);
  assert.equal(podReferences(undefined, 'Secret', 's-vol'), false);
});
