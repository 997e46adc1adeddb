import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isApiError } from './errors';
import {
  parseLabelSelector, matches, labelSelectorToSelector, selectorToString, selectorFromSet,
  validateLabelKey, validateLabelValue, validateDns1123Label, validateDns1123Subdomain, validateDns1035Label,
} from './labels';

test('parses every operator of the selector grammar', () => {
  const sel = parseLabelSelector('a=b,c==d,e!=f,g in (y,x),h notin (z),i,!j,k>3,l<5');
  assert.deepEqual(sel, [
    { key: 'a', operator: 'Equals', values: ['b'] },
    { key: 'c', operator: 'Equals', values: ['d'] },
    { key: 'e', operator: 'NotEquals', values: ['f'] },
    { key: 'g', operator: 'In', values: ['x', 'y'] },
    { key: 'h', operator: 'NotIn', values: ['z'] },
    { key: 'i', operator: 'Exists', values: [] },
    { key: 'j', operator: 'DoesNotExist', values: [] },
    { key: 'k', operator: 'GreaterThan', values: ['3'] },
    { key: 'l', operator: 'LessThan', values: ['5'] },
  ]);
});

test('whitespace, prefixed keys, empty values and the empty selector', () => {
  assert.deepEqual(parseLabelSelector(''), []);
  assert.deepEqual(parseLabelSelector('  '), []);
  assert.deepEqual(parseLabelSelector(' app.kubernetes.io/name = web , tier '), [
    { key: 'app.kubernetes.io/name', operator: 'Equals', values: ['web'] },
    { key: 'tier', operator: 'Exists', values: [] },
  ]);
  assert.deepEqual(parseLabelSelector('a='), [{ key: 'a', operator: 'Equals', values: [''] }]);
  assert.deepEqual(parseLabelSelector('a in (in,notin)'), [{ key: 'a', operator: 'In', values: ['in', 'notin'] }]);
});

test('syntax errors are BadRequest with the offending token', () => {
  const bad: Array<[string, RegExp]> = [
    ['a=b,', /found 'end of string', expected: identifier after ','/],
    ['a in x', /found 'x', expected: '\('/],
    ['a in (x', /found 'end of string'/],
    ['a in (x y)', /found 'y', expected: ',' or '\)'/],
    ['!', /found 'end of string', expected: identifier after '!'/],
    ['!a=b', /found '=', expected: ',' or 'end of string' after '!key'/],
    ['a b', /found 'b', expected: '=', '!=', '==', 'in', 'notin', '>' or '<'/],
    ['a=b c', /found 'c', expected: ',' or 'end of string'/],
    ['=b', /found '=', expected: identifier/],
    ['a>x', /found 'x', expected: an integer value/],
    ['a==(', /found '\(', expected: a value/],
    ['a b c', /found 'b'/],
    [',', /found ',', expected: identifier/],
  ];
  for (const [input, msg] of bad) {
    assert.throws(() => parseLabelSelector(input), (e: unknown) => isApiError(e, 'BadRequest') && msg.test(e.message), input);
  }
});

test('keys and values are checked for label syntax while parsing', () => {
  assert.throws(() => parseLabelSelector('bad_key_-=x'), (e: unknown) => isApiError(e, 'BadRequest') && /key: Invalid value: "bad_key_-"/.test(e.message));
  assert.throws(() => parseLabelSelector('a=-bad'), (e: unknown) => isApiError(e, 'BadRequest') && /Invalid value: "-bad"/.test(e.message));
  assert.throws(() => parseLabelSelector(`a=${'x'.repeat(64)}`), /must be no more than 63 characters/);
});

test('matches evaluates each operator against labels', () => {
  const labels = { app: 'web', tier: 'front', n: '7' };
  const m = (s: string) => matches(parseLabelSelector(s), labels);
  assert.equal(m(''), true);
  assert.equal(m('app=web'), true);
  assert.equal(m('app==api'), false);
  assert.equal(m('app!=api'), true);
  assert.equal(m('missing!=x'), true, '!= matches when the label is absent');
  assert.equal(m('tier in (front,back)'), true);
  assert.equal(m('tier in (back)'), false);
  assert.equal(m('tier notin (back)'), true);
  assert.equal(m('missing notin (back)'), true);
  assert.equal(m('tier notin (front)'), false);
  assert.equal(m('app'), true);
  assert.equal(m('missing'), false);
  assert.equal(m('!missing'), true);
  assert.equal(m('!app'), false);
  assert.equal(m('n>5'), true);
  assert.equal(m('n<5'), false);
  assert.equal(m('app>5'), false, 'a non-integer label never satisfies >');
  assert.equal(m('app=web,tier=back'), false, 'all requirements must hold');
  assert.equal(matches(parseLabelSelector('app=web'), undefined), false);
});

test('LabelSelector objects convert to the same requirements; nil selects nothing', () => {
  const sel = labelSelectorToSelector({
    matchLabels: { app: 'web' },
    matchExpressions: [
      { key: 'tier', operator: 'In', values: ['b', 'a'] },
      { key: 'env', operator: 'NotIn', values: ['prod'] },
      { key: 'x', operator: 'Exists' },
      { key: 'y', operator: 'DoesNotExist' },
    ],
  });
  assert.ok(sel);
  assert.equal(selectorToString(sel), 'app=web,env notin (prod),tier in (a,b),x,!y');
  assert.deepEqual(parseLabelSelector(selectorToString(sel)), sel, 'the string form parses back');
  assert.equal(matches(sel, { app: 'web', tier: 'a', x: '' }), true);
  assert.equal(matches(sel, { app: 'web', tier: 'a', x: '', y: '1' }), false);
  assert.equal(labelSelectorToSelector(null), null);
  assert.equal(matches(labelSelectorToSelector(undefined), {}), false);
  assert.deepEqual(labelSelectorToSelector({}), []);
  assert.equal(matches(labelSelectorToSelector({}), { any: 'thing' }), true);
});

test('bad LabelSelector objects are BadRequest', () => {
  assert.throws(() => labelSelectorToSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }), /values set can't be empty/);
  assert.throws(() => labelSelectorToSelector({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }), /values set must be empty/);
  assert.throws(() => labelSelectorToSelector({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }), /"Gt" is not a valid label selector operator/);
  assert.throws(() => labelSelectorToSelector({ matchLabels: { 'a b': 'x' } }), (e: unknown) => isApiError(e, 'BadRequest'));
});

test('selectorFromSet gives the sorted equality selector', () => {
  assert.equal(selectorToString(selectorFromSet({ tier: 'f', app: 'web' })), 'app=web,tier=f');
});

test('label key and value syntax', () => {
  assert.deepEqual(validateLabelKey('app'), []);
  assert.deepEqual(validateLabelKey('example.com/My_Name-1.x'), []);
  assert.match(validateLabelKey('Example.com/x')[0], /^prefix part a lowercase RFC 1123 subdomain/);
  assert.match(validateLabelKey('/x')[0], /prefix part must be non-empty/);
  assert.match(validateLabelKey('a/b/c')[0], /qualified name must consist/);
  assert.match(validateLabelKey('')[0], /name part must be non-empty/);
  assert.match(validateLabelKey('x'.repeat(64))[0], /name part must be no more than 63 characters/);
  assert.match(validateLabelKey('-x')[0], /name part must consist of alphanumeric characters/);
  assert.deepEqual(validateLabelValue(''), []);
  assert.deepEqual(validateLabelValue('v1.2_3-a'), []);
  assert.equal(validateLabelValue('x'.repeat(63)).length, 0);
  assert.deepEqual(validateLabelValue('x'.repeat(64)), ['must be no more than 63 characters']);
  assert.match(validateLabelValue('a b')[0], /a valid label must be an empty string or consist of alphanumeric characters/);
  assert.match(validateLabelValue('x-')[0], /regex used for validation is '\(\(\[A-Za-z0-9\]\[-A-Za-z0-9_\.\]\*\)\?\[A-Za-z0-9\]\)\?'/);
});

test('DNS name rules', () => {
  assert.deepEqual(validateDns1123Subdomain('web.example-1'), []);
  assert.match(validateDns1123Subdomain('Web')[0], /lowercase RFC 1123 subdomain/);
  assert.deepEqual(validateDns1123Subdomain('a'.repeat(254)).slice(0, 1), ['must be no more than 253 characters']);
  assert.deepEqual(validateDns1123Label('kube-system'), []);
  assert.match(validateDns1123Label('a.b')[0], /lowercase RFC 1123 label/);
  assert.deepEqual(validateDns1035Label('web-1'), []);
  assert.match(validateDns1035Label('1web')[0], /DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character/);
});
