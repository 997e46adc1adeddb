// hostPath volumes: the path on the node, checked (and for the *OrCreate types created) per its type,
// as the kubelet's hostPath plugin does (pkg/volume/hostpath/host_path.go).
import { mkdir, open, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { VolumeError } from './payloads';

const CHECKS: Record<string, { test: (st: Stats) => boolean; what: string }> = {
  Directory: { test: (st) => st.isDirectory(), what: 'a directory' },
  DirectoryOrCreate: { test: (st) => st.isDirectory(), what: 'a directory' },
  File: { test: (st) => st.isFile(), what: 'a file' },
  FileOrCreate: { test: (st) => st.isFile(), what: 'a file' },
  Socket: { test: (st) => st.isSocket(), what: 'a socket file' },
  CharDevice: { test: (st) => st.isCharacterDevice(), what: 'a character device' },
  BlockDevice: { test: (st) => st.isBlockDevice(), what: 'a block device' },
};

/** Checks path against the hostPath type; "" (or none) checks nothing, as in Kubernetes. */
export async function prepareHostPath(path: string, type = ''): Promise<void> {
  if (type === '') return;
  const check = CHECKS[type];
  if (!check) throw new VolumeError(`hostPath type ${type} is not a valid type`);
  let st = await stat(path).catch(() => undefined);
  if (!st && type === 'DirectoryOrCreate') {
    await mkdir(path, { recursive: true, mode: 0o755 });
    st = await stat(path);
  }
  if (!st && type === 'FileOrCreate') {
    // The parent must exist (as in Kubernetes); O_EXCL never truncates a file that appeared meanwhile.
    await (await open(path, 'wx', 0o644).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EEXIST') return undefined;
      throw new VolumeError(`hostPath type check failed: ${path}: ${err.message}`);
    }))?.close();
    st = await stat(path);
  }
  if (!st) throw new VolumeError(`hostPath type check failed: ${path} is not ${check.what} (it does not exist)`);
  if (!check.test(st)) throw new VolumeError(`hostPath type check failed: ${path} is not ${check.what}`);
}

