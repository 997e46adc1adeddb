import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CODES, HTTP_STATUS, GRPC_STATUS, ApiError, errors, fromStatus } from './errors';

test('every error code maps to an HTTP status and a gRPC status', () => {
  for (const code of ERROR_CODES) {
    assert.ok(HTTP_STATUS[code] >= 400, `${code} has an HTTP status`);
    assert.ok(GRPC_STATUS[code] > 0, `${code} has a gRPC status`);
  }
  assert.equal(Object.keys(HTTP_STATUS).length, ERROR_CODES.length);
  assert.equal(Object.keys(GRPC_STATUS).length, ERROR_CODES.length);
});

test('NotFound renders as the Status kubectl expects', () => {
  const s = errors.notFound('pods', '', 'nope').toStatus();
  assert.deepEqual(s, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'pods "nope" not found',
    reason: 'NotFound',
    details: { name: 'nope', group: undefined, kind: 'pods' },
    code: 404,
  });
});

test('Invalid lists every cause in its message', () => {
  const e = errors.invalid('Deployment', 'apps', 'web', [
    { reason: 'FieldValueRequired', field: 'spec.selector', message: 'Required value' },
    { reason: 'FieldValueInvalid', field: 'spec.replicas', message: 'Invalid value: -1: must be greater than or equal to 0' },
  ]);
  assert.equal(e.httpStatus, 422);
  assert.match(e.message, /Deployment.apps "web" is invalid: \[spec.selector: Required value, spec.replicas: Invalid value/);
});

test('fromStatus round-trips a Status', () => {
  const e = fromStatus(errors.conflict('deployments', 'apps', 'x').toStatus());
  assert.ok(e instanceof ApiError);
  assert.equal(e.code, 'Conflict');
  assert.match(e.message, /Operation cannot be fulfilled on deployments.apps "x"/);
  assert.equal(fromStatus({ code: 503 }).code, 'ServiceUnavailable');
});
