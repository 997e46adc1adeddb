// Request bodies in Kubernetes' protobuf encoding (kubectl 1.32+ sends them
// for `create namespace` and the other `create <generator>` commands).
import { PROTOBUF_MEDIA_TYPE, decodeKubernetesProtobuf } from '../../api/protobuf';

export { PROTOBUF_MEDIA_TYPE };

/** The JSON object the protobuf body encodes; ApiError 400/415 when it cannot be read. */
export function parseProtobufBody(body: Buffer): unknown {
  return decodeKubernetesProtobuf(body);
}
