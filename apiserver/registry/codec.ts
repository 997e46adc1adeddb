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

/**
 * The JSON a client gets for a stored value, built from its bytes: the stored
 * JSON with `"resourceVersion"` put first in metadata. Byte for byte what
 * JSON.stringify(decodeObject(value)) gives but for that key's place, without
 * parsing the value and serializing it again (watch events and write
 * responses send most objects exactly as they are stored).
 */
export function storedJson(value: Buffer, revision: number): Buffer {
  const at = metadataBodyStart(value);
  // A stored resourceVersion (never written by encodeObject) must lose to the revision, as in decodeObject.
  if (at < 0 || value.indexOf(RESOURCE_VERSION_KEY, at) >= 0) return Buffer.from(JSON.stringify(decodeObject(value, revision)));
  const empty = value[at] === RBRACE;
  const field = `"resourceVersion":"${revision}"${empty ? '' : ','}`;
  const out = Buffer.allocUnsafe(value.length + field.length);
  value.copy(out, 0, 0, at);
  out.write(field, at, 'latin1');
  value.copy(out, at + field.length, at);
  return out;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const METADATA_KEY = Buffer.from('"metadata"');
const RESOURCE_VERSION_KEY = Buffer.from('"resourceVersion"');

/**
 * Where the members of the top-level `metadata` object start in compact JSON
 * (as JSON.stringify writes it), or -1 when the value does not look like that.
 */
export function metadataBodyStart(v: Buffer): number {
  if (v[0] !== LBRACE) return -1;
  let i = 1;
  while (i < v.length && v[i] === QUOTE) {
    const keyStart = i;
    i = skipString(v, i);
    if (i < 0 || v[i] !== COLON) return -1;
    const isMetadata = i - keyStart === METADATA_KEY.length && v.compare(METADATA_KEY, 0, METADATA_KEY.length, keyStart, i) === 0;
    i++;
    if (isMetadata) return v[i] === LBRACE ? i + 1 : -1;
    i = skipValue(v, i);
    if (i < 0 || v[i] !== COMMA) return -1;
    i++;
  }
  return -1;
}

/** The index after the string starting at `i` (its opening quote). */
function skipString(v: Buffer, i: number): number {
  for (i++; i < v.length; i++) {
    const c = v[i];
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i + 1;
  }
  return -1;
}

/** The index after the value starting at `i`. */
function skipValue(v: Buffer, i: number): number {
  const c = v[i];
  if (c === QUOTE) return skipString(v, i);
  if (c === LBRACE || c === LBRACKET) {
    let depth = 0;
    for (; i < v.length; i++) {
      const d = v[i];
      if (d === QUOTE) {
        i = skipString(v, i) - 1;
        if (i < 0) return -1;
      } else if (d === LBRACE || d === LBRACKET) depth++;
      else if (d === RBRACE || d === RBRACKET) {
        if (--depth === 0) return i + 1;
      }
    }
    return -1;
  }
  // A number, true, false or null.
  while (i < v.length && v[i] !== COMMA && v[i] !== RBRACE && v[i] !== RBRACKET) i++;
  return i < v.length ? i : -1;
}
