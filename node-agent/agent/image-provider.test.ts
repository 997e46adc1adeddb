import assert from 'node:assert/strict';
import { test } from 'node:test';
import { imageErrorReason } from './image-provider';

test('image failures keep the reason the store names, and only known ones', () => {
  assert.equal(imageErrorReason(Object.assign(new Error('x'), { reason: 'ErrImageNeverPull' })), 'ErrImageNeverPull');
  assert.equal(imageErrorReason(Object.assign(new Error('x'), { reason: 'InvalidImageName' })), 'InvalidImageName');
  assert.equal(imageErrorReason(Object.assign(new Error('x'), { reason: 'Something' })), undefined);
  assert.equal(imageErrorReason(new Error('plain')), undefined);
  assert.equal(imageErrorReason(null), undefined);
});
