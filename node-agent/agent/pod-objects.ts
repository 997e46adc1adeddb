// The ConfigMaps and Secrets a pod's env and volumes read, fetched over the node's gRPC connection
// (GetPodObject; the apiserver lets a node read only what its pods reference). A short-lived cache, like
// the kubelet's TTL-based configmap/secret managers, keeps a sync of many containers to one read each.
import { ApiError } from '../../api/errors';
import type { KubeObject } from '../../api/types';

export type PodObjectKind = 'ConfigMap' | 'Secret';

/** What the agent needs from the apiserver (NodeClient has it). */
export interface PodObjectGetter {
  getPodObject(kind: PodObjectKind, namespace: string, name: string): Promise<KubeObject>;
}

/** Objects already fetched for one pod: the object, or null when it does not exist. */
export type PodObjects = Map<string, KubeObject | null>;

export function objectKey(kind: PodObjectKind, name: string): string {
  return `${kind}/${name}`;
}

export class PodObjectCache {
  private readonly entries = new Map<string, { at: number; value: Promise<KubeObject | null> }>();

  constructor(private readonly getter: PodObjectGetter, private readonly ttlMs: number, private readonly now = Date.now) {}

  /** The object, or null when the apiserver says NotFound; any other failure is thrown. */
  get(kind: PodObjectKind, namespace: string, name: string): Promise<KubeObject | null> {
    const key = `${kind}/${namespace}/${name}`;
    const hit = this.entries.get(key);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.value;
    const value = this.getter.getPodObject(kind, namespace, name).catch((err: unknown) => {
      if (err instanceof ApiError && err.code === 'NotFound') return null;
      this.entries.delete(key); // never cache a failure other than "absent"
      throw err;
    });
    this.entries.set(key, { at: this.now(), value });
    return value;
  }

  /** Fetches every (kind, name) of the pod's namespace into a PodObjects map. */
  async fetch(namespace: string, refs: Iterable<{ kind: PodObjectKind; name: string }>): Promise<PodObjects> {
    const out: PodObjects = new Map();
    for (const r of refs) {
      const key = objectKey(r.kind, r.name);
      if (!out.has(key)) out.set(key, await this.get(r.kind, namespace, r.name));
    }
    return out;
  }
}

/** A ConfigMap's values by key: data as text, binaryData decoded (volumes use both, env only data). */
export function configMapValues(cm: KubeObject, withBinary: boolean): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries((cm.data ?? {}) as Record<string, string>)) out.set(k, Buffer.from(v, 'utf8'));
  if (withBinary) for (const [k, v] of Object.entries((cm.binaryData ?? {}) as Record<string, string>)) out.set(k, Buffer.from(v, 'base64'));
  return out;
}

/** A Secret's values by key: data is base64; stringData (when a writer left it) wins, as on the apiserver's write. */
export function secretValues(secret: KubeObject): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries((secret.data ?? {}) as Record<string, string>)) out.set(k, Buffer.from(v, 'base64'));
  for (const [k, v] of Object.entries((secret.stringData ?? {}) as Record<string, string>)) out.set(k, Buffer.from(v, 'utf8'));
  return out;
}
