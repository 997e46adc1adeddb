// Field selectors (`fieldSelector=metadata.name=x,spec.nodeName!=y`) and the
// selectable fields of each kind, as Kubernetes offers them.

import { errors } from './errors';

export interface FieldRequirement {
  field: string;
  operator: 'Equals' | 'NotEquals';
  value: string;
}

// Longest first so `!=` and `==` win over `=` at the same position.
const OPERATORS: ReadonlyArray<[string, FieldRequirement['operator']]> = [
  ['!=', 'NotEquals'],
  ['==', 'Equals'],
  ['=', 'Equals'],
];

/** Escapes `\`, `,` and `=` in a value (fields.EscapeValue). */
export function escapeFieldValue(value: string): string {
  return value.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** Undoes escapeFieldValue; an unknown escape or an unescaped `,`/`=` is an error. */
export function unescapeFieldValue(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\') {
      const n = value[i + 1];
      if (n !== '\\' && n !== ',' && n !== '=') {
        throw errors.badRequest(`invalid field selector: invalid escape sequence: ${value.slice(i, i + 2)}`);
      }
      out += n;
      i++;
    } else if (c === ',' || c === '=') {
      throw errors.badRequest(`invalid field selector: unescaped ${c} in value: ${value}`);
    } else {
      out += c;
    }
  }
  return out;
}

/** Splits on commas that are not escaped. */
function splitTerms(input: string): string[] {
  const terms: string[] = [];
  let start = 0;
  for (let i = 0; i < input.length; i++) {
    if (input[i] === '\\') i++;
    else if (input[i] === ',') {
      terms.push(input.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(input.slice(start));
  return terms;
}

function splitTerm(term: string): FieldRequirement | undefined {
  for (let i = 0; i < term.length; i++) {
    if (term[i] === '\\') {
      i++;
      continue;
    }
    for (const [op, operator] of OPERATORS) {
      if (term.startsWith(op, i)) {
        return { field: term.slice(0, i), operator, value: term.slice(i + op.length) };
      }
    }
  }
  return undefined;
}

/** Parses a field selector string; `""` selects everything. Throws errors.badRequest on bad syntax. */
export function parseFieldSelector(input: string): FieldRequirement[] {
  if (input.trim() === '') return [];
  const out: FieldRequirement[] = [];
  for (const term of splitTerms(input)) {
    if (term === '') continue;
    const r = splitTerm(term);
    if (!r) throw errors.badRequest(`invalid selector: '${input}'; can't understand '${term}'`);
    out.push({ field: r.field.trim(), operator: r.operator, value: unescapeFieldValue(r.value) });
  }
  return out;
}

/** The canonical string form, values escaped. */
export function fieldSelectorToString(reqs: readonly FieldRequirement[]): string {
  return reqs.map((r) => `${r.field}${r.operator === 'Equals' ? '=' : '!='}${escapeFieldValue(r.value)}`).join(',');
}

/** True when every requirement holds against the object's field values; a missing field reads as "". */
export function matchesFields(reqs: readonly FieldRequirement[], fields: Record<string, string>): boolean {
  return reqs.every((r) => {
    const v = fields[r.field] ?? '';
    return r.operator === 'Equals' ? v === r.value : v !== r.value;
  });
}

type Obj = Record<string, unknown>;

function get(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Obj)[part];
  }
  return cur;
}

function text(v: unknown): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : String(v);
}

// Fields selectable beyond metadata.name/metadata.namespace, by resource plural;
// each maps the selector name to the object path it reads.
const KIND_FIELDS: Record<string, Record<string, (o: unknown) => string>> = {
  pods: {
    'spec.nodeName': (o) => text(get(o, 'spec.nodeName')),
    'spec.restartPolicy': (o) => text(get(o, 'spec.restartPolicy')),
    'spec.schedulerName': (o) => text(get(o, 'spec.schedulerName')),
    'spec.serviceAccountName': (o) => text(get(o, 'spec.serviceAccountName')),
    'spec.hostNetwork': (o) => String(get(o, 'spec.hostNetwork') === true),
    'status.phase': (o) => text(get(o, 'status.phase')),
    'status.podIP': (o) => text(get(o, 'status.podIP')),
    'status.nominatedNodeName': (o) => text(get(o, 'status.nominatedNodeName')),
  },
  events: {
    'involvedObject.kind': (o) => text(get(o, 'involvedObject.kind')),
    'involvedObject.namespace': (o) => text(get(o, 'involvedObject.namespace')),
    'involvedObject.name': (o) => text(get(o, 'involvedObject.name')),
    'involvedObject.uid': (o) => text(get(o, 'involvedObject.uid')),
    'involvedObject.apiVersion': (o) => text(get(o, 'involvedObject.apiVersion')),
    'involvedObject.resourceVersion': (o) => text(get(o, 'involvedObject.resourceVersion')),
    'involvedObject.fieldPath': (o) => text(get(o, 'involvedObject.fieldPath')),
    reason: (o) => text(get(o, 'reason')),
    reportingComponent: (o) => text(get(o, 'reportingComponent')),
    source: (o) => text(get(o, 'source.component')),
    type: (o) => text(get(o, 'type')),
  },
  nodes: {
    'spec.unschedulable': (o) => String(get(o, 'spec.unschedulable') === true),
  },
  secrets: {
    type: (o) => text(get(o, 'type')),
  },
  namespaces: {
    'status.phase': (o) => text(get(o, 'status.phase')),
  },
  replicasets: {
    'status.replicas': (o) => String(Number(get(o, 'status.replicas') ?? 0)),
  },
  jobs: {
    'status.successful': (o) => String(Number(get(o, 'status.successful') ?? 0)),
  },
};

/** Names of the fields a resource can be selected by, metadata.name first. */
export function selectableFields(resourcePlural: string): string[] {
  return ['metadata.name', 'metadata.namespace', ...Object.keys(KIND_FIELDS[resourcePlural] ?? {})];
}

/** The selectable field values of one object of the given resource. */
export function fieldsOf(resourcePlural: string, obj: unknown): Record<string, string> {
  const out: Record<string, string> = {
    'metadata.name': text(get(obj, 'metadata.name')),
    'metadata.namespace': text(get(obj, 'metadata.namespace')),
  };
  for (const [name, read] of Object.entries(KIND_FIELDS[resourcePlural] ?? {})) out[name] = read(obj);
  return out;
}

/** Throws errors.badRequest when a requirement names a field the resource cannot be selected by. */
export function checkFieldSelector(resourcePlural: string, reqs: readonly FieldRequirement[]): void {
  const known = selectableFields(resourcePlural);
  for (const r of reqs) {
    if (!known.includes(r.field)) {
      throw errors.badRequest(`"${r.field}" is not a known field selector: only ${known.map((k) => `"${k}"`).join(', ')}`);
    }
  }
}

/** Parses and checks a field selector for a resource in one step. */
export function parseFieldSelectorFor(resourcePlural: string, input: string): FieldRequirement[] {
  const reqs = parseFieldSelector(input);
  checkFieldSelector(resourcePlural, reqs);
  return reqs;
}
