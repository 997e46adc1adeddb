// The one error taxonomy (api/errors.ts) on the gRPC wire: the status code
// from GRPC_STATUS, the message as details, and the exact ErrorCode in the
// `kapstan-reason` trailer so a client can rebuild the same ApiError.
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { ApiError, GRPC_STATUS, errors } from '../../api/errors';

export const REASON_TRAILER = 'kapstan-reason';

export function toServiceError(err: unknown): Partial<ServiceError> {
  const apiError = err instanceof ApiError ? err : errors.internal(err instanceof Error ? err.message : String(err));
  const metadata = new Metadata();
  metadata.set(REASON_TRAILER, apiError.code);
  return { code: GRPC_STATUS[apiError.code], details: apiError.message, message: apiError.message, metadata };
}
