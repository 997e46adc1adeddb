import { test } from 'node:test';
import assert from 'node:assert/strict';
import { impersonatedUser, isReviewRequest, reviewResponse } from './self-subject-reviews';
import { parseRequestPath, type ResourceRequest } from './request-info';

const NOW = new Date('2026-01-02T03:04:05.678Z');
const at = (path: string) => parseRequestPath(path) as ResourceRequest;

test('the review paths are recognised; stored resources are not', () => {
  assert.ok(isReviewRequest(at('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews')));
  assert.ok(isReviewRequest(at('/apis/authorization.k8s.io/v1/selfsubjectrulesreviews')));
  assert.ok(isReviewRequest(at('/apis/authentication.k8s.io/v1/selfsubjectreviews')));
  assert.ok(isReviewRequest(at('/apis/authentication.k8s.io/v1beta1/selfsubjectreviews')));
  assert.ok(!isReviewRequest(at('/apis/authorization.k8s.io/v1/subjectaccessreviews')));
  assert.ok(!isReviewRequest(at('/api/v1/namespaces/default/pods')));
});

test('an access review echoes its spec and is allowed', () => {
  const spec = { resourceAttributes: { namespace: 'default', verb: 'create', resource: 'pods' } };
  const r = reviewResponse(at('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'), { spec }, NOW);
  assert.equal(r.apiVersion, 'authorization.k8s.io/v1');
  assert.equal(r.kind, 'SelfSubjectAccessReview');
  assert.deepEqual(r.spec, spec);
  assert.equal((r.status as { allowed: boolean }).allowed, true);
  assert.deepEqual(r.metadata, { creationTimestamp: '2026-01-02T03:04:05Z' });
});

test('a rules review grants every verb on every resource and URL', () => {
  const r = reviewResponse(at('/apis/authorization.k8s.io/v1/selfsubjectrulesreviews'), { spec: { namespace: 'x' } }, NOW);
  assert.equal(r.kind, 'SelfSubjectRulesReview');
  assert.deepEqual(r.status, {
    resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
    nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
    incomplete: false,
  });
});

test('whoami names the admin in the version asked for', () => {
  for (const version of ['v1', 'v1beta1']) {
    const r = reviewResponse(at(`/apis/authentication.k8s.io/${version}/selfsubjectreviews`), {}, NOW);
    assert.equal(r.apiVersion, `authentication.k8s.io/${version}`);
    assert.equal(r.kind, 'SelfSubjectReview');
    assert.deepEqual(r.status, { userInfo: { username: 'kapstan-admin', groups: ['system:masters', 'system:authenticated'] } });
  }
});

test('whoami under --as reports the impersonated user and groups', () => {
  assert.equal(impersonatedUser({ headersDistinct: {} }).username, 'kapstan-admin');
  const user = impersonatedUser({ headersDistinct: { 'impersonate-user': ['jane'], 'impersonate-group': ['dev', 'ops'] } });
  assert.deepEqual(user, { username: 'jane', groups: ['dev', 'ops', 'system:authenticated'] });
  const r = reviewResponse(at('/apis/authentication.k8s.io/v1/selfsubjectreviews'), {}, NOW, user);
  assert.deepEqual(r.status, { userInfo: { username: 'jane', groups: ['dev', 'ops', 'system:authenticated'] } });
});
