import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitCombinedExecFlags } from './exec';

test('-it and -ti are split before the flag parser sees them, but not after --', () => {
  assert.deepEqual(splitCombinedExecFlags(['exec', '-it', 'web', '--', 'sh', '-it']), ['exec', '-i', '-t', 'web', '--', 'sh', '-it']);
  assert.deepEqual(splitCombinedExecFlags(['exec', '-ti', 'web']), ['exec', '-t', '-i', 'web']);
  assert.deepEqual(splitCombinedExecFlags(['get', '-it']), ['get', '-i', '-t']);
  assert.deepEqual(splitCombinedExecFlags(['get', '-n', 'it']), ['get', '-n', 'it']);
});
