// hostPath type checks on real paths in a temp dir, and subPath resolution that refuses to leave the volume.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { prepareHostPath } from './host-path';
import { mountPoints } from '../pod-sandbox';
import { tearDownVolumes } from './pod-volumes';
import { containerVolumeMounts } from './volume-mounts';

test('hostPath types: checks, and creation only for the *OrCreate types', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kap-hostpath-'));
  try {
    writeFileSync(join(dir, 'file'), 'x');
    await prepareHostPath(join(dir, 'nothing-checked'), '');
    await prepareHostPath(dir, 'Directory');
    await assert.rejects(prepareHostPath(join(dir, 'missing'), 'Directory'), /hostPath type check failed: .*missing is not a directory/);
    await assert.rejects(prepareHostPath(join(dir, 'file'), 'Directory'), /is not a directory/);
    await prepareHostPath(join(dir, 'made/deep'), 'DirectoryOrCreate');
    assert.equal(statSync(join(dir, 'made/deep')).isDirectory(), true);
    await prepareHostPath(join(dir, 'file'), 'File');
    await assert.rejects(prepareHostPath(dir, 'File'), /is not a file/);
    await prepareHostPath(join(dir, 'new-file'), 'FileOrCreate');
    assert.equal(statSync(join(dir, 'new-file')).mode & 0o777, 0o644);
    await assert.rejects(prepareHostPath(join(dir, 'no-parent/f'), 'FileOrCreate'), /hostPath type check failed/);
    await assert.rejects(prepareHostPath(join(dir, 'file'), 'Socket'), /is not a socket file/);
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(join(dir, 'sock'), resolve));
    try {
      await prepareHostPath(join(dir, 'sock'), 'Socket');
    } finally {
      server.close();
    }
    await assert.rejects(prepareHostPath(dir, 'Bogus'), /not a valid type/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('subPath: bound from a pinned descriptor, created when missing, refused with .. or a symlink out of the volume', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kap-subpath-'));
  const podDir = join(dir, 'pod');
  try {
    const vol = join(dir, 'vol');
    mkdirSync(join(vol, 'conf'), { recursive: true });
    writeFileSync(join(vol, 'conf/app.ini'), 'x=1');
    symlinkSync('conf/app.ini', join(vol, 'link-inside'));
    symlinkSync('/etc', join(vol, 'escape'));
    const volumes = new Map([['v', { path: vol, forceReadOnly: false }]]);
    const mounts = await containerVolumeMounts({
      name: 'c', image: 'i',
      volumeMounts: [
        { name: 'v', mountPath: '/a/b', subPath: 'sub/dir', readOnly: true },
        { name: 'v', mountPath: '/a' },
        { name: 'v', mountPath: '/app.ini', subPath: 'link-inside' },
      ],
    }, volumes, podDir);
    const bound = (i: number) => join(podDir, 'volume-subpaths/v/c', String(i));
    assert.deepEqual(mounts.map((m) => [m.destination, m.source, m.options?.at(-1)]), [
      ['/a', vol, 'rw'], ['/app.ini', bound(2), 'rw'], ['/a/b', bound(0), 'ro'],
    ]);
    assert.equal(statSync(join(vol, 'sub/dir')).isDirectory(), true, 'a missing subPath is created');
    assert.equal(readFileSync(bound(2), 'utf8'), 'x=1', 'a symlink that stays inside the volume is followed');
    assert.equal(mountPoints().has(bound(0)), true);
    await assert.rejects(containerVolumeMounts({ name: 'c', image: 'i', volumeMounts: [{ name: 'v', mountPath: '/x', subPath: 'escape' }] }, volumes, podDir), /resolves outside the volume/);
    await assert.rejects(containerVolumeMounts({ name: 'c', image: 'i', volumeMounts: [{ name: 'v', mountPath: '/x', subPath: 'escape/new' }] }, volumes, podDir), /escape is a symlink or not a directory/);
    assert.equal(existsSync('/etc/new'), false);
    await assert.rejects(containerVolumeMounts({ name: 'c', image: 'i', volumeMounts: [{ name: 'v', mountPath: '/x', subPath: '../x' }] }, volumes, podDir), /must not contain '\.\.'/);
    await assert.rejects(containerVolumeMounts({ name: 'c', image: 'i', volumeMounts: [{ name: 'nope', mountPath: '/x' }] }, volumes, podDir), /no volume of that name/);
  } finally {
    await tearDownVolumes(podDir);
    rmSync(dir, { recursive: true, force: true });
  }
});
