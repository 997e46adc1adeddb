import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseUpstream } from './upstream';

test('dns upstream: IPv4 and IPv6, with or without a port (53 by default)', () => {
  assert.deepEqual(parseUpstream('10.0.0.2'), { address: '10.0.0.2', port: 53 });
  assert.deepEqual(parseUpstream('127.0.0.1:5353'), { address: '127.0.0.1', port: 5353 });
  assert.deepEqual(parseUpstream('fd00::1'), { address: 'fd00::1', port: 53 });
  assert.deepEqual(parseUpstream('[fd00::1]:5353'), { address: 'fd00::1', port: 5353 });
});
