// Turns protobuf bytes into the JSON object Go's encoding/json would have
// produced for the same Kubernetes struct, guided by a MessageTable.
// Unknown field numbers are skipped, as every protobuf reader does.
import { FieldSpec, MessageSpec, MessageTable, isScalarType, isWellKnownType } from './descriptors';
import { ProtobufError, WireReader, WireType } from './wire-reader';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/**
 * Decodes one message. `into` receives the fields: a message field that
 * occurs twice on the wire is merged, as protobuf specifies.
 */
export function decodeMessage(bytes: Uint8Array, typeName: string, table: MessageTable, path = typeName, into: JsonObject = {}): JsonObject {
  const spec = table[typeName];
  if (!spec) throw new Error(`protobuf table has no message ${typeName}`);
  try {
    readFields(new WireReader(bytes), spec, table, path, into);
  } catch (err) {
    if (err instanceof ProtobufError) err.locate(path);
    throw err;
  }
  return into;
}

function readFields(reader: WireReader, spec: MessageSpec, table: MessageTable, path: string, out: JsonObject): void {
  while (!reader.done) {
    const { fieldNumber, wireType } = reader.readTag();
    const f = spec[fieldNumber];
    if (!f) {
      reader.skip(wireType);
      continue;
    }
    const at = `${path}.${f.json || f.type}`;
    switch (f.shape) {
      case 'single': {
        const previous = out[f.json];
        const value =
          isMessageType(f.type) && isObject(previous)
            ? decodeMessage(expectBytes(reader, wireType, at), f.type, table, at, previous)
            : readValue(reader, wireType, f.type, table, at);
        if (f.keepZero || !isZero(value)) out[f.json] = value;
        else delete out[f.json];
        break;
      }
      case 'list': {
        const items = (out[f.json] ??= []) as JsonValue[];
        if (wireType === WireType.LengthDelimited && isPackable(f.type)) {
          const packed = new WireReader(reader.readLengthDelimited());
          while (!packed.done) items.push(readValue(packed, packedWireType(f.type), f.type, table, at));
        } else {
          items.push(readValue(reader, wireType, f.type, table, `${at}[${items.length}]`));
        }
        break;
      }
      case 'map': {
        const entries = (out[f.json] ??= {}) as JsonObject;
        const [key, value] = readMapEntry(expectBytes(reader, wireType, at), f, table, at);
        // defineProperty, so that a key such as "__proto__" stays a plain key.
        Object.defineProperty(entries, key, { value, enumerable: true, writable: true, configurable: true });
        break;
      }
      case 'inline':
        decodeMessage(expectBytes(reader, wireType, at), f.type, table, path, out);
        break;
    }
  }
}

function readMapEntry(bytes: Uint8Array, f: FieldSpec, table: MessageTable, path: string): [string, JsonValue] {
  const entry = new WireReader(bytes);
  let key = '';
  let value: JsonValue | undefined;
  while (!entry.done) {
    const { fieldNumber, wireType } = entry.readTag();
    if (fieldNumber === 1) key = readValue(entry, wireType, 'string', table, `${path}{key}`) as string;
    else if (fieldNumber === 2) value = readValue(entry, wireType, f.type, table, `${path}[${JSON.stringify(key)}]`);
    else entry.skip(wireType);
  }
  return [key, value ?? zeroValue(f.type, table, path)];
}

function readValue(reader: WireReader, wireType: number, type: string, table: MessageTable, path: string): JsonValue {
  if (isScalarType(type)) {
    switch (type) {
      case 'string':
        return Buffer.from(expectBytes(reader, wireType, path)).toString('utf8');
      case 'bytes':
        return Buffer.from(expectBytes(reader, wireType, path)).toString('base64');
      case 'bool':
        return expectVarint(reader, wireType, path) !== 0n;
      case 'int32':
        return Number(BigInt.asIntN(32, expectVarint(reader, wireType, path)));
      case 'int64':
        return Number(BigInt.asIntN(64, expectVarint(reader, wireType, path)));
      case 'uint32':
        return Number(BigInt.asUintN(32, expectVarint(reader, wireType, path)));
      case 'uint64':
        return Number(expectVarint(reader, wireType, path));
      case 'double':
        expectWireType(wireType, WireType.Fixed64, path);
        return reader.readFixed64().getFloat64(0, true);
      case 'float':
        expectWireType(wireType, WireType.Fixed32, path);
        return reader.readFixed32().getFloat32(0, true);
    }
  }
  const bytes = expectBytes(reader, wireType, path);
  if (isWellKnownType(type)) return decodeWellKnown(bytes, type, path);
  return decodeMessage(bytes, type, table, path);
}

/** What a map entry that leaves its value out maps to. */
function zeroValue(type: string, table: MessageTable, path: string): JsonValue {
  if (type === 'string' || type === 'bytes') return '';
  if (type === 'bool') return false;
  if (isScalarType(type)) return 0;
  if (isWellKnownType(type)) return decodeWellKnown(new Uint8Array(0), type, path);
  return decodeMessage(new Uint8Array(0), type, table, path);
}

function decodeWellKnown(bytes: Uint8Array, type: string, path: string): JsonValue {
  const fields = readFlatFields(bytes);
  switch (type) {
    case 'Time':
    case 'MicroTime': {
      // An empty Time is Go's zero time, which encoding/json writes as null.
      if (fields.size === 0) return null;
      const seconds = Number(BigInt.asIntN(64, varintField(fields, 1, path)));
      const nanos = Number(BigInt.asIntN(32, varintField(fields, 2, path)));
      return formatTime(seconds, type === 'MicroTime' ? nanos : undefined, path);
    }
    case 'Quantity':
      // Quantity's JSON is its canonical string; the zero Quantity is "0".
      return bytesField(fields, 1, path)?.toString('utf8') || '0';
    case 'IntOrString': {
      const isString = varintField(fields, 1, path) === 1n;
      if (isString) return bytesField(fields, 3, path)?.toString('utf8') ?? '';
      return Number(BigInt.asIntN(32, varintField(fields, 2, path)));
    }
    case 'RawExtension':
    case 'FieldsV1': {
      const raw = bytesField(fields, 1, path);
      if (!raw || raw.length === 0) return null;
      try {
        return JSON.parse(raw.toString('utf8')) as JsonValue;
      } catch {
        throw new ProtobufError('embedded object is not JSON', path);
      }
    }
  }
  throw new Error(`no decoder for well-known type ${type}`);
}

type FlatField = { wireType: number; varint?: bigint; bytes?: Uint8Array };

/** The last occurrence of each field of a small flat message. */
function readFlatFields(bytes: Uint8Array): Map<number, FlatField> {
  const reader = new WireReader(bytes);
  const fields = new Map<number, FlatField>();
  while (!reader.done) {
    const { fieldNumber, wireType } = reader.readTag();
    if (wireType === WireType.Varint) fields.set(fieldNumber, { wireType, varint: reader.readVarint() });
    else if (wireType === WireType.LengthDelimited) fields.set(fieldNumber, { wireType, bytes: reader.readLengthDelimited() });
    else reader.skip(wireType);
  }
  return fields;
}

function varintField(fields: Map<number, FlatField>, n: number, path: string): bigint {
  const f = fields.get(n);
  if (!f) return 0n;
  if (f.varint === undefined) throw new ProtobufError(`field ${n} should be a varint`, path);
  return f.varint;
}

function bytesField(fields: Map<number, FlatField>, n: number, path: string): Buffer | undefined {
  const f = fields.get(n);
  if (!f) return undefined;
  if (f.bytes === undefined) throw new ProtobufError(`field ${n} should be length-delimited`, path);
  return Buffer.from(f.bytes);
}

/** RFC3339 in UTC as metav1.Time (seconds) and metav1.MicroTime (microseconds) write it. */
function formatTime(seconds: number, nanos: number | undefined, path: string): string {
  const date = new Date(seconds * 1000);
  const year = date.getUTCFullYear();
  if (Number.isNaN(date.getTime()) || year < 0 || year > 9999) throw new ProtobufError(`time ${seconds}s is out of range`, path);
  const iso = date.toISOString().slice(0, 19);
  if (nanos === undefined) return `${iso}Z`;
  return `${iso}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z`;
}

function isMessageType(type: string): boolean {
  return !isScalarType(type) && !isWellKnownType(type);
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isZero(value: JsonValue): boolean {
  return value === '' || value === 0 || value === false;
}

function isPackable(type: string): boolean {
  return isScalarType(type) && type !== 'string' && type !== 'bytes';
}

function packedWireType(type: string): number {
  if (type === 'double') return WireType.Fixed64;
  if (type === 'float') return WireType.Fixed32;
  return WireType.Varint;
}

function expectWireType(actual: number, expected: number, path: string): void {
  if (actual !== expected) throw new ProtobufError(`wire type ${actual}, expected ${expected}`, path);
}

function expectBytes(reader: WireReader, wireType: number, path: string): Uint8Array {
  expectWireType(wireType, WireType.LengthDelimited, path);
  return reader.readLengthDelimited();
}

function expectVarint(reader: WireReader, wireType: number, path: string): bigint {
  expectWireType(wireType, WireType.Varint, path);
  return reader.readVarint();
}
