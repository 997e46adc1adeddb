import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isApiError } from './errors';
import { scaledValueFromIntOrPercent, resolveFenceposts, isPercent } from './int-or-string';

test('integers pass through; percentages scale with rounding', () => {
  assert.equal(scaledValueFromIntOrPercent(3, 10, true), 3);
  assert.equal(scaledValueFromIntOrPercent('25%', 10, true), 3);
  assert.equal(scaledValueFromIntOrPercent('25%', 10, false), 2);
  assert.equal(scaledValueFromIntOrPercent('25%', 4, false), 1);
  assert.equal(scaledValueFromIntOrPercent('25%', 4, true), 1);
  assert.equal(scaledValueFromIntOrPercent('0%', 7, true), 0);
  assert.equal(scaledValueFromIntOrPercent('100%', 7, false), 7);
  assert.equal(scaledValueFromIntOrPercent('33%', 3, true), 1);
  assert.equal(scaledValueFromIntOrPercent('33%', 3, false), 0);
  assert.equal(scaledValueFromIntOrPercent('10%', 0, true), 0);
});

test('bad values are BadRequest with the Kubernetes wording', () => {
  assert.throws(() => scaledValueFromIntOrPercent('25', 10, true), (e: unknown) => isApiError(e, 'BadRequest') && /string is not a percentage/.test(e.message));
  assert.throws(() => scaledValueFromIntOrPercent('x%', 10, true), /invalid value "x%"/);
  assert.throws(() => scaledValueFromIntOrPercent(undefined, 10, true), /nil value for IntOrString/);
});

test('rolling update fenceposts round surge up and unavailable down', () => {
  assert.deepEqual(resolveFenceposts('25%', '25%', 10), { surge: 3, unavailable: 2 });
  assert.deepEqual(resolveFenceposts('25%', '25%', 1), { surge: 1, unavailable: 0 });
  assert.deepEqual(resolveFenceposts(0, '10%', 3), { surge: 0, unavailable: 1 }, 'both zero: one may be unavailable');
  assert.deepEqual(resolveFenceposts(2, 0, 5), { surge: 2, unavailable: 0 });
});

test('isPercent', () => {
  assert.equal(isPercent('25%'), true);
  assert.equal(isPercent('25'), false);
  assert.equal(isPercent(25), false);
});
