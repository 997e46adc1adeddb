// kctl port-forward's port arguments, parsed as kubectl parses them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePortSpec } from './port-forward';

test('LOCAL:REMOTE, REMOTE alone (same local port), :REMOTE (any free local port)', () => {
  assert.deepEqual(parsePortSpec('8080:80'), { local: 8080, remote: 80 });
  assert.deepEqual(parsePortSpec('5000'), { local: 5000, remote: 5000 });
  assert.deepEqual(parsePortSpec(':80'), { local: 0, remote: 80 });
  assert.deepEqual(parsePortSpec('0:80'), { local: 0, remote: 80 });
});

test('bad ports are usage errors', () => {
  assert.throws(() => parsePortSpec('1:2:3'), /invalid port format '1:2:3'/);
  assert.throws(() => parsePortSpec('http'), /error parsing local port 'http'/);
  assert.throws(() => parsePortSpec('8080:0'), /error parsing remote port '0'/);
  assert.throws(() => parsePortSpec('8080:70000'), /error parsing remote port '70000'/);
  assert.throws(() => parsePortSpec('-1:80'), /error parsing local port '-1'/);
});
