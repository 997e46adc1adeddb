// Plain JSON values and the few operations every patch algorithm needs.
// Patch functions never mutate their inputs: they deep-clone what they will
// change and build new objects, so callers may pass cached objects safely.

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** 'object' | 'array' | 'null' | 'string' | 'number' | 'boolean': the JSON type of a value. */
export function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/**
 * Sets obj[key] as an own data property. A plain assignment to "__proto__"
 * would change the prototype instead, and JSON bodies may carry that key.
 */
export function setKey(obj: JsonObject, key: string, value: JsonValue): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

export function hasKey(obj: JsonObject, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

export function deepClone<T extends JsonValue>(v: T): T;
export function deepClone(v: unknown): JsonValue;
export function deepClone(v: unknown): JsonValue {
  if (Array.isArray(v)) return v.map((x) => deepClone(x));
  if (isJsonObject(v)) {
    const out: JsonObject = {};
    for (const k of Object.keys(v)) setKey(out, k, deepClone(v[k]));
    return out;
  }
  if (v === undefined) return null;
  return v as JsonPrimitive;
}

/** JSON equality: object key order does not matter, array order does. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isJsonObject(a)) {
    if (!isJsonObject(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => hasKey(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/**
 * A copy with every object's keys in byte order, as Go's encoding/json writes
 * maps; patches we compute then serialize exactly like kubectl's.
 */
export function sortKeysDeep(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return v.map(sortKeysDeep);
  if (isJsonObject(v)) {
    const out: JsonObject = {};
    for (const k of Object.keys(v).sort(compareStrings)) setKey(out, k, sortKeysDeep(v[k]));
    return out;
  }
  return v;
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Parses a request body, reporting malformed JSON through `onError`. */
export function parseJsonBody(body: string | Uint8Array, onError: (message: string) => Error): JsonValue {
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  try {
    return JSON.parse(text) as JsonValue;
  } catch (err) {
    throw onError(`error decoding patch: ${(err as Error).message}`);
  }
}
