// Sets of field paths, as structured-merge-diff keeps them: a tree whose
// edges are path elements ("f:name" a field, "k:{...}" a map-list item by its
// key, "v:..." a set item, "i:N" a list index) and whose nodes may themselves
// be members. Kubernetes serializes the tree as FieldsV1: a member leaf is
// `{}`, a member with children carries `".": {}`.
//
// Sets are immutable values: every operation returns a new set and shares
// no node that a caller could later mutate.

export interface FieldSet {
  /** This path itself is a member. */
  readonly self?: boolean;
  readonly children?: ReadonlyMap<string, FieldSet>;
}

export const EMPTY: FieldSet = Object.freeze({});

export function isEmpty(s: FieldSet | undefined): boolean {
  return !s || (!s.self && (!s.children || s.children.size === 0));
}

export function childOf(s: FieldSet | undefined, key: string): FieldSet | undefined {
  return s?.children?.get(key);
}

/** Whether anything below this node (not the node itself) is a member. */
export function hasDescendants(s: FieldSet | undefined): boolean {
  return !!s?.children && s.children.size > 0;
}

function make(self: boolean, children: Map<string, FieldSet> | undefined): FieldSet {
  if (children && children.size === 0) children = undefined;
  if (!self && !children) return EMPTY;
  return children ? (self ? { self: true, children } : { children }) : { self: true };
}

/** A set holding exactly one path. */
export function setOfPath(path: readonly string[]): FieldSet {
  let node: FieldSet = { self: true };
  for (let i = path.length - 1; i >= 0; i--) node = { children: new Map([[path[i], node]]) };
  return node;
}

export function union(a: FieldSet, b: FieldSet): FieldSet {
  if (isEmpty(a)) return b;
  if (isEmpty(b)) return a;
  let children: Map<string, FieldSet> | undefined;
  if (a.children || b.children) {
    children = new Map(a.children ?? []);
    for (const [k, v] of b.children ?? []) {
      const mine = children.get(k);
      children.set(k, mine ? union(mine, v) : v);
    }
  }
  return make(!!(a.self || b.self), children);
}

export function unionAll(sets: Iterable<FieldSet>): FieldSet {
  let out = EMPTY;
  for (const s of sets) out = union(out, s);
  return out;
}

/** Members of a not in b (a path is removed only if it is itself in b, not its parent). */
export function difference(a: FieldSet, b: FieldSet): FieldSet {
  if (isEmpty(a) || isEmpty(b)) return a;
  let children: Map<string, FieldSet> | undefined;
  if (a.children) {
    children = new Map();
    for (const [k, v] of a.children) {
      const other = b.children?.get(k);
      const rest = other ? difference(v, other) : v;
      if (!isEmpty(rest)) children.set(k, rest);
    }
  }
  return make(!!a.self && !b.self, children);
}

export function intersection(a: FieldSet, b: FieldSet): FieldSet {
  if (isEmpty(a) || isEmpty(b)) return EMPTY;
  let children: Map<string, FieldSet> | undefined;
  if (a.children && b.children) {
    children = new Map();
    for (const [k, v] of a.children) {
      const other = b.children.get(k);
      if (!other) continue;
      const both = intersection(v, other);
      if (!isEmpty(both)) children.set(k, both);
    }
  }
  return make(!!a.self && !!b.self, children);
}

export function equalSets(a: FieldSet, b: FieldSet): boolean {
  if (!!a.self !== !!b.self) return false;
  const ac = a.children?.size ?? 0;
  if (ac !== (b.children?.size ?? 0)) return false;
  if (ac === 0) return true;
  for (const [k, v] of a.children!) {
    const other = b.children!.get(k);
    if (!other || !equalSets(v, other)) return false;
  }
  return true;
}

/** Every member path, in FieldsV1 key order. */
export function memberPaths(s: FieldSet, prefix: string[] = []): string[][] {
  const out: string[][] = [];
  if (s.self) out.push(prefix);
  if (s.children) {
    for (const k of [...s.children.keys()].sort()) out.push(...memberPaths(s.children.get(k)!, [...prefix, k]));
  }
  return out;
}

// ---- FieldsV1 ----------------------------------------------------------------

export type FieldsV1 = { [key: string]: FieldsV1 };

export function toFieldsV1(s: FieldSet): FieldsV1 {
  const out: FieldsV1 = {};
  if (s.children) {
    if (s.self) out['.'] = {};
    for (const k of [...s.children.keys()].sort()) out[k] = toFieldsV1(s.children.get(k)!);
  }
  return out;
}

/** The set a FieldsV1 document describes; throws on anything that is not one. */
export function fromFieldsV1(doc: unknown, root = true): FieldSet {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('FieldsV1 must be a JSON object');
  const keys = Object.keys(doc);
  if (keys.length === 0) return root ? EMPTY : { self: true };
  let self = false;
  const children = new Map<string, FieldSet>();
  for (const k of keys) {
    if (k === '.') {
      self = true;
      continue;
    }
    if (!/^[fkvi]:/.test(k)) throw new Error(`unknown path element "${k}" in FieldsV1`);
    children.set(k, fromFieldsV1((doc as Record<string, unknown>)[k], false));
  }
  return make(self, children);
}

// ---- path elements -------------------------------------------------------------

export const fieldKey = (name: string): string => `f:${name}`;
export const setItemKey = (value: unknown): string => `v:${JSON.stringify(value)}`;
export const mapItemKey = (keys: Record<string, unknown>): string => `k:${JSON.stringify(keys)}`;

/** `.spec.template.spec.containers[name="main"].image`, as structured-merge-diff prints paths. */
export function formatPath(path: readonly string[]): string {
  let out = '';
  for (const el of path) {
    const body = el.slice(2);
    switch (el[0]) {
      case 'f':
        out += `.${body}`;
        break;
      case 'k': {
        const keys = JSON.parse(body) as Record<string, unknown>;
        out += `[${Object.entries(keys).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
        break;
      }
      case 'v':
        out += `[=${body}]`;
        break;
      default:
        out += `[${body}]`;
    }
  }
  return out;
}

/** Whether `path` is a member of the set. */
export function hasPath(s: FieldSet, path: readonly string[]): boolean {
  let node: FieldSet | undefined = s;
  for (const el of path) {
    node = node.children?.get(el);
    if (!node) return false;
  }
  return !!node.self;
}
