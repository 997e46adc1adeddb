// Reads the protobuf wire format: tags, varints, length-delimited bytes and
// fixed-width numbers. It knows nothing about messages; decode-message.ts
// gives the bytes meaning.

/** Wire types of the protobuf encoding (3 and 4, groups, are long deprecated). */
export const WireType = {
  Varint: 0,
  Fixed64: 1,
  LengthDelimited: 2,
  StartGroup: 3,
  EndGroup: 4,
  Fixed32: 5,
} as const;

/** The bytes are not valid protobuf, or do not fit the message they are read as. */
export class ProtobufError extends Error {
  private located: boolean;

  /** With `path`, the error is already located at that field. */
  constructor(message: string, path?: string) {
    super(path ? `${path}: ${message}` : message);
    this.name = 'ProtobufError';
    this.located = path !== undefined;
  }

  /** Prefixes the innermost message path (e.g. `Deployment.spec.template`) once. */
  locate(path: string): void {
    if (this.located) return;
    this.located = true;
    this.message = `${path}: ${this.message}`;
  }
}

export interface Tag {
  fieldNumber: number;
  wireType: number;
}

export class WireReader {
  private pos = 0;

  constructor(private readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.bytes.length;
  }

  readTag(): Tag {
    const key = this.readVarint();
    const fieldNumber = Number(key >> 3n);
    const wireType = Number(key & 7n);
    if (fieldNumber === 0) throw new ProtobufError(`invalid field number 0 at byte ${this.pos}`);
    return { fieldNumber, wireType };
  }

  /** An unsigned varint of up to 64 bits; callers reinterpret it (int32, int64, bool). */
  readVarint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.bytes.length) throw new ProtobufError('truncated varint');
      const byte = this.bytes[this.pos++];
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return BigInt.asUintN(64, result);
    }
    throw new ProtobufError(`varint longer than 10 bytes at byte ${this.pos}`);
  }

  readLengthDelimited(): Uint8Array {
    const length = this.readVarint();
    if (length > BigInt(this.bytes.length - this.pos)) {
      throw new ProtobufError(`length ${length} at byte ${this.pos} runs past the end of the data`);
    }
    const start = this.pos;
    this.pos += Number(length);
    return this.bytes.subarray(start, this.pos);
  }

  readFixed64(): DataView {
    return this.view(8);
  }

  readFixed32(): DataView {
    return this.view(4);
  }

  /** Steps over a field this reader's caller does not know. */
  skip(wireType: number): void {
    switch (wireType) {
      case WireType.Varint:
        this.readVarint();
        return;
      case WireType.Fixed64:
        this.view(8);
        return;
      case WireType.LengthDelimited:
        this.readLengthDelimited();
        return;
      case WireType.Fixed32:
        this.view(4);
        return;
      case WireType.StartGroup:
        this.skipGroup();
        return;
      default:
        throw new ProtobufError(`unknown wire type ${wireType} at byte ${this.pos}`);
    }
  }

  private skipGroup(): void {
    for (;;) {
      if (this.done) throw new ProtobufError('unterminated group');
      const { wireType } = this.readTag();
      if (wireType === WireType.EndGroup) return;
      this.skip(wireType);
    }
  }

  private view(size: number): DataView {
    if (this.pos + size > this.bytes.length) throw new ProtobufError(`truncated ${size * 8}-bit value at byte ${this.pos}`);
    const v = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, size);
    this.pos += size;
    return v;
  }
}
