import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { goArch, machineRegistration, memTotalBytes, osImage } from './machine-info';
import { nodeConditions } from './node-conditions';

test('parsers: MemTotal, PRETTY_NAME, Go architecture names', () => {
  assert.equal(memTotalBytes('MemTotal:        4012340 kB\nMemFree: 1 kB\n'), 4012340 * 1024);
  assert.equal(osImage('NAME="Debian GNU/Linux"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'), 'Debian GNU/Linux 12 (bookworm)');
  assert.equal(osImage('ID=alpine\n'), 'Linux');
  assert.equal(goArch('x64'), 'amd64');
  assert.equal(goArch('arm64'), 'arm64');
});

test('the registration describes this machine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kap-machine-'));
  try {
    const reg = machineRegistration({ nodeName: 'kap-n1', nodeIp: '10.1.2.3', dataDir: dir });
    assert.equal(reg.capacity.cpu, String(cpus().length));
    assert.equal(reg.capacity.pods, '110');
    const ki = (q: string) => Number(q.replace(/Ki$/, ''));
    assert.ok(ki(reg.capacity.memory) > ki(reg.allocatable.memory));
    assert.ok(ki(reg.capacity['ephemeral-storage']) > ki(reg.allocatable['ephemeral-storage']));
    assert.deepEqual(reg.addresses[0], { type: 'InternalIP', address: '10.1.2.3' });
    assert.equal(reg.labels?.['kubernetes.io/hostname'], 'kap-n1');
    assert.equal(reg.nodeInfo.operatingSystem, 'linux');
    assert.match(reg.nodeInfo.kernelVersion ?? '', /^\d+\.\d+/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Ready is False with the reasons when the runtime helper is missing or the disk is full', () => {
  const healthy = nodeConditions({ diskPressure: false, memoryPressure: false, pidPressure: false });
  assert.deepEqual(healthy.map((c) => `${c.type}=${c.status}`), ['Ready=True', 'MemoryPressure=False', 'DiskPressure=False', 'PIDPressure=False']);
  const broken = nodeConditions({ runtimeProblem: 'container runtime helper /x is missing', diskPressure: true, memoryPressure: false, pidPressure: false });
  const ready = broken.find((c) => c.type === 'Ready')!;
  assert.equal(ready.status, 'False');
  assert.equal(ready.reason, 'KubeletNotReady');
  assert.match(ready.message!, /helper \/x is missing; disk pressure/);
  assert.equal(broken.find((c) => c.type === 'DiskPressure')!.status, 'True');
});
