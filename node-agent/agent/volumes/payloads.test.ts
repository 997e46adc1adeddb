// configMap, secret, downwardAPI and projected volume contents from the pod and the fetched objects.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../../api/types';
import { objectKey, type PodObjects } from '../pod-objects';
import { makePod } from '../pod-test-builders';
import { formatMap, volumeObjectRefs, volumePayload, VolumeError } from './payloads';

const objects: PodObjects = new Map<string, KubeObject | null>([
  [objectKey('ConfigMap', 'cfg'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { a: 'A', b: 'B' }, binaryData: { bin: Buffer.from([1, 2]).toString('base64') } }],
  [objectKey('Secret', 's'), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { token: Buffer.from('t0k').toString('base64') } }],
  [objectKey('ConfigMap', 'missing'), null],
]);
const text = (p: Map<string, { data: Buffer; mode: number }> | undefined) =>
  Object.fromEntries([...(p ?? new Map())].map(([k, v]) => [k, `${v.data.toString('utf8')}|${v.mode.toString(8)}`]));

test('configMap: every key (data and binaryData) with defaultMode, or only items with their modes', () => {
  const pod = makePod();
  const all = volumePayload(pod, { name: 'v', configMap: { name: 'cfg', defaultMode: 0o440 } }, { objects });
  assert.equal(all!.get('a')!.mode, 0o440);
  assert.deepEqual([...all!.get('bin')!.data], [1, 2]);
  const items = volumePayload(pod, { name: 'v', configMap: { name: 'cfg', items: [{ key: 'b', path: 'dir/b.txt', mode: 0o600 }] } }, { objects });
  assert.deepEqual(text(items), { 'dir/b.txt': 'B|600' });
  assert.throws(() => volumePayload(pod, { name: 'v', configMap: { name: 'cfg', items: [{ key: 'zz', path: 'z' }] } }, { objects }),
    (err: Error) => err instanceof VolumeError && /non-existent config key: zz/.test(err.message));
  assert.throws(() => volumePayload(pod, { name: 'v', configMap: { name: 'missing' } }, { objects }), /configmap "missing" not found/);
  assert.deepEqual(text(volumePayload(pod, { name: 'v', configMap: { name: 'missing', optional: true } }, { objects })), {});
});

test('secret values are decoded; default mode 0644', () => {
  assert.deepEqual(text(volumePayload(makePod(), { name: 'v', secret: { secretName: 's' } }, { objects })), { token: 't0k|644' });
});

test('downwardAPI writes name, namespace, uid and sorted quoted labels', () => {
  const pod = makePod();
  pod.metadata.labels = { tier: 'web', app: 'shop "x"' };
  const p = volumePayload(pod, {
    name: 'v', downwardAPI: { items: [
      { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
      { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
      { path: 'tier', fieldRef: { fieldPath: "metadata.labels['tier']" } },
    ] },
  }, { objects });
  assert.deepEqual(text(p), { name: 'web|644', labels: 'app="shop \\"x\\""\ntier="web"|644', tier: 'web|644' });
  assert.equal(formatMap(undefined), '');
  pod.spec.containers[0].resources = { requests: { cpu: '250m' } };
  const res = volumePayload(pod, { name: 'v', downwardAPI: { items: [
    { path: 'cpu', resourceFieldRef: { containerName: 'main', resource: 'requests.cpu', divisor: '1m' } },
    { path: 'mem', resourceFieldRef: { containerName: 'main', resource: 'limits.memory', divisor: '1Gi' } },
  ] } }, { objects, allocatable: { memory: '2Gi' } });
  assert.deepEqual(text(res), { cpu: '250|644', mem: '2|644' });
});

test('projected merges its sources; volumeObjectRefs lists every object read', () => {
  const v = { name: 'p', projected: { defaultMode: 0o400, sources: [{ configMap: { name: 'cfg', items: [{ key: 'a', path: 'a' }] } }, { secret: { name: 's' } }] } };
  assert.deepEqual(text(volumePayload(makePod(), v, { objects })), { a: 'A|400', token: 't0k|400' });
  assert.deepEqual(volumeObjectRefs([v, { name: 'x', secret: { secretName: 'other' } }]), [
    { kind: 'ConfigMap', name: 'cfg' }, { kind: 'Secret', name: 's' }, { kind: 'Secret', name: 'other' },
  ]);
  assert.equal(volumePayload(makePod(), { name: 'e', emptyDir: {} }, { objects }), undefined);
});
