// JSON Pointer (RFC 6901) parsing: "/a/b~1c/0" -> ["a", "b/c", "0"].

/** Splits a pointer into unescaped reference tokens; returns undefined if malformed. */
export function parseJsonPointer(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  const tokens: string[] = [];
  for (const raw of pointer.slice(1).split('/')) {
    // "~" may only start "~0" or "~1"; "~1" is unescaped before "~0" so "~01" means "~1".
    if (/~(?![01])/.test(raw)) return undefined;
    tokens.push(raw.replace(/~1/g, '/').replace(/~0/g, '~'));
  }
  return tokens;
}

export function formatJsonPointer(tokens: readonly string[]): string {
  return tokens.map((t) => '/' + t.replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/**
 * The array index a token names, or undefined if it is not a valid index
 * ("0", "12"; no leading zeros, no sign). "-" is handled by callers.
 */
export function arrayIndex(token: string): number | undefined {
  return /^(0|[1-9][0-9]*)$/.test(token) ? Number(token) : undefined;
}
