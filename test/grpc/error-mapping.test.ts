// One taxonomy across the gRPC hop: every ErrorCode the server raises comes
// back to the agent as the same ErrorCode with the same message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, ERROR_CODES, GRPC_STATUS } from '../../api/errors';
import { toServiceError } from '../../apiserver/grpc/grpc-errors';
import { asApiError } from '../../client/node-client';

test('every error code survives the trip through gRPC status and trailer', () => {
  for (const code of ERROR_CODES) {
    const wire = toServiceError(new ApiError(code, `something ${code}`));
    assert.equal(wire.code, GRPC_STATUS[code]);
    const back = asApiError(wire);
    assert.equal(back.code, code);
    assert.equal(back.message, `something ${code}`);
  }
});

test('without the trailer the gRPC code decides, and unexpected errors become InternalError', () => {
  assert.equal(asApiError({ code: 16, details: 'who are you' }).code, 'Unauthorized');
  assert.equal(asApiError({ code: 14, details: 'connection refused' }).code, 'ServiceUnavailable');
  const wire = toServiceError(new TypeError('cannot read x of undefined'));
  assert.equal(wire.code, 13);
  assert.match(wire.details!, /Internal error occurred: cannot read x of undefined/);
});
