import { test } from 'node:test';
import assert from 'node:assert/strict';
import { includeObjectOf, toTable } from './index';
import type { KubeObject } from '../../api/types';

const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', resourceVersion: '7' }, data: { k: 'v' } };

test('rows carry metadata by default, the whole object for includeObject=Object, nothing for None', () => {
  const rowOf = (include?: string) => JSON.parse(JSON.stringify(toTable('ConfigMap', [cm], {}, new Date(), includeObjectOf(include)))).rows[0];
  assert.deepEqual(rowOf(undefined).object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: cm.metadata });
  assert.deepEqual(rowOf('Metadata').object, rowOf(undefined).object);
  assert.deepEqual(rowOf('Object').object, cm);
  assert.ok(!('object' in rowOf('None')));
  assert.deepEqual(rowOf('bogus').object, rowOf(undefined).object);
});
