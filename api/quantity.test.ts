import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isApiError } from './errors';
import {
  parseQuantity, tryParseQuantity, formatQuantity, milliValue, integerValue, compareQuantities,
  addQuantities, subtractQuantities, quantityFromMilli, quantityFromInteger, canonicalQuantity, isZeroQuantity,
} from './quantity';

test('cpu quantities in exact millicores', () => {
  assert.equal(milliValue('500m'), 500);
  assert.equal(milliValue('2'), 2000);
  assert.equal(milliValue('1.5'), 1500);
  assert.equal(milliValue('0.1'), 100);
  assert.equal(milliValue('100u'), 1, 'sub-milli rounds up');
  assert.equal(milliValue('1e3'), 1_000_000);
  assert.equal(milliValue(2), 2000, 'JSON numbers are quantities too');
  assert.equal(milliValue(0.25), 250);
});

test('memory quantities in exact bytes', () => {
  assert.equal(integerValue('64Mi'), 64 * 1024 * 1024);
  assert.equal(integerValue('100Ki'), 102400);
  assert.equal(integerValue('1G'), 1e9);
  assert.equal(integerValue('1.5Gi'), 1610612736);
  assert.equal(integerValue('1e3'), 1000);
  assert.equal(integerValue('1E'), 1e18);
  assert.equal(integerValue('128974848'), 128974848);
  assert.equal(integerValue('129M'), 129_000_000);
  assert.equal(integerValue('500m'), 1, 'whole values round up');
});

test('canonical formatting as Kubernetes prints quantities', () => {
  const cases: Array<[string | number, string]> = [
    ['500m', '500m'],
    ['0.5', '500m'],
    ['1.5', '1500m'],
    ['1000m', '1'],
    ['2', '2'],
    ['1500', '1500'],
    ['2000', '2k'],
    ['1e3', '1e3'],
    ['1.5e3', '1500'],
    ['2e6', '2e6'],
    ['1G', '1G'],
    ['64Mi', '64Mi'],
    ['1024Mi', '1Gi'],
    ['1536', '1536'],
    ['1536Ki', '1536Ki'],
    ['0.5Gi', '512Mi'],
    ['512', '512'],
    ['100Ki', '100Ki'],
    ['0', '0'],
    ['0Mi', '0'],
    ['1n', '1n'],
    ['0.1n', '1n'],
    ['-1', '-1'],
    [3, '3'],
    [0.1, '100m'],
  ];
  for (const [input, want] of cases) assert.equal(formatQuantity(input), want, `${input}`);
  assert.equal(canonicalQuantity('nonsense'), 'nonsense', 'malformed input is left for validation');
  assert.equal(canonicalQuantity(1), '1');
});

test('malformed quantities are rejected with the Kubernetes message', () => {
  for (const bad of ['', 'abc', '1.2.3', '1Zi', '1e', 'Mi', '.', '1 Mi', '--1', '1iM']) {
    assert.equal(tryParseQuantity(bad), undefined, bad);
  }
  assert.throws(
    () => parseQuantity('abc'),
    (e: unknown) => isApiError(e, 'BadRequest') && e.message === "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
  );
});

test('compare and add across formats stay exact', () => {
  assert.equal(compareQuantities('1', '1000m'), 0);
  assert.equal(compareQuantities('1Gi', '1G'), 1);
  assert.equal(compareQuantities('999m', '1'), -1);
  assert.equal(compareQuantities('1Ki', 1024), 0);
  assert.equal(formatQuantity(addQuantities('500m', '1.5')), '2');
  assert.equal(formatQuantity(addQuantities('100m', '250m')), '350m');
  assert.equal(formatQuantity(addQuantities('1Gi', '512Mi')), '1536Mi');
  assert.equal(formatQuantity(addQuantities('0', '64Mi')), '64Mi', 'zero takes the other format');
  assert.equal(formatQuantity(subtractQuantities('1', '250m')), '750m');
  // 0.1 + 0.2 is exact here, unlike floating point.
  assert.equal(compareQuantities(addQuantities('0.1', '0.2'), '0.3'), 0);
  assert.ok(isZeroQuantity(subtractQuantities('2Gi', '2048Mi')));
});

test('constructing quantities from numbers', () => {
  assert.equal(formatQuantity(quantityFromMilli(1500)), '1500m');
  assert.equal(formatQuantity(quantityFromMilli(3000)), '3');
  assert.equal(formatQuantity(quantityFromInteger(8 * 1024 ** 3, 'BinarySI')), '8Gi');
  assert.equal(formatQuantity(quantityFromInteger(110)), '110');
});
