// Label selectors (the `-l` / `labelSelector=` string and the LabelSelector
// object) and Kubernetes' label key/value and name syntax rules.

import { errors } from './errors';

export type SelectorOperator = 'Equals' | 'NotEquals' | 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'GreaterThan' | 'LessThan';

/** One requirement of a selector; a selector matches when all of its requirements do. */
export interface Requirement {
  key: string;
  operator: SelectorOperator;
  /** Sorted; one value for Equals/NotEquals/GreaterThan/LessThan, none for Exists/DoesNotExist. */
  values: string[];
}

/** A parsed selector. `[]` selects everything; `null` (from a nil LabelSelector) selects nothing. */
export type Selector = Requirement[];

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

/** metav1.LabelSelector as it appears in specs. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

// ---------------------------------------------------------------------------
// Name syntax (k8s.io/apimachinery/pkg/util/validation), messages as Kubernetes words them.

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN = `${DNS1123_LABEL}(\\.${DNS1123_LABEL})*`;
const DNS1035_LABEL = '[a-z]([-a-z0-9]*[a-z0-9])?';
const QUALIFIED_NAME_PART = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_VALUE = `(${QUALIFIED_NAME_PART})?`;

const dns1123LabelRe = new RegExp(`^${DNS1123_LABEL}$`);
const dns1123SubdomainRe = new RegExp(`^${DNS1123_SUBDOMAIN}$`);
const dns1035LabelRe = new RegExp(`^${DNS1035_LABEL}$`);
const qualifiedNamePartRe = new RegExp(`^${QUALIFIED_NAME_PART}$`);
const labelValueRe = new RegExp(`^${LABEL_VALUE}$`);

function maxLenError(n: number): string {
  return `must be no more than ${n} characters`;
}

function regexError(what: string, re: string, ...examples: string[]): string {
  const ex = examples.map((e) => `'${e}'`).join(',  or ');
  return `${what} (e.g. ${ex}, regex used for validation is '${re}')`;
}

/** Errors (empty when valid) for a lowercase RFC 1123 label such as a namespace name. */
export function validateDns1123Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push(maxLenError(63));
  if (!dns1123LabelRe.test(value)) {
    errs.push(regexError("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character", DNS1123_LABEL, 'my-name', '123-abc'));
  }
  return errs;
}

/** Errors for a lowercase RFC 1123 subdomain, the rule for most object names. */
export function validateDns1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push(maxLenError(253));
  if (!dns1123SubdomainRe.test(value)) {
    errs.push(regexError("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character", DNS1123_SUBDOMAIN, 'example.com'));
  }
  return errs;
}

/** Errors for a DNS-1035 label, the rule for Service names. */
export function validateDns1035Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push(maxLenError(63));
  if (!dns1035LabelRe.test(value)) {
    errs.push(regexError("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character", DNS1035_LABEL, 'my-name', 'abc-123'));
  }
  return errs;
}

/** Errors for a qualified name (`[prefix/]name`): label keys, annotation keys, taint keys. */
export function validateQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0];
  } else if (parts.length === 2) {
    const [prefix, n] = parts;
    name = n;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else errs.push(...validateDns1123Subdomain(prefix).map((e) => `prefix part ${e}`));
  } else {
    return [
      regexError("a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", QUALIFIED_NAME_PART, 'MyName', 'my.name', '123-abc') +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push(`name part ${maxLenError(63)}`);
  if (name.length > 0 && !qualifiedNamePartRe.test(name)) {
    errs.push(regexError("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", QUALIFIED_NAME_PART, 'MyName', 'my.name', '123-abc'));
  }
  return errs;
}

/** Errors for a label key (a qualified name). */
export function validateLabelKey(key: string): string[] {
  return validateQualifiedName(key);
}

/** Errors for a label value: empty, or ≤63 characters of `[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?`. */
export function validateLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push(maxLenError(63));
  if (!labelValueRe.test(value)) {
    errs.push(regexError("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", LABEL_VALUE, 'MyValue', 'my_value', '12345'));
  }
  return errs;
}

// ---------------------------------------------------------------------------
// Selector string lexer and parser (k8s.io/apimachinery/pkg/labels/selector.go grammar):
//   selector    ::= requirement ("," requirement)*
//   requirement ::= ["!"] KEY [ ("in"|"notin") "(" VALUE ("," VALUE)* ")" | ("="|"=="|"!="|">"|"<") VALUE ]

type TokenKind = 'identifier' | 'in' | 'notin' | '!' | '=' | '==' | '!=' | '>' | '<' | ',' | '(' | ')' | 'end';

interface Token {
  kind: TokenKind;
  text: string;
}

const SPECIAL = new Set(['!', '=', '>', '<', ',', '(', ')']);

function lex(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (SPECIAL.has(c)) {
      const two = input.slice(i, i + 2);
      if (two === '!=' || two === '==') {
        tokens.push({ kind: two, text: two });
        i += 2;
      } else {
        tokens.push({ kind: c as TokenKind, text: c });
        i++;
      }
      continue;
    }
    let j = i;
    while (j < input.length && !SPECIAL.has(input[j]) && !/\s/.test(input[j])) j++;
    const text = input.slice(i, j);
    const kind: TokenKind = text === 'in' ? 'in' : text === 'notin' ? 'notin' : 'identifier';
    tokens.push({ kind, text });
    i = j;
  }
  tokens.push({ kind: 'end', text: '' });
  return tokens;
}

class SelectorParser {
  private pos = 0;
  private readonly tokens: Token[];

  constructor(private readonly input: string) {
    this.tokens = lex(input);
  }

  parse(): Requirement[] {
    const out: Requirement[] = [];
    if (this.peek().kind === 'end') return out;
    for (;;) {
      out.push(this.requirement());
      const t = this.next();
      if (t.kind === 'end') return out;
      if (t.kind !== ',') this.fail(t, "',' or 'end of string'");
      if (this.peek().kind === 'end') this.fail(this.peek(), 'identifier after \',\'');
    }
  }

  private requirement(): Requirement {
    let t = this.next();
    if (t.kind === '!') {
      const key = this.next();
      if (key.kind !== 'identifier') this.fail(key, "identifier after '!'");
      this.checkKey(key.text);
      const after = this.peek();
      if (after.kind !== ',' && after.kind !== 'end') this.fail(after, "',' or 'end of string' after '!key'");
      return { key: key.text, operator: 'DoesNotExist', values: [] };
    }
    if (t.kind !== 'identifier') this.fail(t, 'identifier');
    const key = t.text;
    this.checkKey(key);
    t = this.peek();
    if (t.kind === ',' || t.kind === 'end') return { key, operator: 'Exists', values: [] };
    this.next();
    switch (t.kind) {
      case 'in':
      case 'notin': {
        const values = this.valueSet();
        return { key, operator: t.kind === 'in' ? 'In' : 'NotIn', values };
      }
      case '=':
      case '==':
      case '!=': {
        const value = this.exactValue();
        return { key, operator: t.kind === '!=' ? 'NotEquals' : 'Equals', values: [value] };
      }
      case '>':
      case '<': {
        const v = this.next();
        if (v.kind !== 'identifier' || !/^-?\d+$/.test(v.text)) this.fail(v, 'an integer value');
        return { key, operator: t.kind === '>' ? 'GreaterThan' : 'LessThan', values: [v.text] };
      }
      default:
        return this.fail(t, "'=', '!=', '==', 'in', 'notin', '>' or '<'");
    }
  }

  private exactValue(): string {
    const t = this.peek();
    if (t.kind === ',' || t.kind === 'end') return '';
    this.next();
    // `in` and `notin` are ordinary values after an operator.
    if (t.kind !== 'identifier' && t.kind !== 'in' && t.kind !== 'notin') this.fail(t, 'a value');
    this.checkValue(t.text);
    return t.text;
  }

  private valueSet(): string[] {
    const open = this.next();
    if (open.kind !== '(') this.fail(open, "'('");
    const values = new Set<string>();
    for (;;) {
      let t = this.next();
      if (t.kind === ')' && values.size === 0) {
        // `in ()` selects the empty value, as Kubernetes does.
        values.add('');
        break;
      }
      if (t.kind === ',' || t.kind === ')') {
        values.add('');
      } else if (t.kind === 'identifier' || t.kind === 'in' || t.kind === 'notin') {
        this.checkValue(t.text);
        values.add(t.text);
        t = this.next();
      } else {
        this.fail(t, 'a value, \',\' or \')\'');
      }
      if (t.kind === ')') break;
      if (t.kind !== ',') this.fail(t, "',' or ')'");
    }
    return [...values].sort();
  }

  private checkKey(key: string): void {
    const errs = validateLabelKey(key);
    if (errs.length > 0) {
      throw errors.badRequest(`unable to parse requirement: key: Invalid value: "${key}": ${errs.join('; ')}`);
    }
  }

  private checkValue(value: string): void {
    const errs = validateLabelValue(value);
    if (errs.length > 0) {
      throw errors.badRequest(`unable to parse requirement: values[0]: Invalid value: "${value}": ${errs.join('; ')}`);
    }
  }

  private peek(): Token {
    return this.tokens[this.pos];
  }

  private next(): Token {
    const t = this.tokens[this.pos];
    if (t.kind !== 'end') this.pos++;
    return t;
  }

  private fail(t: Token, expected: string): never {
    const found = t.kind === 'end' ? 'end of string' : t.text;
    throw errors.badRequest(`unable to parse label selector "${this.input}": found '${found}', expected: ${expected}`);
  }
}

function sortByKey(reqs: Requirement[]): Requirement[] {
  return reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Parses `a=b,c==d,e!=f,g in (x,y),h notin (z),i,!j`; throws errors.badRequest on bad syntax. */
export function parseLabelSelector(input: string): Selector {
  return sortByKey(new SelectorParser(input).parse());
}

/** Converts a LabelSelector object; `undefined`/`null` selects nothing (returns null), `{}` everything. */
export function labelSelectorToSelector(ls: LabelSelector | null | undefined): Selector | null {
  if (ls === null || ls === undefined) return null;
  const out: Requirement[] = [];
  for (const [key, value] of Object.entries(ls.matchLabels ?? {})) {
    const ke = validateLabelKey(key);
    if (ke.length > 0) throw errors.badRequest(`key: Invalid value: "${key}": ${ke.join('; ')}`);
    const ve = validateLabelValue(value);
    if (ve.length > 0) throw errors.badRequest(`values[0][${key}]: Invalid value: "${value}": ${ve.join('; ')}`);
    out.push({ key, operator: 'Equals', values: [value] });
  }
  for (const expr of ls.matchExpressions ?? []) {
    const values = [...new Set(expr.values ?? [])].sort();
    let operator: SelectorOperator;
    switch (expr.operator) {
      case 'In':
        operator = 'In';
        break;
      case 'NotIn':
        operator = 'NotIn';
        break;
      case 'Exists':
        operator = 'Exists';
        break;
      case 'DoesNotExist':
        operator = 'DoesNotExist';
        break;
      default:
        throw errors.badRequest(`"${expr.operator}" is not a valid label selector operator`);
    }
    if ((operator === 'In' || operator === 'NotIn') && values.length === 0) {
      throw errors.badRequest("values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty");
    }
    if ((operator === 'Exists' || operator === 'DoesNotExist') && values.length > 0) {
      throw errors.badRequest("values: Invalid value: []string{...}: values set must be empty for exists and does not exist");
    }
    const ke = validateLabelKey(expr.key);
    if (ke.length > 0) throw errors.badRequest(`key: Invalid value: "${expr.key}": ${ke.join('; ')}`);
    out.push({ key: expr.key, operator, values });
  }
  return sortByKey(out);
}

function asInteger(s: string): number | undefined {
  return /^-?\d+$/.test(s) ? Number(s) : undefined;
}

function requirementMatches(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case 'Equals':
    case 'In':
      return has && r.values.includes(value as string);
    case 'NotEquals':
    case 'NotIn':
      return !has || !r.values.includes(value as string);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'GreaterThan':
    case 'LessThan': {
      if (!has) return false;
      const lv = asInteger(value as string);
      const rv = asInteger(r.values[0]);
      if (lv === undefined || rv === undefined) return false;
      return r.operator === 'GreaterThan' ? lv > rv : lv < rv;
    }
  }
}

/** True when every requirement holds; a null selector matches nothing. */
export function matches(selector: Selector | null, labels: Record<string, string> | undefined): boolean {
  if (selector === null) return false;
  const l = labels ?? {};
  return selector.every((r) => requirementMatches(r, l));
}

function requirementToString(r: Requirement): string {
  switch (r.operator) {
    case 'Equals':
      return `${r.key}=${r.values[0]}`;
    case 'NotEquals':
      return `${r.key}!=${r.values[0]}`;
    case 'In':
      return `${r.key} in (${r.values.join(',')})`;
    case 'NotIn':
      return `${r.key} notin (${r.values.join(',')})`;
    case 'Exists':
      return r.key;
    case 'DoesNotExist':
      return `!${r.key}`;
    case 'GreaterThan':
      return `${r.key}>${r.values[0]}`;
    case 'LessThan':
      return `${r.key}<${r.values[0]}`;
  }
}

/** The canonical string form (`app=web,tier in (a,b)`), parseable by parseLabelSelector. */
export function selectorToString(selector: Selector): string {
  return selector.map(requirementToString).join(',');
}

/** `{app: 'web'}` as the selector `app=web` (sorted by key): what Scale's status.selector carries. */
export function selectorFromSet(set: Record<string, string>): Selector {
  return sortByKey(Object.entries(set).map(([key, v]) => ({ key, operator: 'Equals' as const, values: [v] })));
}
