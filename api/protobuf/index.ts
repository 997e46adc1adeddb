export { decodeKubernetesProtobuf, PROTOBUF_MEDIA_TYPE } from './decode-object';
export { decodeMessage } from './decode-message';
export type { JsonObject, JsonValue } from './decode-message';
export { readEnvelope, PROTOBUF_MAGIC } from './envelope';
export type { ProtobufEnvelope } from './envelope';
export { KIND_MESSAGES, KUBERNETES_MESSAGES } from './message-table';
export { ProtobufError, WireReader, WireType } from './wire-reader';
export * from './descriptors';
export { WireWriter, encodeEnvelope } from './wire-writer';
