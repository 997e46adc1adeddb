// The writing half of the wire format, enough to build Kubernetes protobuf
// messages by hand (tests use it to produce what kubectl sends).
import { PROTOBUF_MAGIC } from './envelope';
import { WireType } from './wire-reader';

export class WireWriter {
  private readonly out: number[] = [];

  varint(fieldNumber: number, value: number | bigint): this {
    this.tag(fieldNumber, WireType.Varint);
    this.rawVarint(BigInt.asUintN(64, BigInt(value)));
    return this;
  }

  bool(fieldNumber: number, value: boolean): this {
    return this.varint(fieldNumber, value ? 1 : 0);
  }

  string(fieldNumber: number, value: string): this {
    return this.bytes(fieldNumber, Buffer.from(value, 'utf8'));
  }

  bytes(fieldNumber: number, value: Uint8Array): this {
    this.tag(fieldNumber, WireType.LengthDelimited);
    this.rawVarint(BigInt(value.length));
    for (const b of value) this.out.push(b);
    return this;
  }

  /** A nested message, written by `build` into a fresh writer. */
  message(fieldNumber: number, build: (w: WireWriter) => unknown): this {
    const inner = new WireWriter();
    build(inner);
    return this.bytes(fieldNumber, inner.finish());
  }

  /** One entry of a `map<string, V>` field: key = 1, value = 2. */
  mapEntry(fieldNumber: number, key: string, writeValue: (w: WireWriter) => unknown): this {
    return this.message(fieldNumber, (entry) => writeValue(entry.string(1, key)));
  }

  double(fieldNumber: number, value: number): this {
    this.tag(fieldNumber, WireType.Fixed64);
    const b = Buffer.alloc(8);
    b.writeDoubleLE(value);
    for (const x of b) this.out.push(x);
    return this;
  }

  /** Appends bytes as they are (for malformed-input tests). */
  raw(bytes: Iterable<number>): this {
    for (const b of bytes) this.out.push(b);
    return this;
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.out);
  }

  private tag(fieldNumber: number, wireType: number): void {
    this.rawVarint((BigInt(fieldNumber) << 3n) | BigInt(wireType));
  }

  private rawVarint(value: bigint): void {
    let v = value;
    while (v >= 0x80n) {
      this.out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.out.push(Number(v));
  }
}

/** "k8s\0" + runtime.Unknown{typeMeta, raw}: a body as kubectl sends it. */
export function encodeEnvelope(apiVersion: string, kind: string, raw: Uint8Array): Uint8Array {
  const unknown = new WireWriter()
    .message(1, (typeMeta) => typeMeta.string(1, apiVersion).string(2, kind))
    .bytes(2, raw)
    .string(3, '')
    .string(4, '')
    .finish();
  return Uint8Array.from([...PROTOBUF_MAGIC, ...unknown]);
}
