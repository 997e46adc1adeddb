// DATA/admin.kubeconfig: the cluster admin's kubeconfig (token auth), which
// `kubectl --kubeconfig DATA/admin.kubeconfig` and `kapstan up` use.
import { join } from 'node:path';
import { buildKubeconfig, writeKubeconfigFile } from '../../client/kubeconfig';

export const ADMIN_CONTEXT = 'kapstan';

/** Writes (replaces) DATA/admin.kubeconfig, mode 0600; returns its path. */
export function writeAdminKubeconfig(dataDir: string, serverUrl: string, caPem: string, token: string): string {
  const path = join(dataDir, 'admin.kubeconfig');
  writeKubeconfigFile(path, buildKubeconfig(ADMIN_CONTEXT, { server: serverUrl, caPem, token }));
  return path;
}
