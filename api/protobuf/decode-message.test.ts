import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEEP_ZERO, MessageTable, field, inline, list, map } from './descriptors';
import { decodeMessage } from './decode-message';
import { ProtobufError } from './wire-reader';
import { WireWriter } from './wire-writer';

// A small table shaped like Kubernetes types, so each rule is seen in isolation.
const TABLE: MessageTable = {
  Thing: {
    1: field('name', 'string'),
    2: field('count', 'int32'),
    3: field('replicas', 'int32', KEEP_ZERO),
    4: field('enabled', 'bool'),
    5: field('optional', 'bool', KEEP_ZERO),
    6: list('args', 'string'),
    7: list('numbers', 'int64'),
    8: map('labels', 'string'),
    9: map('data', 'bytes'),
    10: field('ref', 'Ref'),
    11: inline('Ref'),
    12: field('when', 'Time'),
    13: field('micro', 'MicroTime'),
    14: map('limits', 'Quantity'),
    15: field('port', 'IntOrString'),
    16: field('ratio', 'double'),
    17: field('raw', 'RawExtension'),
    18: list('refs', 'Ref'),
    19: field('blob', 'bytes'),
    20: field('big', 'int64'),
  },
  Ref: {
    1: field('kind', 'string', KEEP_ZERO),
    2: field('uid', 'string'),
  },
};

const decode = (build: (w: WireWriter) => unknown) => {
  const w = new WireWriter();
  build(w);
  return decodeMessage(w.finish(), 'Thing', TABLE);
};

test('zero scalars are left out like omitempty, pointer-like fields keep them', () => {
  const obj = decode((w) => w.string(1, '').varint(2, 0).varint(3, 0).bool(4, false).bool(5, false));
  assert.deepEqual(obj, { replicas: 0, optional: false });
  assert.deepEqual(decode((w) => w.string(1, 'web').varint(2, 3).bool(4, true)), { name: 'web', count: 3, enabled: true });
});

test('the last occurrence of a scalar wins, even a zero one', () => {
  assert.deepEqual(decode((w) => w.string(1, 'a').string(1, 'b')), { name: 'b' });
  assert.deepEqual(decode((w) => w.varint(2, 4).varint(2, 0)), {});
});

test('numbers: negative int32, int64, double', () => {
  assert.deepEqual(decode((w) => w.varint(2, -1).varint(20, 2 ** 40).double(16, 0.25)), { count: -1, big: 2 ** 40, ratio: 0.25 });
});

test('repeated fields, packed and unpacked, and repeated messages', () => {
  const packedVarints = Uint8Array.of(0x01, 0xac, 0x02, 0x03); // 1, 300, 3
  const obj = decode((w) =>
    w.string(6, 'sleep').string(6, '').string(6, '10')
      .bytes(7, packedVarints).varint(7, 4)
      .message(18, (r) => r.string(1, 'Pod')).message(18, (r) => r.string(1, '')),
  );
  assert.deepEqual(obj, { args: ['sleep', '', '10'], numbers: [1, 300, 3, 4], refs: [{ kind: 'Pod' }, { kind: '' }] });
});

test('maps of strings, bytes (base64) and quantities; a missing value is the zero value', () => {
  const obj = decode((w) =>
    w.mapEntry(8, 'app', (e) => e.string(2, 'web'))
      .mapEntry(8, 'tier', (e) => e)
      .mapEntry(9, 'key', (e) => e.bytes(2, Buffer.from('secret')))
      .mapEntry(14, 'cpu', (e) => e.message(2, (q) => q.string(1, '500m')))
      .mapEntry(14, 'memory', (e) => e.message(2, (q) => q)),
  );
  assert.deepEqual(obj, {
    labels: { app: 'web', tier: '' },
    data: { key: Buffer.from('secret').toString('base64') },
    limits: { cpu: '500m', memory: '0' },
  });
});

test('a map key "__proto__" is an ordinary key', () => {
  const obj = decode((w) => w.mapEntry(8, '__proto__', (e) => e.string(2, 'x')));
  const labels = obj.labels as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(labels), Object.prototype);
  assert.deepEqual(Object.keys(labels), ['__proto__']);
  assert.equal(JSON.stringify(obj), '{"labels":{"__proto__":"x"}}');
});

test('nested messages are kept even when empty; inline fields land in the parent', () => {
  assert.deepEqual(decode((w) => w.message(10, (r) => r)), { ref: {} });
  assert.deepEqual(decode((w) => w.message(10, (r) => r.string(2, 'u1'))), { ref: { uid: 'u1' } });
  assert.deepEqual(decode((w) => w.string(1, 'n').message(11, (r) => r.string(1, 'ConfigMap'))), { name: 'n', kind: 'ConfigMap' });
});

test('Time: empty is null (Go zero time), else RFC3339 in UTC; MicroTime keeps microseconds', () => {
  assert.deepEqual(decode((w) => w.message(12, (t) => t)), { when: null });
  assert.deepEqual(decode((w) => w.message(12, (t) => t.varint(1, 1700000000))), { when: '2023-11-14T22:13:20Z' });
  assert.deepEqual(decode((w) => w.message(13, (t) => t.varint(1, 1700000000).varint(2, 123456789))), {
    micro: '2023-11-14T22:13:20.123456Z',
  });
});

test('IntOrString is a number (type 0) or a string (type 1)', () => {
  assert.deepEqual(decode((w) => w.message(15, (p) => p.varint(1, 0).varint(2, 8080).string(3, ''))), { port: 8080 });
  assert.deepEqual(decode((w) => w.message(15, (p) => p.varint(1, 1).varint(2, 0).string(3, 'http'))), { port: 'http' });
});

test('RawExtension carries JSON; anything else is refused', () => {
  assert.deepEqual(decode((w) => w.message(17, (r) => r.string(1, '{"a":[1]}'))), { raw: { a: [1] } });
  assert.throws(() => decode((w) => w.message(17, (r) => r.string(1, 'k8s\0xx'))), /Thing\.raw: embedded object is not JSON/);
});

test('bytes fields are base64 in JSON', () => {
  assert.deepEqual(decode((w) => w.bytes(19, Uint8Array.of(0, 255))), { blob: 'AP8=' });
});

test('a message field that occurs twice is merged, as protobuf specifies', () => {
  const obj = decode((w) =>
    w.message(10, (r) => r.string(1, 'Pod')).string(1, 'x').message(10, (r) => r.string(2, 'u1')),
  );
  assert.deepEqual(obj, { ref: { kind: 'Pod', uid: 'u1' }, name: 'x' });
});

test('unknown field numbers are skipped', () => {
  assert.deepEqual(decode((w) => w.string(99, 'future').varint(98, 1).string(1, 'web')), { name: 'web' });
});

test('a field with the wrong wire type is an error naming its path', () => {
  assert.throws(() => decode((w) => w.varint(1, 5)), (err: unknown) => err instanceof ProtobufError && /Thing\.name: wire type 0, expected 2/.test(err.message));
  assert.throws(() => decode((w) => w.message(10, (r) => r.varint(2, 1))), /Thing\.ref\.uid: wire type 0/);
  // Truncation deep inside names the innermost message, once.
  const truncatedRef = Uint8Array.of((10 << 3) | 2, 3, (2 << 3) | 2, 5, 0x61);
  assert.throws(() => decodeMessage(truncatedRef, 'Thing', TABLE), (err: unknown) => err instanceof ProtobufError && /^Thing\.ref: length 5 .* runs past the end/.test(err.message));
});
