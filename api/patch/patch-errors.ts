// The one error the patch code adds to api/errors.ts's constructors: a
// well-formed patch that cannot be applied. Kubernetes answers these with
// 422 (reason Invalid) and the reason as the message, with no field causes.

import { ApiError } from '../errors';

export function unprocessablePatch(message: string): ApiError {
  return new ApiError('Invalid', message, { causes: [{ reason: 'FieldValueInvalid', message }] });
}
