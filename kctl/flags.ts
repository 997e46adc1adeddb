// Command-line parsing in kubectl's style: `--flag value`, `--flag=value`,
// `-n value`, `-nvalue`, `-n=value`, boolean `--flag` / `--flag=false`,
// repeatable flags, and `--` ending the flags.

export type FlagType = 'string' | 'bool' | 'int' | 'strings';

export interface FlagSpec {
  name: string;
  short?: string;
  type: FlagType;
  help: string;
  default?: string | boolean | number;
}

export type FlagValues = Record<string, string | boolean | number | string[] | undefined>;

export interface ParsedArgs {
  positionals: string[];
  flags: FlagValues;
  /** Flags the user actually set (as opposed to defaults). */
  set: Set<string>;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[]): ParsedArgs {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  const flags: FlagValues = {};
  const set = new Set<string>();
  const positionals: string[] = [];
  for (const s of specs) if (s.default !== undefined) flags[s.name] = s.default;

  const assign = (spec: FlagSpec, raw: string | undefined, next: () => string | undefined) => {
    let value = raw;
    if (spec.type === 'bool') {
      if (value === undefined) value = 'true';
      if (value !== 'true' && value !== 'false') throw new UsageError(`invalid argument "${value}" for "--${spec.name}" flag: expected true or false`);
      flags[spec.name] = value === 'true';
    } else {
      if (value === undefined) value = next();
      if (value === undefined) throw new UsageError(`flag needs an argument: --${spec.name}`);
      if (spec.type === 'int') {
        if (!/^-?\d+$/.test(value)) throw new UsageError(`invalid argument "${value}" for "--${spec.name}" flag: not an integer`);
        flags[spec.name] = Number(value);
      } else if (spec.type === 'strings') {
        const list = set.has(spec.name) ? (flags[spec.name] as string[]) : [];
        flags[spec.name] = [...list, value];
      } else {
        flags[spec.name] = value;
      }
    }
    set.add(spec.name);
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = () => (i + 1 < argv.length ? argv[++i] : undefined);
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      const spec = byName.get(name);
      if (!spec) throw new UsageError(`unknown flag: --${name}`);
      assign(spec, eq < 0 ? undefined : arg.slice(eq + 1), next);
    } else if (arg.startsWith('-') && arg.length > 1) {
      const spec = byShort.get(arg[1]);
      if (!spec) throw new UsageError(`unknown shorthand flag: '${arg[1]}' in ${arg}`);
      const rest = arg.slice(2);
      if (spec.type === 'bool') {
        if (rest.startsWith('=')) assign(spec, rest.slice(1), next);
        else {
          assign(spec, undefined, next);
          // Combined short booleans: -Rf is not supported beyond one flag; treat the rest as an error.
          if (rest) throw new UsageError(`unexpected "${rest}" after -${arg[1]}`);
        }
      } else {
        assign(spec, rest === '' ? undefined : rest.startsWith('=') ? rest.slice(1) : rest, next);
      }
    } else {
      positionals.push(arg);
    }
  }
  return { positionals, flags, set };
}

export function str(flags: FlagValues, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function bool(flags: FlagValues, name: string): boolean {
  return flags[name] === true;
}

export function num(flags: FlagValues, name: string): number | undefined {
  const v = flags[name];
  return typeof v === 'number' ? v : undefined;
}

export function strs(flags: FlagValues, name: string): string[] {
  const v = flags[name];
  return Array.isArray(v) ? v : [];
}
