// How objects are kept in etcd: JSON without resourceVersion, which is the
// key's mod_revision and is put back on every read.
import type { KubeObject } from '../../api/types';

/** Largest object etcd will take (its default request limit is 1.5 MiB). */
export const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024;

export function encodeObject(obj: KubeObject): Buffer {
  const { resourceVersion: _rv, ...metadata } = obj.metadata;
  return Buffer.from(JSON.stringify({ ...obj, metadata }));
}

export function decodeObject(value: Buffer, revision: number): KubeObject {
  const obj = JSON.parse(value.toString()) as KubeObject;
  obj.metadata.resourceVersion = String(revision);
  return obj;
}
