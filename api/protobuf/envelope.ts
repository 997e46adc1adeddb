// The frame Kubernetes puts around a protobuf object: the magic "k8s\0", then
// a runtime.Unknown {typeMeta{apiVersion=1,kind=2}=1, raw=2,
// contentEncoding=3, contentType=4} whose raw is the object's own message.
import { ProtobufError, WireReader, WireType } from './wire-reader';

export const PROTOBUF_MAGIC = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

export interface ProtobufEnvelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
  contentType: string;
}

export function readEnvelope(body: Uint8Array): ProtobufEnvelope {
  if (body.length < PROTOBUF_MAGIC.length || !PROTOBUF_MAGIC.every((b, i) => body[i] === b)) {
    throw new ProtobufError('the body does not start with the Kubernetes protobuf prefix "k8s\\0"');
  }
  const envelope: ProtobufEnvelope = { apiVersion: '', kind: '', raw: new Uint8Array(0), contentEncoding: '', contentType: '' };
  const reader = new WireReader(body.subarray(PROTOBUF_MAGIC.length));
  while (!reader.done) {
    const { fieldNumber, wireType } = reader.readTag();
    if (wireType !== WireType.LengthDelimited) {
      reader.skip(wireType);
      continue;
    }
    const bytes = reader.readLengthDelimited();
    if (fieldNumber === 1) Object.assign(envelope, readTypeMeta(bytes));
    else if (fieldNumber === 2) envelope.raw = bytes;
    else if (fieldNumber === 3) envelope.contentEncoding = utf8(bytes);
    else if (fieldNumber === 4) envelope.contentType = utf8(bytes);
  }
  return envelope;
}

function readTypeMeta(bytes: Uint8Array): { apiVersion: string; kind: string } {
  const typeMeta = { apiVersion: '', kind: '' };
  const reader = new WireReader(bytes);
  while (!reader.done) {
    const { fieldNumber, wireType } = reader.readTag();
    if (wireType !== WireType.LengthDelimited) reader.skip(wireType);
    else if (fieldNumber === 1) typeMeta.apiVersion = utf8(reader.readLengthDelimited());
    else if (fieldNumber === 2) typeMeta.kind = utf8(reader.readLengthDelimited());
    else reader.skip(wireType);
  }
  return typeMeta;
}

function utf8(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('utf8');
}
