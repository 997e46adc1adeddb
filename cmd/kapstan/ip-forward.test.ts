import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rememberIpForward, restoreIpForward } from './ip-forward';

// A file stands in for /proc/sys/net/ipv4/ip_forward: the logic is what is tested here.
test('the forwarding value from before the first up is restored, even after a crashed up', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kap-ipfwd-'));
  try {
    const sysctl = join(dir, 'ip_forward');
    writeFileSync(sysctl, '0\n');
    rememberIpForward(dir, sysctl);
    writeFileSync(sysctl, '1\n'); // the bridge turned it on; then `up` crashed
    rememberIpForward(dir, sysctl); // the next `up` keeps the first record
    const said: string[] = [];
    restoreIpForward(dir, (m) => said.push(m), sysctl);
    assert.equal(readFileSync(sysctl, 'utf8').trim(), '0');
    assert.deepEqual(said, ['net.ipv4.ip_forward restored to 0']);
    assert.equal(existsSync(join(dir, 'ip_forward.before')), false);
    restoreIpForward(dir, (m) => said.push(m), sysctl); // nothing recorded: nothing done
    assert.equal(said.length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
