// An OCI bundle on disk: a directory holding config.json (the rootfs is wherever root.path points).
import { mkdir, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { OciSpec } from './oci-spec';

export async function writeBundle(dir: string, spec: OciSpec): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.config.json.${process.pid}`);
  await writeFile(tmp, JSON.stringify(spec, null, 2));
  await rename(tmp, join(dir, 'config.json'));
}
