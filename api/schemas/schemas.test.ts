import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RESOURCES } from '../resources';
import { DEFINITIONS, definitionNameFor, fieldPath, resolveSchema, childSchema, type JsonSchema } from './index';
import { DEFINITIONS_PREFIX } from './builders';

function refsOf(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refsOf(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref') out.push(v as string);
      else refsOf(v, out);
    }
  }
  return out;
}

function at(root: string, ...path: Array<string | number>): JsonSchema | undefined {
  let s: JsonSchema | undefined = DEFINITIONS[root];
  for (const p of path) s = childSchema(s, p).schema;
  return resolveSchema(s);
}

test('every served kind has a schema carrying its group-version-kind', () => {
  for (const r of RESOURCES) {
    const name = definitionNameFor(r.group, r.kind);
    assert.ok(name, `${r.kind} has a definition`);
    assert.deepEqual(DEFINITIONS[name!]['x-kubernetes-group-version-kind'], [{ group: r.group, version: r.version, kind: r.kind }]);
  }
  assert.equal(definitionNameFor('apps', 'Widget'), undefined);
  assert.equal(definitionNameFor('example.com', 'Pod'), undefined);
});

test('every $ref names a definition', () => {
  for (const ref of refsOf(DEFINITIONS)) {
    assert.ok(ref.startsWith(DEFINITIONS_PREFIX), ref);
    assert.ok(DEFINITIONS[ref.slice(DEFINITIONS_PREFIX.length)], `${ref} is defined`);
  }
});

test('field types follow the Go types', () => {
  const pod = 'io.k8s.api.core.v1.Pod';
  assert.deepEqual(at(pod, 'spec', 'terminationGracePeriodSeconds'), { type: 'integer', format: 'int64', minimum: 0 });
  assert.equal(at(pod, 'spec', 'priority')?.format, 'int32');
  assert.equal(at(pod, 'spec', 'containers', 0, 'ports', 0, 'containerPort')?.type, 'integer');
  assert.equal(at(pod, 'spec', 'hostNetwork')?.type, 'boolean');
  assert.deepEqual(at(pod, 'spec', 'containers', 0, 'resources', 'limits', 'cpu')?.type, ['string', 'number']);
  assert.deepEqual(at(pod, 'spec', 'containers', 0, 'livenessProbe', 'httpGet', 'port')?.type, ['integer', 'string']);
  assert.deepEqual(at(pod, 'metadata', 'creationTimestamp')?.type, ['string', 'null']);
  assert.equal(at(pod, 'metadata', 'generation')?.format, 'int64');
  assert.deepEqual(at(pod, 'spec', 'restartPolicy')?.enum, ['Always', 'OnFailure', 'Never']);
  assert.equal(at('io.k8s.api.apps.v1.Deployment', 'spec', 'replicas')?.format, 'int32');
  assert.equal(at('io.k8s.api.batch.v1.Job', 'spec', 'activeDeadlineSeconds')?.format, 'int64');
  assert.equal(at('io.k8s.api.core.v1.Node', 'spec', 'unschedulable')?.type, 'boolean');
  assert.equal(at('io.k8s.api.core.v1.Secret', 'data', 'key')?.format, 'byte');
  assert.equal(at('io.k8s.api.scheduling.v1.PriorityClass', 'value')?.format, 'int32');
  assert.deepEqual(at('io.k8s.api.coordination.v1.Lease', 'spec', 'renewTime')?.format, 'date-time');
});

test('list merge keys are recorded for patching', () => {
  const spec = DEFINITIONS['io.k8s.api.core.v1.PodSpec'].properties as Record<string, JsonSchema>;
  assert.equal(spec.containers['x-kubernetes-patch-merge-key'], 'name');
  assert.equal(spec.volumes['x-kubernetes-patch-merge-key'], 'name');
  const container = DEFINITIONS['io.k8s.api.core.v1.Container'].properties as Record<string, JsonSchema>;
  assert.equal(container.ports['x-kubernetes-patch-merge-key'], 'containerPort');
  assert.equal(container.env['x-kubernetes-patch-merge-key'], 'name');
  assert.equal(container.volumeMounts['x-kubernetes-patch-merge-key'], 'mountPath');
});

test('fieldPath renders Kubernetes paths', () => {
  const dep = DEFINITIONS['io.k8s.api.apps.v1.Deployment'];
  assert.equal(fieldPath(dep, ['spec', 'template', 'spec', 'containers', '0', 'image']), 'spec.template.spec.containers[0].image');
  assert.equal(fieldPath(dep, ['metadata', 'labels', 'app.kubernetes.io/name']), 'metadata.labels[app.kubernetes.io/name]');
  assert.equal(fieldPath(dep, ['spec', 'bogus', 'x']), 'spec.bogus.x');
  assert.equal(fieldPath(dep, []), '');
});
