import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalIp, defaultSubjectAltNames, normalizeSubjectAltNames } from './subject-alt-names';

test('IP addresses have one spelling', () => {
  assert.equal(canonicalIp('::1'), '0:0:0:0:0:0:0:1');
  assert.equal(canonicalIp('0000:0:0::0001'), '0:0:0:0:0:0:0:1');
  assert.equal(canonicalIp('FD00::AB:1'), 'fd00:0:0:0:0:0:ab:1');
  assert.equal(canonicalIp('::ffff:10.0.0.1'), '0:0:0:0:0:ffff:a00:1');
  assert.equal(canonicalIp('fe80::1%eth0'), 'fe80:0:0:0:0:0:0:1');
  assert.equal(canonicalIp('10.0.0.1'), '10.0.0.1');
});

test('names split into DNS and IP, deduplicated, and junk is refused', () => {
  assert.deepEqual(normalizeSubjectAltNames(['Example.COM', 'example.com', '[::1]', '::1', '10.0.0.1', ' ']), {
    dns: ['example.com'], ips: ['0:0:0:0:0:0:0:1', '10.0.0.1'],
  });
  assert.throws(() => normalizeSubjectAltNames(['bad name']), /invalid subject alternative name/);
  assert.throws(() => normalizeSubjectAltNames(['https://x']), /invalid subject alternative name/);
});

test('a host name that is not a DNS name is left out of the defaults', () => {
  assert.ok(defaultSubjectAltNames('node-a').includes('node-a'));
  assert.ok(!defaultSubjectAltNames('bad_host').includes('bad_host'));
});
