import { test } from 'node:test';
import assert from 'node:assert/strict';
import { patchMetaForKind } from '../patch/patch-meta';
import {
  difference, EMPTY, equalSets, formatPath, fromFieldsV1, intersection, isEmpty, memberPaths, setOfPath, toFieldsV1, union,
} from './field-set';
import { mergeConfig, removeFields } from './merge';
import { fieldSetOf, modifiedFields } from './walk';

const pod = patchMetaForKind('Pod');
const v1 = (doc: object) => fromFieldsV1(doc);

test('field sets of objects: leaves, map-list items by key, set items by value, atomic lists whole', () => {
  const obj = {
    metadata: { labels: { app: 'web' }, finalizers: ['a/b', 'c'] },
    spec: {
      containers: [{ name: 'main', image: 'x', args: ['-v', '1'], ports: [{ containerPort: 80, protocol: 'TCP' }] }],
      tolerations: [{ key: 'k' }],
      securityContext: {},
      nodeName: null,
    },
  };
  assert.deepEqual(toFieldsV1(fieldSetOf(obj, pod)), {
    'f:metadata': { 'f:finalizers': { 'v:"a/b"': {}, 'v:"c"': {} }, 'f:labels': { 'f:app': {} } },
    'f:spec': {
      'f:containers': {
        'k:{"name":"main"}': {
          '.': {},
          'f:args': {},
          'f:image': {},
          'f:name': {},
          'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {}, 'f:protocol': {} } },
        },
      },
      'f:nodeName': {},
      'f:securityContext': {},
      'f:tolerations': {},
    },
  });
});

test('a map-list item without its key, or a duplicate key, is refused', () => {
  assert.throws(() => fieldSetOf({ spec: { containers: [{ image: 'x' }] } }, pod), /omits key field "name"/);
  assert.throws(() => fieldSetOf({ spec: { containers: [{ name: 'a' }, { name: 'a' }] } }, pod), /duplicate entries/);
});

test('FieldsV1 round-trips; "." marks a member with children; bad documents throw', () => {
  const doc = { 'f:a': { '.': {}, 'f:b': {} }, 'f:c': {}, 'f:d': { 'k:{"name":"x"}': { '.': {}, 'f:name': {} } } };
  assert.deepEqual(toFieldsV1(v1(doc)), doc);
  assert.deepEqual(memberPaths(v1(doc)), [['f:a'], ['f:a', 'f:b'], ['f:c'], ['f:d', 'k:{"name":"x"}'], ['f:d', 'k:{"name":"x"}', 'f:name']]);
  assert.ok(isEmpty(v1({})));
  assert.throws(() => fromFieldsV1({ 'x:y': {} }), /unknown path element/);
  assert.throws(() => fromFieldsV1([]), /must be a JSON object/);
});

test('union, difference and intersection work member by member', () => {
  const a = v1({ 'f:spec': { 'f:replicas': {}, 'f:paused': {} }, 'f:data': { '.': {}, 'f:x': {} } });
  const b = v1({ 'f:spec': { 'f:replicas': {}, 'f:minReadySeconds': {} }, 'f:data': { 'f:x': {} } });
  assert.deepEqual(toFieldsV1(union(a, b)), { 'f:data': { '.': {}, 'f:x': {} }, 'f:spec': { 'f:minReadySeconds': {}, 'f:paused': {}, 'f:replicas': {} } });
  // The difference keeps `.data` itself (a member of a only) but not its child.
  assert.deepEqual(toFieldsV1(difference(a, b)), { 'f:data': {}, 'f:spec': { 'f:paused': {} } });
  assert.deepEqual(toFieldsV1(intersection(a, b)), { 'f:data': { 'f:x': {} }, 'f:spec': { 'f:replicas': {} } });
  assert.ok(isEmpty(difference(a, a)));
  assert.ok(isEmpty(intersection(a, EMPTY)));
  assert.ok(equalSets(union(a, b), union(b, a)));
  assert.ok(!equalSets(a, b));
  assert.deepEqual(toFieldsV1(setOfPath(['f:spec', 'f:replicas'])), { 'f:spec': { 'f:replicas': {} } });
});

test('modified fields are leaves present on both sides with other values', () => {
  const before = { spec: { replicas: 1, containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }], tolerations: [{ key: 'k' }] } };
  const after = { spec: { replicas: 2, containers: [{ name: 'b', image: 'y' }, { name: 'a', image: 'z' }], tolerations: [{ key: 'j' }], nodeName: 'n' } };
  assert.deepEqual(toFieldsV1(modifiedFields(before, after, pod)), {
    'f:spec': { 'f:containers': { 'k:{"name":"a"}': { 'f:image': {} } }, 'f:replicas': {}, 'f:tolerations': {} },
  });
});

test('paths print as structured-merge-diff prints them', () => {
  assert.equal(formatPath(['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"main"}', 'f:image']), '.spec.template.spec.containers[name="main"].image');
  assert.equal(formatPath(['f:spec', 'f:ports', 'k:{"containerPort":80}']), '.spec.ports[containerPort=80]');
  assert.equal(formatPath(['f:metadata', 'f:finalizers', 'v:"x"']), '.metadata.finalizers[="x"]');
  assert.equal(formatPath(['f:a', 'i:3']), '.a[3]');
});

test('merging a configuration: objects by field, map lists by key, sets by value, atomic lists replaced', () => {
  const live = {
    metadata: { finalizers: ['a'], labels: { x: '1' } },
    spec: { containers: [{ name: 'a', image: 'x', imagePullPolicy: 'Always' }, { name: 'b', image: 'y' }], tolerations: [{ key: 'k' }] },
  };
  const config = {
    metadata: { finalizers: ['b', 'a'], labels: { y: '2' } },
    spec: { containers: [{ name: 'c', image: 'w' }, { name: 'a', image: 'z' }], tolerations: [{ key: 'j' }] },
  };
  assert.deepEqual(mergeConfig(live, config, pod), {
    metadata: { finalizers: ['a', 'b'], labels: { x: '1', y: '2' } },
    spec: {
      containers: [{ name: 'a', image: 'z', imagePullPolicy: 'Always' }, { name: 'b', image: 'y' }, { name: 'c', image: 'w' }],
      tolerations: [{ key: 'j' }],
    },
  });
  assert.deepEqual(live.spec.containers[0].image, 'x', 'inputs are not changed');
});

test('removing fields: owned descendants keep their item, emptied objects go', () => {
  const obj = {
    metadata: { labels: { gone: '1' }, finalizers: ['a', 'b'] },
    spec: { containers: [{ name: 'a', image: 'x', env: [{ name: 'E', value: '1' }] }, { name: 'b', image: 'y' }] },
  };
  const remove = v1({
    'f:metadata': { 'f:labels': { 'f:gone': {} }, 'f:finalizers': { 'v:"b"': {} } },
    'f:spec': { 'f:containers': { 'k:{"name":"a"}': { '.': {}, 'f:image': {}, 'f:name': {} }, 'k:{"name":"b"}': { '.': {}, 'f:image': {} } } },
  });
  // Someone else still owns container a's env: the item stays, its image goes.
  const keep = v1({ 'f:spec': { 'f:containers': { 'k:{"name":"a"}': { 'f:env': { 'k:{"name":"E"}': { '.': {} } } } } } });
  assert.deepEqual(removeFields(obj, remove, keep, pod), {
    metadata: { finalizers: ['a'] },
    spec: { containers: [{ name: 'a', env: [{ name: 'E', value: '1' }] }] },
  });
});
