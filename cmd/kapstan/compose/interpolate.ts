// Variable interpolation as Compose does it in a compose file's values:
// `$VAR`, `${VAR}`, `${VAR:-default}` / `${VAR-default}` (default when unset or
// empty / only when unset), `${VAR:+alt}` / `${VAR+alt}`, `${VAR:?err}` /
// `${VAR?err}` (a required variable), `$$` for a literal `$`. Defaults may
// themselves contain interpolations, e.g. `${A:-${B:-x}}`.

export type Lookup = (name: string) => string | undefined;

export class InterpolationError extends Error {}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

/**
 * Interpolates one string. `onUnset` hears about every variable that was used
 * without a value and without a default (Compose warns and uses "").
 */
export function interpolate(text: string, lookup: Lookup, onUnset: (name: string) => void = () => {}): string {
  const { value } = scan(text, 0, lookup, onUnset, false);
  return value;
}

/** Scans from `start`; inside a `${...}` default it stops at the matching `}` and returns its index. */
function scan(text: string, start: number, lookup: Lookup, onUnset: (n: string) => void, nested: boolean): { value: string; end: number } {
  let out = '';
  let i = start;
  while (i < text.length) {
    const ch = text[i];
    if (nested && ch === '}') return { value: out, end: i };
    if (ch !== '$') {
      out += ch;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '{') {
      const r = braced(text, i + 2, lookup, onUnset);
      out += r.value;
      i = r.end + 1;
    } else if (next !== undefined && NAME_START.test(next)) {
      let j = i + 1;
      while (j < text.length && NAME_CHAR.test(text[j])) j++;
      const name = text.slice(i + 1, j);
      const v = lookup(name);
      if (v === undefined) onUnset(name);
      out += v ?? '';
      i = j;
    } else {
      throw new InterpolationError(`invalid interpolation format for "${text}": a "$" must be followed by a name, "{" or "$" (write "$$" for a literal "$")`);
    }
  }
  if (nested) throw new InterpolationError(`invalid interpolation format for "${text}": missing "}"`);
  return { value: out, end: i };
}

/** Parses `NAME[op word]}` starting right after `${`; returns the value and the index of the closing `}`. */
function braced(text: string, start: number, lookup: Lookup, onUnset: (n: string) => void): { value: string; end: number } {
  let j = start;
  while (j < text.length && NAME_CHAR.test(text[j])) j++;
  const name = text.slice(start, j);
  if (name === '' || !NAME_START.test(name[0])) {
    throw new InterpolationError(`invalid interpolation format for "${text}": "\${" must be followed by a variable name`);
  }
  const v = lookup(name);
  if (text[j] === '}') {
    if (v === undefined) onUnset(name);
    return { value: v ?? '', end: j };
  }
  const colon = text[j] === ':';
  const op = text[colon ? j + 1 : j];
  if (op !== '-' && op !== '+' && op !== '?') {
    throw new InterpolationError(`invalid interpolation format for "${text}": unexpected "${text.slice(j, j + 2)}" after \${${name}`);
  }
  // The word is interpolated lazily in Compose too, but unset variables inside
  // an unused default are not worth a warning, so collect them and report only when used.
  const unsetInWord: string[] = [];
  const word = scan(text, j + (colon ? 2 : 1), lookup, (n) => unsetInWord.push(n), true);
  const set = colon ? v !== undefined && v !== '' : v !== undefined;
  const useWord = () => {
    unsetInWord.forEach(onUnset);
    return word.value;
  };
  switch (op) {
    case '-':
      return { value: set ? (v as string) : useWord(), end: word.end };
    case '+':
      return { value: set ? useWord() : '', end: word.end };
    default:
      if (!set) {
        const detail = word.value || (colon ? 'must be set and not empty' : 'must be set');
        throw new InterpolationError(`required variable ${name} is missing a value: ${detail}`);
      }
      return { value: v as string, end: word.end };
  }
}

/** Interpolates every string value (not the keys) of a parsed YAML tree. */
export function interpolateTree(value: unknown, lookup: Lookup, onUnset: (name: string) => void): unknown {
  if (typeof value === 'string') return interpolate(value, lookup, onUnset);
  if (Array.isArray(value)) return value.map((v) => interpolateTree(v, lookup, onUnset));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolateTree(v, lookup, onUnset);
    return out;
  }
  return value;
}
