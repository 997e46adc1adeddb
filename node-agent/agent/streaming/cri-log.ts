// The CRI log format the shim writes (`TIMESTAMP stdout|stderr F|P content`)
// and what `kubectl logs` shows of it: pure functions, no file access.

export interface CriEntry {
  /** RFC 3339 with nanoseconds, as written by the shim. */
  time: string;
  stream: 'stdout' | 'stderr';
  /** P: the line continues in the next entry; F: the entry ends the line. */
  partial: boolean;
  content: string;
}

const CRI_LINE = /^(\S+) (stdout|stderr) ([FP])(?: (.*))?$/s;

export function parseCriLine(line: string): CriEntry | undefined {
  const m = CRI_LINE.exec(line);
  if (!m) return undefined;
  return { time: m[1], stream: m[2] as CriEntry['stream'], partial: m[3] === 'P', content: m[4] ?? '' };
}

export interface LogSelection {
  /** Only the last N lines (0 is allowed and selects none). */
  tailLines?: number;
  /** Only lines written at or after this time (ms since the epoch). */
  sinceMs?: number;
}

/** Milliseconds since the epoch of a CRI timestamp (nanoseconds are cut to ms). */
export function criTimeMs(time: string): number {
  return Date.parse(time.replace(/(\.\d{3})\d*Z$/, '$1Z'));
}

/**
 * Groups entries into the lines a user sees (P entries joined to the next F)
 * and keeps those the selection asks for. A trailing run of P entries is an
 * unfinished line and is kept as such.
 */
export function selectLines(entries: CriEntry[], selection: LogSelection): CriEntry[][] {
  const lines: CriEntry[][] = [];
  let current: CriEntry[] = [];
  for (const entry of entries) {
    current.push(entry);
    if (!entry.partial) {
      lines.push(current);
      current = [];
    }
  }
  if (current.length) lines.push(current);
  let kept = selection.sinceMs === undefined ? lines : lines.filter((l) => criTimeMs(l[0].time) >= selection.sinceMs!);
  if (selection.tailLines !== undefined) kept = selection.tailLines === 0 ? [] : kept.slice(-selection.tailLines);
  return kept;
}

/**
 * Turns entries into kubectl's output: the content, a newline after each F
 * entry, and with `timestamps` the line's first timestamp before it. Keeps
 * whether a line is open across calls, for follow.
 */
export class CriLogFormatter {
  private atLineStart = true;

  constructor(private readonly timestamps: boolean) {}

  format(entries: Iterable<CriEntry>): string {
    let out = '';
    for (const e of entries) {
      if (this.atLineStart && this.timestamps) out += `${e.time} `;
      out += e.content;
      if (!e.partial) out += '\n';
      this.atLineStart = !e.partial;
    }
    return out;
  }
}

/** Splits bytes into complete lines, keeping an unfinished last line for the next call. */
export class LineSplitter {
  private rest: Buffer = Buffer.alloc(0);

  push(data: Buffer): string[] {
    const buf = this.rest.length ? Buffer.concat([this.rest, data]) : data;
    const lines: string[] = [];
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl >= 0; nl = buf.indexOf(10, start)) {
      lines.push(buf.subarray(start, nl).toString('utf8'));
      start = nl + 1;
    }
    this.rest = Buffer.from(buf.subarray(start));
    return lines;
  }
}

export function parseCriLines(lines: string[]): CriEntry[] {
  const out: CriEntry[] = [];
  for (const l of lines) {
    const e = parseCriLine(l);
    if (e) out.push(e);
  }
  return out;
}
