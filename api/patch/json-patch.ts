// JSON Patch (RFC 6902): add, remove, replace, move, copy, test.
//
// Errors follow the Kubernetes apiserver: a body that is not a list of
// operation objects is 400 BadRequest; an operation that cannot be applied,
// including a failed `test`, is 422 Invalid (the apiserver answers
// NewGenericServerResponse(422, ...) for any error from patch.Apply).

import { errors } from '../errors';
import { unprocessablePatch } from './patch-errors';
import { arrayIndex, formatJsonPointer, parseJsonPointer } from './json-pointer';
import { deepClone, deepEqual, hasKey, isJsonObject, JsonObject, JsonValue, setKey } from './json-value';

export type JsonPatchOperation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: JsonValue }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/** Checks that `patch` is a list of operation objects (400 otherwise). */
export function decodeJsonPatch(patch: unknown): Record<string, unknown>[] {
  if (!Array.isArray(patch)) {
    throw errors.badRequest('json patch must be a JSON array of operations');
  }
  for (const op of patch) {
    if (!isJsonObject(op)) throw errors.badRequest('json patch operations must be JSON objects');
  }
  return patch as Record<string, unknown>[];
}

/** Applies every operation in order to a copy of `document`; all or nothing. */
export function applyJsonPatch(document: unknown, patch: unknown): JsonValue {
  const ops = decodeJsonPatch(patch);
  let doc: JsonValue = deepClone(document);
  for (const op of ops) doc = applyOperation(doc, op);
  return doc;
}

function applyOperation(doc: JsonValue, op: Record<string, unknown>): JsonValue {
  const name = op.op;
  if (typeof name !== 'string' || !OPS.has(name)) {
    throw unprocessablePatch(`unexpected kind of json patch operation: ${JSON.stringify(name ?? null)}`);
  }
  const path = pointerField(op, 'path', name);
  switch (name) {
    case 'add':
      return add(doc, path, deepClone(valueField(op, name)), name);
    case 'remove':
      remove(doc, path, name);
      return doc;
    case 'replace':
      return replace(doc, path, deepClone(valueField(op, name)), name);
    case 'move': {
      const from = pointerField(op, 'from', name);
      if (from.join('\u0000') === path.join('\u0000')) {
        get(doc, from, name); // must still exist
        return doc;
      }
      if (isPrefix(from, path)) {
        throw unprocessablePatch(`move operation cannot move ${String(op.from)} into its own child ${String(op.path)}`);
      }
      const value = remove(doc, from, name);
      return add(doc, path, value, name);
    }
    case 'copy': {
      const from = pointerField(op, 'from', name);
      return add(doc, path, deepClone(get(doc, from, name)), name);
    }
    default: {
      const actual = get(doc, path, name);
      if (!deepEqual(actual, valueField(op, name))) {
        throw unprocessablePatch(`testing value ${String(op.path)} failed: test failed`);
      }
      return doc;
    }
  }
}

function pointerField(op: Record<string, unknown>, field: 'path' | 'from', name: string): string[] {
  const raw = op[field];
  if (typeof raw !== 'string') throw unprocessablePatch(`${name} operation missing ${field} string`);
  const tokens = parseJsonPointer(raw);
  if (!tokens) throw unprocessablePatch(`${name} operation has an invalid JSON pointer in ${field}: ${JSON.stringify(raw)}`);
  return tokens;
}

function valueField(op: Record<string, unknown>, name: string): JsonValue {
  if (!hasKey(op as JsonObject, 'value')) throw unprocessablePatch(`${name} operation missing value`);
  return op.value as JsonValue;
}

function isPrefix(prefix: string[], path: string[]): boolean {
  return prefix.length < path.length && prefix.every((t, i) => t === path[i]);
}

/** The container that holds the last token of `path`. */
function parentOf(doc: JsonValue, path: string[], name: string): JsonValue {
  const parentPath = path.slice(0, -1);
  return get(doc, parentPath, name);
}

function get(doc: JsonValue, path: string[], name: string): JsonValue {
  let node: JsonValue = doc;
  for (let i = 0; i < path.length; i++) {
    const token = path[i];
    if (Array.isArray(node)) {
      const idx = arrayIndex(token);
      if (idx === undefined || idx >= node.length) {
        throw unprocessablePatch(`${name} operation does not apply: doc is missing path: ${formatJsonPointer(path.slice(0, i + 1))}`);
      }
      node = node[idx];
    } else if (isJsonObject(node) && hasKey(node, token)) {
      node = node[token];
    } else {
      throw unprocessablePatch(`${name} operation does not apply: doc is missing path: ${formatJsonPointer(path.slice(0, i + 1))}`);
    }
  }
  return node;
}

function add(doc: JsonValue, path: string[], value: JsonValue, name: string): JsonValue {
  if (path.length === 0) return value;
  const parent = parentOf(doc, path, name);
  const token = path[path.length - 1];
  if (Array.isArray(parent)) {
    const idx = token === '-' ? parent.length : arrayIndex(token);
    if (idx === undefined || idx > parent.length) {
      throw unprocessablePatch(`${name} operation does not apply: index out of bounds at ${formatJsonPointer(path)}`);
    }
    parent.splice(idx, 0, value);
  } else if (isJsonObject(parent)) {
    setKey(parent, token, value);
  } else {
    throw unprocessablePatch(`${name} operation does not apply: ${formatJsonPointer(path.slice(0, -1))} is not an object or array`);
  }
  return doc;
}

function remove(doc: JsonValue, path: string[], name: string): JsonValue {
  if (path.length === 0) throw unprocessablePatch(`${name} operation cannot apply to the whole document`);
  const value = get(doc, path, name); // reports the missing path precisely
  const parent = parentOf(doc, path, name);
  const token = path[path.length - 1];
  if (Array.isArray(parent)) parent.splice(arrayIndex(token)!, 1);
  else delete (parent as JsonObject)[token];
  return value;
}

function replace(doc: JsonValue, path: string[], value: JsonValue, name: string): JsonValue {
  if (path.length === 0) return value;
  get(doc, path, name); // replace requires the target to exist
  const parent = parentOf(doc, path, name);
  const token = path[path.length - 1];
  if (Array.isArray(parent)) parent[arrayIndex(token)!] = value;
  else setKey(parent as JsonObject, token, value);
  return doc;
}
