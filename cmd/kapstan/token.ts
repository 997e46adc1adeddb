// `kapstan token rotate`: a new node join token for the whole cluster (as
// `k3s token rotate`). The secret is stored through the local server's API
// (DATA/admin.kubeconfig) in the Secret every server watches; the old token is
// refused at join from then on, while joined nodes keep their certificates.
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { loadKubeconfig } from '../../client/kubeconfig';
import { RestClient } from '../../client/rest-client';
import { rotateNodeToken, formatJoinToken, pkiPaths } from '../../apiserver/pki';

export interface TokenRotateFlags {
  'data-dir'?: string;
  'new-token'?: string;
}

/** How long to wait for the local server to apply the new secret (it rewrites DATA/node-token when it has). */
const APPLY_TIMEOUT_MS = 15_000;

export async function runTokenRotate(flags: TokenRotateFlags): Promise<number> {
  const dataDir = flags['data-dir'] ?? '/var/lib/kapstan';
  const paths = pkiPaths(dataDir);
  const caPem = readFileSync(paths.caCert, 'utf8');
  // A full token is accepted too; only its secret is kept (the CA hash is the cluster's).
  const given = flags['new-token']?.trim().replace(/^K10[0-9a-fA-F]{64}::node:/, '');
  const client = RestClient.fromKubeconfig(loadKubeconfig({ kubeconfig: join(dataDir, 'admin.kubeconfig') }));
  try {
    const secret = await rotateNodeToken(client, given || undefined);
    const token = formatJoinToken(caPem, secret);
    if (!(await fileShows(paths.nodeToken, token, APPLY_TIMEOUT_MS))) {
      console.error(`kapstan token rotate: the token is stored, but the server of ${dataDir} has not rewritten ${paths.nodeToken} within ${APPLY_TIMEOUT_MS / 1000} s; is it running?`);
      console.log(token);
      return 1;
    }
    console.error(`node join token rotated; new agents must use the token below (also in ${paths.nodeToken}); joined nodes are unaffected`);
    console.log(token);
    return 0;
  } finally {
    client.close();
  }
}

async function fileShows(path: string, content: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (readFileSync(path, 'utf8').trim() === content) return true;
    } catch {
      // being replaced
    }
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}
