import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtobufError, WireReader, WireType } from './wire-reader';
import { WireWriter } from './wire-writer';

test('varints of one, several and ten bytes', () => {
  const r = new WireReader(Uint8Array.of(0x01, 0xac, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01));
  assert.equal(r.readVarint(), 1n);
  assert.equal(r.readVarint(), 300n);
  assert.equal(r.readVarint(), 2n ** 64n - 1n);
  assert.ok(r.done);
});

test('negative int32 is written as a ten-byte varint and reads back', () => {
  const bytes = new WireWriter().varint(3, -5).finish();
  assert.equal(bytes.length, 11, 'tag + 10 bytes');
  const r = new WireReader(bytes);
  assert.deepEqual(r.readTag(), { fieldNumber: 3, wireType: WireType.Varint });
  assert.equal(BigInt.asIntN(32, r.readVarint()), -5n);
});

test('tags carry field number and wire type', () => {
  const r = new WireReader(new WireWriter().string(17, 'x').double(2, 1.5).finish());
  assert.deepEqual(r.readTag(), { fieldNumber: 17, wireType: WireType.LengthDelimited });
  assert.equal(Buffer.from(r.readLengthDelimited()).toString(), 'x');
  assert.deepEqual(r.readTag(), { fieldNumber: 2, wireType: WireType.Fixed64 });
  assert.equal(r.readFixed64().getFloat64(0, true), 1.5);
});

test('skip steps over every wire type, groups included', () => {
  const bytes = new WireWriter()
    .varint(1, 300)
    .double(2, 2.5)
    .string(3, 'skip me')
    .raw([(4 << 3) | WireType.Fixed32, 1, 2, 3, 4])
    .raw([(5 << 3) | WireType.StartGroup, (1 << 3) | WireType.Varint, 7, (5 << 3) | WireType.EndGroup])
    .string(6, 'kept')
    .finish();
  const r = new WireReader(bytes);
  for (let i = 0; i < 5; i++) r.skip(r.readTag().wireType);
  assert.deepEqual(r.readTag(), { fieldNumber: 6, wireType: WireType.LengthDelimited });
  assert.equal(Buffer.from(r.readLengthDelimited()).toString(), 'kept');
  assert.ok(r.done);
});

test('malformed input fails with ProtobufError, never reads past the end', () => {
  assert.throws(() => new WireReader(Uint8Array.of(0x80, 0x80)).readVarint(), ProtobufError, 'truncated varint');
  assert.throws(() => new WireReader(Uint8Array.of(...new Array(11).fill(0xff))).readVarint(), /longer than 10 bytes/);
  const lengthPastEnd = new WireReader(Uint8Array.of(0x0a, 0x05, 0x61));
  lengthPastEnd.readTag();
  assert.throws(() => lengthPastEnd.readLengthDelimited(), /runs past the end/);
  assert.throws(() => new WireReader(Uint8Array.of(0x01, 0x02)).readFixed32(), /truncated 32-bit/);
  assert.throws(() => new WireReader(Uint8Array.of(0x00)).readTag(), /field number 0/);
  assert.throws(() => new WireReader(Uint8Array.of()).skip(7), /unknown wire type 7/);
  assert.throws(() => new WireReader(Uint8Array.of((1 << 3) | WireType.Varint, 1)).skip(WireType.StartGroup), /unterminated group/);
});
