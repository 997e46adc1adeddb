// requestTarget splits plain targets by hand: it must agree with WHATWG URL
// parsing (what the server used before) on every target, plain or not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRequestPath, requestTarget } from './request-info';

const TARGETS = [
  '/api/v1/namespaces/default/pods?labelSelector=app%3Dweb&limit=500',
  '/apis/apps/v1/namespaces/kube-system/deployments/my.app',
  '/api/v1/namespaces/default/configmaps/a%20b?watch=1&resourceVersion=7',
  '/api/v1/namespaces/default/configmaps/{x}"y',
  '/api/v1/namespaces/../../api/v1/pods',
  '/api/v1/namespaces/%2E%2e/pods',
  '/api/v1/./pods',
  '/api/v1/pods/',
  '/api/v1/pods?fieldSelector=spec.nodeName%3Dn1#frag',
  '/api\\v1\\pods',
  '/api/v1/namespaces/日本/pods',
  '/version',
];

test('requestTarget gives the path and query WHATWG URL gives', () => {
  for (const target of TARGETS) {
    const mine = requestTarget(target);
    const url = new URL(target, 'https://localhost');
    assert.deepEqual(parseRequestPath(mine.pathname), parseRequestPath(url.pathname), target);
    assert.deepEqual([...mine.query], [...url.searchParams], target);
  }
});
