// The atomic writer on a real directory: layout, modes, updates through one ..data swap, removed keys.
import assert from 'node:assert/strict';
import { lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { validatePayloadPath, visibleNames, writeAtomically, type Payload } from './atomic-writer';

const file = (text: string, mode = 0o644) => ({ data: Buffer.from(text), mode });

test('paths are validated as Kubernetes does', () => {
  assert.equal(validatePayloadPath('a/b'), undefined);
  assert.match(validatePayloadPath('/etc/passwd')!, /relative/);
  assert.match(validatePayloadPath('a/../../x')!, /'\.\.'/);
  assert.match(validatePayloadPath('..data')!, /start with/);
  assert.deepEqual(visibleNames(new Map([['a/b', file('')], ['a/c', file('')], ['d', file('')]])), new Set(['a', 'd']));
});

test('files appear through ..data, update in one swap, and removed keys disappear', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kap-atomic-'));
  try {
    const first: Payload = new Map([['key', file('one', 0o400)], ['nested/deep', file('n')]]);
    assert.equal(await writeAtomically(dir, first), true);
    assert.equal(readFileSync(join(dir, 'key'), 'utf8'), 'one');
    assert.equal(readFileSync(join(dir, 'nested/deep'), 'utf8'), 'n');
    assert.equal(readlinkSync(join(dir, 'key')), '..data/key');
    assert.equal(statSync(join(dir, 'key')).mode & 0o777, 0o400);
    const firstTarget = readlinkSync(join(dir, '..data'));
    assert.equal(await writeAtomically(dir, first), false, 'the same content is not written again');
    assert.equal(readlinkSync(join(dir, '..data')), firstTarget);

    await writeAtomically(dir, new Map([['key', file('two')], ['other', file('o')]]));
    assert.equal(readFileSync(join(dir, 'key'), 'utf8'), 'two');
    assert.equal(readFileSync(join(dir, 'other'), 'utf8'), 'o');
    assert.equal(lstatSync(join(dir, 'nested'), { throwIfNoEntry: false }), undefined, 'a removed key loses its link');
    assert.notEqual(readlinkSync(join(dir, '..data')), firstTarget);
    const hidden = readdirSync(dir).filter((n) => n.startsWith('..') && n !== '..data');
    assert.equal(hidden.length, 1, `only the current timestamped dir remains: ${hidden}`);

    await assert.rejects(writeAtomically(dir, new Map([['../escape', file('x')]])), /'\.\.'/);
    assert.equal(readFileSync(join(dir, 'key'), 'utf8'), 'two', 'a refused write leaves the files as they were');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
