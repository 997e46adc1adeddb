// The node join token's secret, kept in etcd as the Secret
// kube-system/kapstan-node-token so that every server of a cluster checks
// joins against one value, and `kapstan token rotate` on any server revokes
// the old token on all of them (as k3s keeps its token in the datastore).
// Each server creates the Secret from its DATA/node-token at first start if
// it is absent, adopts the stored one otherwise, watches it, and rewrites its
// DATA/node-token whenever the secret changes: the file is always the token
// that server accepts. Joined nodes are unaffected: they use certificates.
import { findByKind } from '../../api/resources';
import { isApiError } from '../../api/errors';
import type { KubeObject } from '../../api/types';
import type { RestClient } from '../../client/rest-client';
import { Informer } from '../../client/informer';
import { checkJoinSecret, formatJoinToken, generateJoinSecret, NODE_TOKEN_USER } from './tokens';
import { writePrivateFile } from './private-files';
import { untilStorageAnswers } from '../storage/storage-wait';

export const NODE_TOKEN_SECRET = { namespace: 'kube-system', name: 'kapstan-node-token', key: 'secret' } as const;
const SECRETS = findByKind('v1', 'Secret')!;

/** The Secret object that holds the node token's secret (base64, as Secret data is). */
export function nodeTokenSecretObject(secret: string, base?: KubeObject): KubeObject {
  checkJoinSecret(secret);
  return {
    ...(base ?? {}),
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { ...(base?.metadata ?? {}), name: NODE_TOKEN_SECRET.name, namespace: NODE_TOKEN_SECRET.namespace },
    type: 'Opaque',
    data: { [NODE_TOKEN_SECRET.key]: Buffer.from(secret).toString('base64') },
  } as KubeObject;
}

/** The node token's secret stored in the Secret, if it holds a usable one. */
export function secretOfNodeTokenSecret(obj: KubeObject): string | undefined {
  const data = (obj as { data?: Record<string, string> }).data;
  const encoded = data?.[NODE_TOKEN_SECRET.key];
  if (!encoded) return undefined;
  const secret = Buffer.from(encoded, 'base64').toString('utf8').trim();
  try {
    checkJoinSecret(secret);
    return secret;
  } catch {
    return undefined;
  }
}

export interface ClusterNodeTokenOptions {
  client: RestClient;
  caPem: string;
  /** DATA/node-token, rewritten whenever the secret changes. */
  tokenPath: string;
  /** This server's secret from DATA/node-token: stored if the cluster has none yet. */
  localSecret: string;
  log: (message: string) => void;
}

/** The cluster's current node-token secret, kept up to date by a watch. */
export class ClusterNodeToken {
  private secret: string;
  /** The secret DATA/node-token holds. */
  private written: string;
  private informer?: Informer;

  constructor(private readonly opts: ClusterNodeTokenOptions) {
    this.secret = opts.localSecret;
    this.written = opts.localSecret;
  }

  /** The secret joins are checked against now. */
  current(): string {
    return this.secret;
  }

  /** Creates or adopts the stored secret, then follows its changes. */
  async start(): Promise<void> {
    const { client, localSecret, log } = this.opts;
    await untilStorageAnswers('reading the node join token', log, async () => {
      try {
        await client.create(SECRETS, NODE_TOKEN_SECRET.namespace, nodeTokenSecretObject(localSecret));
        log(`stored the node join token in Secret ${NODE_TOKEN_SECRET.namespace}/${NODE_TOKEN_SECRET.name}`);
      } catch (err) {
        if (!isApiError(err, 'AlreadyExists')) throw err;
      }
      this.adopt(await client.get(SECRETS, NODE_TOKEN_SECRET.namespace, NODE_TOKEN_SECRET.name));
    });
    const informer = new Informer({ client, resource: SECRETS, namespace: NODE_TOKEN_SECRET.namespace, resyncMs: 0, log });
    informer.addEventHandler({
      onAdd: (obj) => this.adopt(obj),
      onUpdate: (_old, obj) => this.adopt(obj),
      // A deleted Secret revokes nothing: the last secret stays, and the next start stores it again.
    });
    informer.start();
    this.informer = informer;
    await informer.waitForSync();
  }

  async stop(): Promise<void> {
    await this.informer?.stop();
  }

  private adopt(obj: KubeObject): void {
    if (obj.metadata.name !== NODE_TOKEN_SECRET.name) return;
    const secret = secretOfNodeTokenSecret(obj);
    if (secret === undefined) {
      this.opts.log(`Secret ${NODE_TOKEN_SECRET.namespace}/${NODE_TOKEN_SECRET.name} has no usable "${NODE_TOKEN_SECRET.key}": keeping the current node token`);
      return;
    }
    this.secret = secret;
    if (secret === this.written) return;
    // After the in-memory switch: a file showing the new token means this server accepts it.
    writePrivateFile(this.opts.tokenPath, formatJoinToken(this.opts.caPem, secret, NODE_TOKEN_USER) + '\n');
    this.written = secret;
    this.opts.log(`node join token changed (rotated): ${this.opts.tokenPath} rewritten; the previous token is refused from now on`);
  }
}

/**
 * Stores a new node-token secret (generated unless given) for the whole
 * cluster; every server picks it up through its watch. Returns the secret.
 */
export async function rotateNodeToken(client: RestClient, newSecret = generateJoinSecret()): Promise<string> {
  nodeTokenSecretObject(newSecret); // validates before anything is written
  for (let attempt = 0; ; attempt++) {
    try {
      const existing = await client.get(SECRETS, NODE_TOKEN_SECRET.namespace, NODE_TOKEN_SECRET.name).catch((err) => {
        if (isApiError(err, 'NotFound')) return undefined;
        throw err;
      });
      if (existing) await client.update(SECRETS, NODE_TOKEN_SECRET.namespace, nodeTokenSecretObject(newSecret, existing));
      else await client.create(SECRETS, NODE_TOKEN_SECRET.namespace, nodeTokenSecretObject(newSecret));
      return newSecret;
    } catch (err) {
      // Another writer in between (resourceVersion conflict, or a create race): read again.
      if (attempt < 3 && (isApiError(err, 'Conflict') || isApiError(err, 'AlreadyExists'))) continue;
      throw err;
    }
  }
}
