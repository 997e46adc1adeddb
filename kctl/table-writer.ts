// Column layout of kubectl's human output: Go's tabwriter with minimum width
// 6, padding 3 and remembered widths; the last column is not padded.
const MIN_WIDTH = 6;
const PADDING = 3;

export class TableWriter {
  private widths: number[] = [];

  /** Lays out rows (the header is just the first row) and remembers the widths for later rows. */
  format(rows: readonly string[][]): string {
    for (const row of rows) {
      row.forEach((cell, i) => {
        if (i === row.length - 1) return;
        const w = Math.max(MIN_WIDTH, displayWidth(cell) + PADDING);
        if (w > (this.widths[i] ?? 0)) this.widths[i] = w;
      });
    }
    return rows
      .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat(Math.max(0, this.widths[i] - displayWidth(cell))))).join(''))
      .map((line) => line + '\n')
      .join('');
  }
}

function displayWidth(s: string): number {
  return [...s].length;
}

/** A table cell as kubectl prints it. */
export function cellText(cell: unknown): string {
  if (cell === null || cell === undefined) return '<none>';
  if (typeof cell === 'string') return cell;
  if (typeof cell === 'number' || typeof cell === 'boolean') return String(cell);
  return JSON.stringify(cell);
}
