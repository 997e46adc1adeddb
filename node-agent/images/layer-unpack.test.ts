import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, lstatSync, readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { chmod, link, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { isApiError } from '../../api/errors';
import { mountAll, overlayMounts, unmount } from '../runtime/overlay';
import { sha256Digest } from './digest';
import { unpackLayer, unpackLayerOnce } from './layer-unpack';
import { readOpaque } from './overlay-markers';
import { TarWriteEntry, writeTar } from './tar-writer';

async function* chunksOf(data: Buffer, size = 700): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function withTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'kap-layer-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('a gzip layer unpacks files, dirs, symlinks, hard links, modes, owners and long names; diff ID is the tar digest', () =>
  withTemp(async (root) => {
    const longName = `deep/${'x'.repeat(120)}/file.txt`;
    const tar = writeTar([
      { path: './', type: 'dir' },
      { path: './bin/', type: 'dir', mode: 0o755 },
      { path: './bin/busybox', type: 'file', mode: 0o4755, content: 'ELF pretend', uid: 0, gid: 0 },
      { path: './bin/sh', type: 'symlink', linkPath: '/bin/busybox' },
      { path: './usr/bin/awk', type: 'symlink', linkPath: '../../bin/busybox' },
      { path: './bin/ls', type: 'hardlink', linkPath: 'bin/busybox' },
      { path: 'home/user/notes', type: 'file', uid: 1000, gid: 1000, mode: 0o600, content: 'mine', mtime: 1_600_000_000 },
      { path: longName, type: 'file', content: 'long' },
      { path: 'big', type: 'file', content: Buffer.alloc(5000, 7) },
    ]);
    const dir = join(root, 'layer');
    await mkdir(dir);
    const result = await unpackLayer(chunksOf(gzipSync(tar)), dir, sha256Digest(tar));
    assert.equal(result.diffId, sha256Digest(tar));
    assert.equal(readFileSync(join(dir, 'bin/busybox'), 'utf8'), 'ELF pretend');
    assert.equal(statSync(join(dir, 'bin/busybox')).mode & 0o7777, 0o4755, 'setuid survives chown');
    assert.equal(readlinkSync(join(dir, 'bin/sh')), '/bin/busybox', 'absolute symlinks are kept, not followed');
    assert.equal(readlinkSync(join(dir, 'usr/bin/awk')), '../../bin/busybox', 'relative symlinks within the root are kept');
    assert.equal(statSync(join(dir, 'bin/ls')).ino, statSync(join(dir, 'bin/busybox')).ino);
    const notes = statSync(join(dir, 'home/user/notes'));
    assert.deepEqual([notes.uid, notes.gid, notes.mode & 0o777, notes.mtimeMs / 1000], [1000, 1000, 0o600, 1_600_000_000]);
    assert.equal(readFileSync(join(dir, longName), 'utf8'), 'long');
    assert.deepEqual(readFileSync(join(dir, 'big')), Buffer.alloc(5000, 7));
    await assert.rejects(
      unpackLayerOnce(() => chunksOf(tar), join(root, 'other'), sha256Digest('not it')),
      (e) => isApiError(e, 'Invalid') && /diff ID/.test(e.message),
    );
    assert.equal(existsSync(join(root, 'other')), false, 'a failed unpack leaves no layer dir');
    assert.deepEqual(readdirSync(root), ['layer']);
  }));

test('whiteouts become 0:0 char devices and opaque dirs get trusted.overlay.opaque, and overlayfs honours both', () =>
  withTemp(async (root) => {
    const lower = writeTar([
      { path: 'keep.txt', type: 'file', content: 'kept' },
      { path: 'gone.txt', type: 'file', content: 'deleted above' },
      { path: 'etc/', type: 'dir' },
      { path: 'etc/old.conf', type: 'file', content: 'hidden by opaque' },
      { path: 'etc/sub/', type: 'dir' },
    ]);
    const upper = writeTar([
      { path: '.wh.gone.txt', type: 'file' },
      { path: 'etc/', type: 'dir' },
      { path: 'etc/.wh..wh..opq', type: 'file' },
      { path: 'etc/new.conf', type: 'file', content: 'new' },
      { path: '.wh..wh.plnk', type: 'file' },
    ]);
    const lowerDir = await unpackLayerOnce(() => chunksOf(lower), join(root, 'l1'));
    const upperDir = await unpackLayerOnce(() => chunksOf(gzipSync(upper)), join(root, 'l2'));
    const whiteout = lstatSync(join(upperDir, 'gone.txt'));
    assert.ok(whiteout.isCharacterDevice());
    assert.equal(whiteout.rdev, 0);
    assert.equal(existsSync(join(upperDir, '.wh.gone.txt')), false);
    assert.equal(existsSync(join(upperDir, 'etc/.wh..wh..opq')), false);
    assert.equal(await readOpaque(join(upperDir, 'etc')), 'y');
    assert.equal(existsSync(join(upperDir, '.wh..wh.plnk')), false);

    const merged = join(root, 'merged');
    try {
      await mountAll(overlayMounts({ lowerDirs: [lowerDir, upperDir], upperDir: join(root, 'up'), workDir: join(root, 'work') }), merged);
      assert.deepEqual(readdirSync(merged).sort(), ['etc', 'keep.txt']);
      assert.deepEqual(readdirSync(join(merged, 'etc')), ['new.conf']);
    } finally {
      await unmount(merged);
    }
  }));

test('entries that would write outside the layer are refused and nothing escapes', () =>
  withTemp(async (root) => {
    const outside = join(root, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'victim'), 'untouched');
    const attacks: Array<[string, TarWriteEntry[]]> = [
      ['dot-dot', [{ path: '../outside/evil', type: 'file', content: 'x' }]],
      ['nested dot-dot', [{ path: 'a/b/../../../outside/evil', type: 'file', content: 'x' }]],
      ['absolute path', [{ path: `${outside}/evil`, type: 'file', content: 'x' }]],
      ['write through an absolute symlink', [
        { path: 'esc', type: 'symlink', linkPath: outside },
        { path: 'esc/evil', type: 'file', content: 'x' },
      ]],
      ['write through a relative symlink', [
        { path: 'up', type: 'symlink', linkPath: '../outside' },
        { path: 'up/victim', type: 'file', content: 'overwritten' },
      ]],
      ['dir replaced by a symlink, then written through', [
        { path: 'd/', type: 'dir' },
        { path: 'd', type: 'symlink', linkPath: outside },
        { path: 'd/evil', type: 'file', content: 'x' },
      ]],
      ['whiteout through a symlink', [
        { path: 'w', type: 'symlink', linkPath: outside },
        { path: 'w/.wh.victim', type: 'file' },
      ]],
      ['hard link out with dot-dot', [{ path: 'h', type: 'hardlink', linkPath: '../outside/victim' }]],
      ['hard link out by absolute path', [{ path: 'h', type: 'hardlink', linkPath: join(outside, 'victim') }]],
      ['hard link through a symlinked dir', [
        { path: 'ld', type: 'symlink', linkPath: outside },
        { path: 'h', type: 'hardlink', linkPath: 'ld/victim' },
      ]],
      ['relative symlink climbing out of the root', [{ path: 'usr/lib/evil', type: 'symlink', linkPath: '../../../outside/victim' }]],
      ['symlink named with dot-dot', [{ path: '../outside/link', type: 'symlink', linkPath: '/' }]],
    ];
    for (const [name, entries] of attacks) {
      const dir = join(root, 'layers', name.replace(/\W+/g, '-'));
      await assert.rejects(
        unpackLayerOnce(() => chunksOf(writeTar(entries)), dir),
        (e) => isApiError(e, 'Forbidden'),
        name,
      );
      assert.equal(existsSync(dir), false, `${name}: no layer dir`);
      assert.deepEqual(readdirSync(outside), ['victim'], `${name}: nothing created outside`);
      assert.equal(readFileSync(join(outside, 'victim'), 'utf8'), 'untouched', `${name}: victim intact`);
      assert.equal(lstatSync(join(outside, 'victim')).nlink, 1, `${name}: no hard link to the victim`);
    }
  }));

test('a corrupt or truncated tar is Invalid', () =>
  withTemp(async (root) => {
    const tar = writeTar([{ path: 'f', type: 'file', content: 'x'.repeat(2000) }]);
    const badSum = Buffer.from(tar);
    badSum[0] = 0x41;
    for (const [name, data] of [['checksum', badSum], ['truncated', tar.subarray(0, 1024)]] as const) {
      await assert.rejects(unpackLayerOnce(() => chunksOf(data), join(root, name)), (e) => isApiError(e, 'Invalid'), name);
    }
  }));

test('layers written by GNU tar (gnu and pax formats: long names, hard links, setuid) unpack to the same tree', () =>
  withTemp(async (root) => {
    const src = join(root, 'src');
    const long = `${'d'.repeat(90)}/${'n'.repeat(90)}/${'f'.repeat(60)}.txt`;
    await mkdir(join(src, long, '..'), { recursive: true });
    await writeFile(join(src, long), 'long name');
    await writeFile(join(src, 'original'), 'linked');
    await link(join(src, 'original'), join(src, 'hard'));
    await writeFile(join(src, 'suid'), 'x', { mode: 0o4755 });
    await chmod(join(src, 'suid'), 0o4755);
    for (const format of ['gnu', 'pax']) {
      const file = join(root, `${format}.tar.gz`);
      execFileSync('tar', ['--format', format, '--numeric-owner', '-czf', file, '-C', src, '.']);
      const dir = join(root, `out-${format}`);
      await unpackLayerOnce(() => createReadStream(file) as AsyncIterable<Buffer>, dir);
      assert.equal(readFileSync(join(dir, long), 'utf8'), 'long name', format);
      assert.equal(statSync(join(dir, 'hard')).ino, statSync(join(dir, 'original')).ino, format);
      assert.equal(statSync(join(dir, 'suid')).mode & 0o7777, 0o4755, format);
    }
  }));

test('file capabilities and user xattrs from PAX records are applied; trusted.* ones are not', () =>
  withTemp(async (root) => {
    // cap_net_raw+ep as a VFS_CAP_REVISION_2 security.capability value.
    const capNetRaw = Buffer.from('0000000200200000000000000000000000000000', 'hex');
    const tar = writeTar([
      { path: 'bin/', type: 'dir' },
      { path: 'bin/ping', type: 'file', mode: 0o755, content: 'ping', xattrs: { 'security.capability': capNetRaw, 'user.origin': Buffer.from('kap') } },
      { path: 'forged/', type: 'dir', xattrs: { 'trusted.overlay.opaque': Buffer.from('y') } },
    ]);
    const dir = await unpackLayerOnce(() => chunksOf(tar), join(root, 'layer'));
    const caps = execFileSync('getfattr', ['--absolute-names', '-e', 'hex', '-n', 'security.capability', join(dir, 'bin/ping')], { encoding: 'utf8' });
    assert.match(caps, new RegExp(`security.capability=0x${capNetRaw.toString('hex')}`));
    assert.equal(execFileSync('getfattr', ['--only-values', '-n', 'user.origin', join(dir, 'bin/ping')], { encoding: 'utf8' }), 'kap');
    assert.equal(await readOpaque(join(dir, 'forged')), undefined, 'a layer cannot forge overlay metadata');
  }));
