import assert from 'node:assert/strict';
import { test } from 'node:test';
import { relistEvents } from './pleg';
import { exited, running, state } from './pod-test-builders';

test('relist: started, died and removed containers, per pod; nothing when nothing changed', () => {
  const before = new Map([['p1', state(running('a'), running('b'))], ['p2', state(running('c'))]]);
  const after = new Map([['p1', state(exited('a', 1), running('b'), running('a', 1))]]);
  const events = relistEvents(before, after).map((e) => `${e.podUid} ${e.type} ${e.containerId}`).sort();
  assert.deepEqual(events, [
    'p1 ContainerDied uid-1-a-0',
    'p1 ContainerStarted uid-1-a-1',
    'p2 ContainerRemoved uid-1-c-0',
  ]);
  assert.deepEqual(relistEvents(after, after), []);
});

test('relist: a container first seen already stopped is reported as died (it ran while nobody looked)', () => {
  const events = relistEvents(new Map(), new Map([['p1', state(exited('a', 0))]]));
  assert.deepEqual(events.map((e) => e.type), ['ContainerDied']);
});
