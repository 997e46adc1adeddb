import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { mountAll, overlayMounts, unmount } from './overlay';

test('overlayMounts lists the topmost layer first, like containerd', () => {
  const mounts = overlayMounts({ lowerDirs: ['/l/base', '/l/mid', '/l/top'], upperDir: '/c/upper', workDir: '/c/work' });
  assert.deepEqual(mounts, [{
    type: 'overlay',
    source: 'overlay',
    options: ['index=off', 'lowerdir=/l/top:/l/mid:/l/base', 'upperdir=/c/upper', 'workdir=/c/work'],
  }]);
  assert.deepEqual(overlayMounts({ lowerDirs: [], upperDir: '/c/upper', workDir: '/c/work' }), [
    { type: 'bind', source: '/c/upper', options: ['rbind', 'rw'] },
  ]);
  assert.throws(() => overlayMounts({ lowerDirs: ['/a:b'], upperDir: '/u', workDir: '/w' }), /contains/);
});

test('a mounted overlay writes to upper, keeps layers intact, and whiteouts deletions', async () => {
  const root = await mkdtemp(join(tmpdir(), 'kap-overlay-'));
  const merged = join(root, 'merged');
  try {
    for (const [layer, file, text] of [['base', 'a.txt', 'base-a'], ['top', 'a.txt', 'top-a'], ['base', 'b.txt', 'base-b']]) {
      await mkdir(join(root, layer), { recursive: true });
      await writeFile(join(root, layer, file), text);
    }
    await mountAll(overlayMounts({ lowerDirs: [join(root, 'base'), join(root, 'top')], upperDir: join(root, 'upper'), workDir: join(root, 'work') }), merged);
    assert.equal(readFileSync(join(merged, 'a.txt'), 'utf8'), 'top-a');
    await writeFile(join(merged, 'new.txt'), 'new');
    await unlink(join(merged, 'b.txt'));
    assert.equal(readFileSync(join(root, 'upper/new.txt'), 'utf8'), 'new');
    assert.equal(existsSync(join(root, 'base/new.txt')), false);
    assert.equal(readFileSync(join(root, 'base/b.txt'), 'utf8'), 'base-b');
    // overlayfs records the deletion as a 0:0 character device in upper.
    assert.ok(statSync(join(root, 'upper/b.txt')).isCharacterDevice());
    assert.deepEqual(readdirSync(merged).sort(), ['a.txt', 'new.txt']);
  } finally {
    await unmount(merged);
    await rm(root, { recursive: true, force: true });
  }
});
