import assert from 'node:assert/strict';
import { constants } from 'node:os';
import { test } from 'node:test';
import { parseStopSignal, stopSignalOf } from './stop-signal';

test('stop signals: names with or without SIG, any case, numbers; SIGTERM when absent or unknown', () => {
  assert.equal(parseStopSignal('SIGQUIT'), constants.signals.SIGQUIT);
  assert.equal(parseStopSignal('quit'), constants.signals.SIGQUIT);
  assert.equal(parseStopSignal('SIGUSR1'), constants.signals.SIGUSR1);
  assert.equal(parseStopSignal('9'), 9);
  assert.equal(parseStopSignal('SIGNOPE'), undefined);
  assert.equal(parseStopSignal('99'), undefined);
  assert.equal(parseStopSignal('SIGRTMIN'), 34);
  assert.equal(parseStopSignal('SIGRTMIN+3'), 37);
  assert.equal(parseStopSignal('SIGRTMAX-1'), 63);
  assert.equal(parseStopSignal('SIGRTMAX+1'), undefined);
  assert.equal(stopSignalOf(undefined), constants.signals.SIGTERM);
  assert.equal(stopSignalOf('SIGNOPE'), constants.signals.SIGTERM);
  assert.equal(stopSignalOf('SIGINT'), constants.signals.SIGINT);
});
