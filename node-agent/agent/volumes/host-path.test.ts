// hostPath type checks on real paths in a temp dir, and subPath resolution that refuses to leave the volume.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { prepareHostPath } from './host-path';
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

test('subPath: created when missing, refused with .. or when a symlink leads out of the volume', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kap-subpath-'));
  try {
    const vol = join(dir, 'vol');
    mkdirSync(vol);
    symlinkSync('/etc', join(vol, 'escape'));
    const volumes = new Map([['v', { path: vol, forceReadOnly: false }]]);
    const mounts = await containerVolumeMounts({
      name: 'c', image: 'i',
      volumeMounts: [{ name: 'v', mountPath: '/a/b', subPath: 'sub/dir', readOnly: true }, { name: 'v', mountPath: '/a' }],
    }, volumes);
    assert.deepEqual(mounts.map((m) => [m.destination, m.source, m.options?.at(-1)]), [['/a', vol, 'rw'], ['/a/b', join(vol, 'sub/dir'), 'ro']]);
    assert.equal(existsSync(join(vol, 'sub/dir')), true);
    await assert.rejects(containerVolumeMounts({ name: 'c', image: 'i', volumeMounts: [{ name: 'v', mountPath: '/x', subPath: 'escape' }] }, volumes), /resolves outside the volume/);
    await assert.rejects(containerVolumeMounts({ name: 'c', image: 'i', volumeMounts: [{ name: 'v', mountPath: '/x', subPath: '../x' }] }, volumes), /must not contain '\.\.'/);
    await assert.rejects(containerVolumeMounts({ name: 'c', image: 'i', volumeMounts: [{ name: 'nope', mountPath: '/x' }] }, volumes), /no volume of that name/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
