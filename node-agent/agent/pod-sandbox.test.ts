// The pause-less pod sandbox on the real kernel: namespaces kept alive by bind mounts, no process.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { ensureSandbox, mountPoints, podHostname, removeSandbox, SANDBOX_NAMESPACES } from './pod-sandbox';

const run = promisify(execFile);

test('hostnames are pod names cut to 63 characters without a trailing dash or dot', () => {
  assert.equal(podHostname('web-0'), 'web-0');
  assert.equal(podHostname(`${'a'.repeat(62)}-b`), 'a'.repeat(62));
});

test('ensureSandbox creates net/ipc/uts namespaces held by mounts, with the hostname and loopback up; removeSandbox frees them', async () => {
  const root = await mkdtemp(join(tmpdir(), 'kap-sandbox-'));
  const dir = join(root, 'sandbox');
  try {
    const first = await ensureSandbox(dir, 'kap-pod-a');
    assert.equal(first.created, true);
    const mounted = mountPoints();
    for (const ns of SANDBOX_NAMESPACES) assert.ok(mounted.has(first[ns]), `${ns} is mounted`);
    const enter = (args: string[]) => run('nsenter', [`--net=${first.net}`, `--uts=${first.uts}`, `--ipc=${first.ipc}`, ...args]);
    assert.equal((await enter(['hostname'])).stdout.trim(), 'kap-pod-a');
    assert.match((await enter(['ip', '-o', 'link', 'show', 'lo'])).stdout, /<LOOPBACK,UP/);
    const inside = (await enter(['readlink', '/proc/self/ns/net'])).stdout.trim();
    assert.notEqual(inside, readlinkSync('/proc/self/ns/net'));

    const again = await ensureSandbox(dir, 'kap-pod-a');
    assert.equal(again.created, false);
    assert.equal((await enter(['readlink', '/proc/self/ns/net'])).stdout.trim(), inside, 'the same namespace, not a new one');

    await removeSandbox(dir);
    const after = mountPoints();
    for (const ns of SANDBOX_NAMESPACES) assert.equal(after.has(first[ns]), false);
    assert.equal(existsSync(dir), false);
  } finally {
    await removeSandbox(dir).catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  }
});
