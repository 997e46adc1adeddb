// The node's client certificate, key and cluster CA, kept in DATA/pki after
// each registration so that a restarted agent authenticates with them (as the
// kubelet keeps kubelet-client-current.pem) instead of the join token, which
// may have been rotated since the node joined (`kapstan token rotate`).
import { X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NodeClient, type NodeCredentials } from '../../client/node-client';

const FILES = { certPem: 'client.crt', keyPem: 'client.key', caPem: 'ca.crt' } as const;

function dirOf(dataDir: string): string {
  return join(dataDir, 'pki');
}

/** The saved credentials of `nodeName`, unless absent, for another node, or expired. */
export async function loadNodeCredentials(dataDir: string, nodeName: string, now = new Date()): Promise<NodeCredentials | undefined> {
  let creds: NodeCredentials;
  try {
    const [certPem, keyPem, caPem] = await Promise.all(Object.values(FILES).map((f) => readFile(join(dirOf(dataDir), f), 'utf8')));
    creds = { certPem, keyPem, caPem };
    const cert = new X509Certificate(certPem);
    if (!cert.subject.split('\n').includes(`CN=system:node:${nodeName}`)) return undefined;
    if (new Date(cert.validTo) <= now) return undefined;
  } catch {
    return undefined;
  }
  return creds;
}

/** Saves the credentials, key file 0600, each file replaced atomically. */
export async function saveNodeCredentials(dataDir: string, creds: NodeCredentials): Promise<void> {
  const dir = dirOf(dataDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const [field, file] of Object.entries(FILES) as [keyof NodeCredentials, string][]) {
    const tmp = join(dir, `${file}.tmp-${process.pid}`);
    await writeFile(tmp, creds[field], { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, join(dir, file));
  }
}

export interface JoinOptions {
  server: string;
  token: string;
  nodeName: string;
  dataDir: string;
  caPem?: string;
  warn(message: string): void;
}

/**
 * Registers the node: with its saved certificate when it has one (the join
 * token may have been rotated since), else, or when the certificate is
 * refused (e.g. a new cluster), with the join token. Saves the credentials
 * issued by the registration for the next start.
 */
export async function registerNode<R extends { credentials: NodeCredentials }>(
  opts: JoinOptions, register: (client: NodeClient) => Promise<R>,
): Promise<{ client: NodeClient; registered: R }> {
  const saved = await loadNodeCredentials(opts.dataDir, opts.nodeName);
  const attempt = async (credentials?: NodeCredentials) => {
    const client = await NodeClient.connect({ server: opts.server, token: opts.token, nodeName: opts.nodeName, caPem: opts.caPem, credentials });
    try {
      return { client, registered: await register(client) };
    } catch (err) {
      client.close();
      throw err;
    }
  };
  let joined: { client: NodeClient; registered: R } | undefined;
  if (saved) {
    joined = await attempt(saved).catch((err: Error) => {
      opts.warn(`the saved node certificate in ${dirOf(opts.dataDir)} was not accepted (${err.message}); joining with the token`);
      return undefined;
    });
  }
  joined ??= await attempt();
  await saveNodeCredentials(opts.dataDir, joined.registered.credentials);
  return joined;
}
