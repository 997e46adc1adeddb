import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isApiError } from '../../api/errors';
import { normalizeImageReference, parseImageReference } from './image-reference';

test('references normalize the way Docker and the kubelet do', () => {
  const cases: Array<[string, string]> = [
    ['busybox', 'docker.io/library/busybox:latest'],
    ['busybox:1.35', 'docker.io/library/busybox:1.35'],
    ['library/busybox:1.35', 'docker.io/library/busybox:1.35'],
    ['docker.io/busybox', 'docker.io/library/busybox:latest'],
    ['index.docker.io/library/busybox:1', 'docker.io/library/busybox:1'],
    ['bitnami/redis:7', 'docker.io/bitnami/redis:7'],
    ['127.0.0.1:5000/team/app:v1', '127.0.0.1:5000/team/app:v1'],
    ['localhost/app', 'localhost/app:latest'],
    ['quay.io/coreos/etcd:v3.5.0', 'quay.io/coreos/etcd:v3.5.0'],
    [`busybox@sha256:${'a'.repeat(64)}`, `docker.io/library/busybox@sha256:${'a'.repeat(64)}`],
    [`busybox:1.35@sha256:${'b'.repeat(64)}`, `docker.io/library/busybox:1.35@sha256:${'b'.repeat(64)}`],
  ];
  for (const [input, want] of cases) assert.equal(normalizeImageReference(input), want, input);
  assert.deepEqual(parseImageReference('127.0.0.1:5000/app'), { registry: '127.0.0.1:5000', repository: 'app', tag: 'latest', digest: undefined });
});

test('malformed references are Invalid', () => {
  for (const bad of ['BusyBox', 'busybox:', 'busybox@sha256:xyz', '', 'a//b', 'busybox:bad tag']) {
    assert.throws(() => parseImageReference(bad), (e) => isApiError(e, 'Invalid'), bad);
  }
});
