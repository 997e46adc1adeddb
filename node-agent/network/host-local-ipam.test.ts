import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostLocalIpam } from './host-local-ipam';
import { parseSubnet } from './ipv4';

test('host-local IPAM: one address per pod, never the network, gateway or broadcast, kept across instances, exhausts cleanly', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kap-ipam-'));
  try {
    const subnet = parseSubnet('10.244.9.0/29'); // .2–.6 usable
    const ipam = new HostLocalIpam(dir, subnet);
    const got = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((uid) => ipam.allocate(uid)));
    assert.deepEqual([...got].sort(), ['10.244.9.2', '10.244.9.3', '10.244.9.4', '10.244.9.5', '10.244.9.6']);
    await assert.rejects(ipam.allocate('f'), /no free pod IP/);
    const again = new HostLocalIpam(dir, subnet);
    assert.equal(await again.allocate('c'), got[2]);
    await again.release('c');
    await again.release('c');
    assert.equal(await again.allocate('f'), got[2]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
