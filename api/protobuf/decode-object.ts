// Entry point: a `application/vnd.kubernetes.protobuf` body → the JSON object
// a JSON body would have carried, or an ApiError the apiserver can send back.
import { ApiError, errors } from '../errors';
import { JsonObject, decodeMessage } from './decode-message';
import { readEnvelope } from './envelope';
import { KIND_MESSAGES, KUBERNETES_MESSAGES } from './message-table';
import { ProtobufError } from './wire-reader';

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

/**
 * Decodes a Kubernetes protobuf object. Malformed bytes give BadRequest; a
 * kind without a descriptor gives UnsupportedMediaType naming the kind, so
 * the client knows to send JSON.
 */
export function decodeKubernetesProtobuf(body: Uint8Array): JsonObject {
  try {
    const envelope = readEnvelope(body);
    if (!envelope.apiVersion || !envelope.kind) throw new ProtobufError('the object has no apiVersion or kind');
    if (envelope.contentEncoding) throw new ProtobufError(`content encoding "${envelope.contentEncoding}" is not supported`);
    const messageName = KIND_MESSAGES[`${envelope.apiVersion}/${envelope.kind}`];
    if (!messageName) {
      throw new ApiError(
        'UnsupportedMediaType',
        `${PROTOBUF_MEDIA_TYPE} is not supported for kind ${envelope.kind} (apiVersion ${envelope.apiVersion}); send it as application/json`,
      );
    }
    const fields = decodeMessage(envelope.raw, messageName, KUBERNETES_MESSAGES, envelope.kind);
    return { apiVersion: envelope.apiVersion, kind: envelope.kind, ...fields };
  } catch (err) {
    if (err instanceof ProtobufError) throw errors.badRequest(`the request body is not a valid Kubernetes protobuf object: ${err.message}`);
    throw err;
  }
}
