// kubectl's JSONPath templates (-o jsonpath=…): literal text, `{.path}`,
// `{"literal"}`, `{range .path}…{end}`; paths with `.field`, `..field`, `*`,
// `[n]`, `[a:b]`, `['key']`, `[?(@.f=="v")]`. Missing keys print nothing.

type Node =
  | { type: 'text'; text: string }
  | { type: 'path'; segments: Segment[] }
  | { type: 'range'; segments: Segment[]; body: Node[] };

type Segment =
  | { kind: 'field'; name: string }
  | { kind: 'recursive'; name: string | '*' }
  | { kind: 'wildcard' }
  | { kind: 'index'; start?: number; end?: number; single: boolean }
  | { kind: 'keys'; names: string[] }
  | { kind: 'filter'; path: Segment[]; op?: string; value?: unknown };

export class JsonPathError extends Error {
  override name = 'JsonPathError';
}

export function compileJsonPath(template: string): (data: unknown) => string {
  const src = template.includes('{') ? template : `{${template}}`;
  const { nodes, rest } = parseNodes(src, 0, false);
  if (rest !== src.length) throw new JsonPathError(`unexpected {end} in ${template}`);
  return (data) => render(nodes, data, data);
}

function parseNodes(src: string, pos: number, inRange: boolean): { nodes: Node[]; rest: number } {
  const nodes: Node[] = [];
  while (pos < src.length) {
    const open = src.indexOf('{', pos);
    if (open < 0) {
      nodes.push({ type: 'text', text: src.slice(pos) });
      return { nodes, rest: src.length };
    }
    if (open > pos) nodes.push({ type: 'text', text: src.slice(pos, open) });
    const close = findClose(src, open);
    const inner = src.slice(open + 1, close).trim();
    pos = close + 1;
    if (inner === 'end') {
      if (!inRange) throw new JsonPathError('{end} without {range}');
      return { nodes, rest: pos };
    }
    if (inner.startsWith('range ')) {
      const body = parseNodes(src, pos, true);
      nodes.push({ type: 'range', segments: parsePath(inner.slice(6).trim()), body: body.nodes });
      pos = body.rest;
      continue;
    }
    if (inner.startsWith('"') || inner.startsWith("'")) {
      nodes.push({ type: 'text', text: unquote(inner) });
      continue;
    }
    nodes.push({ type: 'path', segments: parsePath(inner) });
  }
  if (inRange) throw new JsonPathError('{range} without {end}');
  return { nodes, rest: pos };
}

function findClose(src: string, open: number): number {
  let quote: string | undefined;
  for (let i = open + 1; i < src.length; i++) {
    const c = src[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '}') return i;
  }
  throw new JsonPathError(`unclosed action in template: ${src.slice(open)}`);
}

function unquote(s: string): string {
  const body = s.slice(1, -1);
  return body.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t', r: '\r' })[c as 'n'] ?? c);
}

function parsePath(expr: string): Segment[] {
  let s = expr.trim();
  if (s.startsWith('$') || s.startsWith('@')) s = s.slice(1);
  const segments: Segment[] = [];
  let i = 0;
  const readName = () => {
    let name = '';
    while (i < s.length && !'.['.includes(s[i])) {
      if (s[i] === '\\' && i + 1 < s.length) {
        name += s[i + 1];
        i += 2;
      } else name += s[i++];
    }
    return name;
  };
  while (i < s.length) {
    if (s.startsWith('..', i)) {
      i += 2;
      const name = readName();
      segments.push({ kind: 'recursive', name: name === '' || name === '*' ? '*' : name });
    } else if (s[i] === '.') {
      i++;
      const name = readName();
      if (name === '*') segments.push({ kind: 'wildcard' });
      else if (name !== '') segments.push({ kind: 'field', name });
    } else if (s[i] === '[') {
      const close = findBracket(s, i);
      segments.push(parseBracket(s.slice(i + 1, close).trim()));
      i = close + 1;
    } else {
      const name = readName();
      if (name) segments.push({ kind: 'field', name });
    }
  }
  return segments;
}

function findBracket(s: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[') depth++;
    else if (c === ']' && --depth === 0) return i;
  }
  throw new JsonPathError(`unclosed [ in ${s}`);
}

function parseBracket(inner: string): Segment {
  if (inner === '*') return { kind: 'wildcard' };
  if (inner.startsWith('?(') && inner.endsWith(')')) {
    const body = inner.slice(2, -1).trim();
    const m = /^(@[^!=<>\s]*)\s*(==|!=|<=|>=|<|>)\s*(.+)$/.exec(body);
    if (!m) return { kind: 'filter', path: parsePath(body) };
    const raw = m[3].trim();
    const value = /^['"]/.test(raw) ? unquote(raw) : raw === 'true' ? true : raw === 'false' ? false : Number(raw);
    return { kind: 'filter', path: parsePath(m[1]), op: m[2], value };
  }
  if (/^['"]/.test(inner)) return { kind: 'keys', names: inner.split(/\s*,\s*/).map(unquote) };
  const slice = /^(-?\d*)\s*:\s*(-?\d*)$/.exec(inner);
  if (slice) return { kind: 'index', start: slice[1] ? Number(slice[1]) : undefined, end: slice[2] ? Number(slice[2]) : undefined, single: false };
  if (/^-?\d+$/.test(inner)) return { kind: 'index', start: Number(inner), single: true };
  throw new JsonPathError(`unsupported JSONPath subscript [${inner}]`);
}

function evaluate(segments: Segment[], root: unknown): unknown[] {
  let current: unknown[] = [root];
  for (const seg of segments) {
    const next: unknown[] = [];
    for (const v of current) next.push(...step(seg, v));
    current = next;
  }
  return current;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function step(seg: Segment, v: unknown): unknown[] {
  switch (seg.kind) {
    case 'field':
      return isObject(v) && seg.name in v ? [v[seg.name]] : [];
    case 'keys':
      return isObject(v) ? seg.names.filter((n) => n in v).map((n) => v[n]) : [];
    case 'wildcard':
      return Array.isArray(v) ? v : isObject(v) ? Object.values(v) : [];
    case 'recursive': {
      const out: unknown[] = [];
      const walk = (x: unknown) => {
        if (isObject(x)) {
          if (seg.name === '*') out.push(...Object.values(x));
          else if (seg.name in x) out.push(x[seg.name]);
          Object.values(x).forEach(walk);
        } else if (Array.isArray(x)) {
          if (seg.name === '*') out.push(...x);
          x.forEach(walk);
        }
      };
      walk(v);
      return out;
    }
    case 'index': {
      if (!Array.isArray(v)) return [];
      const norm = (n: number) => (n < 0 ? v.length + n : n);
      if (seg.single) {
        const i = norm(seg.start!);
        return i >= 0 && i < v.length ? [v[i]] : [];
      }
      return v.slice(seg.start === undefined ? 0 : norm(seg.start), seg.end === undefined ? v.length : norm(seg.end));
    }
    case 'filter': {
      const items = Array.isArray(v) ? v : [];
      return items.filter((item) => {
        const found = evaluate(seg.path, item);
        if (seg.op === undefined) return found.length > 0;
        return found.some((x) => compare(x, seg.op!, seg.value));
      });
    }
  }
}

function compare(a: unknown, op: string, b: unknown): boolean {
  switch (op) {
    case '==':
      return a === b || String(a) === String(b);
    case '!=':
      return !(a === b || String(a) === String(b));
    case '<':
      return Number(a) < Number(b);
    case '>':
      return Number(a) > Number(b);
    case '<=':
      return Number(a) <= Number(b);
    default:
      return Number(a) >= Number(b);
  }
}

function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function render(nodes: Node[], current: unknown, root: unknown): string {
  let out = '';
  for (const n of nodes) {
    if (n.type === 'text') out += n.text;
    else if (n.type === 'path') out += evaluate(n.segments, current).map(text).join(' ');
    else for (const item of evaluate(n.segments, current)) out += render(n.body, item, root);
  }
  return out;
}
