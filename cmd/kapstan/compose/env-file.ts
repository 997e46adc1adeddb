// Reading `.env` and `env_file` files the way Compose reads them: `KEY=VALUE`
// lines, optional `export ` prefix, `#` comment lines and ` #` trailing comments
// on unquoted values, 'single quotes' literal, "double quotes" with \n \t \" \\
// escapes. Unquoted and double-quoted values are interpolated from the
// variables defined above them, then from `lookup`. A bare `KEY` takes its
// value from `lookup` and is left out when that has none.
import { interpolate, type Lookup } from './interpolate';

export class EnvFileError extends Error {}

export function parseEnvFile(text: string, source: string, lookup: Lookup = () => undefined): Map<string, string> {
  const vars = new Map<string, string>();
  const resolve: Lookup = (name) => vars.get(name) ?? lookup(name);
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) return;
    const body = line.startsWith('export ') ? line.slice('export '.length).trimStart() : line;
    const eq = body.indexOf('=');
    const key = (eq < 0 ? body : body.slice(0, eq)).trim();
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key)) {
      throw new EnvFileError(`${source}:${index + 1}: invalid variable name ${JSON.stringify(key)}`);
    }
    if (eq < 0) {
      const inherited = lookup(key);
      if (inherited !== undefined) vars.set(key, inherited);
      return;
    }
    vars.set(key, parseValue(body.slice(eq + 1).trim(), resolve, `${source}:${index + 1}`));
  });
  return vars;
}

function parseValue(raw: string, lookup: Lookup, where: string): string {
  const quote = raw[0];
  if (quote === "'" || quote === '"') {
    const close = closingQuote(raw, quote);
    if (close < 0) throw new EnvFileError(`${where}: unterminated ${quote === '"' ? 'double' : 'single'} quote`);
    const inner = raw.slice(1, close);
    if (quote === "'") return inner;
    return interpolate(unescapeDoubleQuoted(inner), lookup);
  }
  const comment = raw.search(/\s#/);
  return interpolate(comment >= 0 ? raw.slice(0, comment).trimEnd() : raw, lookup);
}

function closingQuote(raw: string, quote: string): number {
  for (let i = 1; i < raw.length; i++) {
    if (quote === '"' && raw[i] === '\\') i++;
    else if (raw[i] === quote) return i;
  }
  return -1;
}

function unescapeDoubleQuoted(s: string): string {
  return s.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t', r: '\r' } as Record<string, string>)[c] ?? c);
}
