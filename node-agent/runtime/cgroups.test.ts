import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { cgroupDirs, controllerDir, detectCgroupVersion, readMemoryLimit, removeCgroup, v1Hierarchies } from './cgroups';

test('v1 hierarchies are read from mountinfo', () => {
  const mountinfo = [
    '30 25 0:26 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
    '31 25 0:27 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
    '32 25 0:28 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
    '33 1 0:29 / /proc rw - proc proc rw',
  ].join('\n');
  assert.deepEqual([...v1Hierarchies(mountinfo)], [['memory', '/sys/fs/cgroup/memory'], ['cpu', '/sys/fs/cgroup/cpu']]);
});

test('a cgroup made under the machine layout reports its memory limit and is removed with its parents', {
  skip: detectCgroupVersion() === 'v2' && 'creates v1 directories by hand; v2 needs subtree_control set up first',
}, async () => {
  const version = detectCgroupVersion();
  const top = `/kap-cgtest-${process.pid}`;
  const path = `${top}/pod/c1`;
  try {
    const memDir = controllerDir(path, 'memory', version);
    await mkdir(memDir, { recursive: true });
    assert.equal(await readMemoryLimit(path, version), null);
    await writeFile(join(memDir, 'memory.limit_in_bytes'), String(32 * 1024 * 1024));
    assert.equal(await readMemoryLimit(path, version), 32 * 1024 * 1024);
    assert.ok(cgroupDirs(path, version).includes(memDir));
  } finally {
    await removeCgroup(path, '/', version);
  }
  for (const dir of cgroupDirs(top, version)) assert.equal(existsSync(dir), false, dir);
});
