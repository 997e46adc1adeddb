// HPACK (RFC 7541) for our HTTP/2 client: a full decoder (static and dynamic
// tables, Huffman strings) for what etcd answers, and an encoder that only
// writes literals without indexing, which every decoder accepts and which lets
// a request's header block be built once and reused.

const STATIC_TABLE: readonly (readonly [string, string])[] = [
  [':authority', ''], [':method', 'GET'], [':method', 'POST'], [':path', '/'], [':path', '/index.html'],
  [':scheme', 'http'], [':scheme', 'https'], [':status', '200'], [':status', '204'], [':status', '206'],
  [':status', '304'], [':status', '400'], [':status', '404'], [':status', '500'], ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'], ['accept-language', ''], ['accept-ranges', ''], ['accept', ''],
  ['access-control-allow-origin', ''], ['age', ''], ['allow', ''], ['authorization', ''], ['cache-control', ''],
  ['content-disposition', ''], ['content-encoding', ''], ['content-language', ''], ['content-length', ''],
  ['content-location', ''], ['content-range', ''], ['content-type', ''], ['cookie', ''], ['date', ''], ['etag', ''],
  ['expect', ''], ['expires', ''], ['from', ''], ['host', ''], ['if-match', ''], ['if-modified-since', ''],
  ['if-none-match', ''], ['if-range', ''], ['if-unmodified-since', ''], ['last-modified', ''], ['link', ''],
  ['location', ''], ['max-forwards', ''], ['proxy-authenticate', ''], ['proxy-authorization', ''], ['range', ''],
  ['referer', ''], ['refresh', ''], ['retry-after', ''], ['server', ''], ['set-cookie', ''],
  ['strict-transport-security', ''], ['transfer-encoding', ''], ['user-agent', ''], ['vary', ''], ['via', ''],
  ['www-authenticate', ''],
];

/**
 * Code length in bits of each symbol (0..255, then EOS) of RFC 7541
 * Appendix B. The code is canonical, so the lengths determine the codes.
 */
const HUFFMAN_LENGTHS = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
  30,
];
const EOS = 256;

/** Binary decoding trie: node i has children at 2i, 2i+1 in `next` (0 = none) and a symbol in `symbol` (-1 = inner). */
interface HuffmanTrie {
  next: Int32Array;
  symbol: Int32Array;
}

function buildTrie(): HuffmanTrie {
  const symbols = [...HUFFMAN_LENGTHS.keys()].sort((a, b) => HUFFMAN_LENGTHS[a] - HUFFMAN_LENGTHS[b] || a - b);
  const maxNodes = 2 * symbols.length;
  const next = new Int32Array(2 * maxNodes);
  const symbol = new Int32Array(maxNodes).fill(-1);
  let nodes = 1;
  let code = 0;
  let prevLength = HUFFMAN_LENGTHS[symbols[0]];
  symbols.forEach((s, i) => {
    const length = HUFFMAN_LENGTHS[s];
    if (i > 0) code = (code + 1) * 2 ** (length - prevLength);
    prevLength = length;
    let node = 0;
    for (let bit = length - 1; bit >= 0; bit--) {
      const b = Math.floor(code / 2 ** bit) & 1;
      if (next[2 * node + b] === 0) next[2 * node + b] = nodes++;
      node = next[2 * node + b];
    }
    symbol[node] = s;
  });
  return { next, symbol };
}

let trie: HuffmanTrie | undefined;

export function huffmanDecode(buf: Buffer): string {
  const { next, symbol } = (trie ??= buildTrie());
  const out: number[] = [];
  let node = 0;
  let depth = 0; // bits since the last whole symbol
  let allOnes = true;
  for (let i = 0; i < buf.length; i++) {
    const byte = buf[i];
    for (let bit = 7; bit >= 0; bit--) {
      const b = (byte >> bit) & 1;
      node = next[2 * node + b];
      if (node === 0) throw new HpackError('invalid Huffman code');
      depth++;
      if (b === 0) allOnes = false;
      const s = symbol[node];
      if (s >= 0) {
        if (s === EOS) throw new HpackError('EOS symbol in a Huffman string');
        out.push(s);
        node = 0;
        depth = 0;
        allOnes = true;
      }
    }
  }
  // Padding: at most 7 bits, all ones (a prefix of EOS).
  if (depth > 7 || !allOnes) throw new HpackError('invalid Huffman padding');
  return Buffer.from(out).toString('latin1');
}

export class HpackError extends Error {}

export type HeaderList = (readonly [string, string])[];

/** One connection's decoder: header blocks must be fed in the order they arrive. */
export class HpackDecoder {
  private readonly dynamic: [string, string][] = [];
  private size = 0;

  /** `maxSize` is the SETTINGS_HEADER_TABLE_SIZE we advertised. */
  constructor(private readonly limit = 4096) {
    this.maxSize = limit;
  }

  private maxSize: number;

  decode(block: Buffer): HeaderList {
    const headers: HeaderList = [];
    let pos = 0;
    const integer = (prefixBits: number): number => {
      const mask = (1 << prefixBits) - 1;
      let value = block[pos++] & mask;
      if (value < mask) return value;
      let shift = 0;
      for (;;) {
        if (pos >= block.length) throw new HpackError('truncated integer');
        const b = block[pos++];
        value += (b & 0x7f) * 2 ** shift;
        shift += 7;
        if ((b & 0x80) === 0) return value;
        if (shift > 28) throw new HpackError('integer too large');
      }
    };
    const string = (): string => {
      if (pos >= block.length) throw new HpackError('truncated string');
      const huffman = (block[pos] & 0x80) !== 0;
      const length = integer(7);
      if (pos + length > block.length) throw new HpackError('truncated string');
      const raw = block.subarray(pos, pos + length);
      pos += length;
      return huffman ? huffmanDecode(raw) : raw.toString('latin1');
    };
    while (pos < block.length) {
      const first = block[pos];
      if (first & 0x80) {
        headers.push(this.entry(integer(7)));
      } else if (first & 0x40) {
        const index = integer(6);
        const name = index === 0 ? string() : this.entry(index)[0];
        const header: [string, string] = [name, string()];
        headers.push(header);
        this.add(header);
      } else if (first & 0x20) {
        const size = integer(5);
        if (size > this.limit) throw new HpackError(`table size update ${size} above ${this.limit}`);
        this.maxSize = size;
        this.evict();
      } else {
        // Literal without indexing (0000) or never indexed (0001).
        const index = integer(4);
        const name = index === 0 ? string() : this.entry(index)[0];
        headers.push([name, string()]);
      }
    }
    return headers;
  }

  private entry(index: number): readonly [string, string] {
    if (index >= 1 && index <= STATIC_TABLE.length) return STATIC_TABLE[index - 1];
    const entry = this.dynamic[index - STATIC_TABLE.length - 1];
    if (!entry) throw new HpackError(`header index ${index} out of range`);
    return entry;
  }

  private add(header: [string, string]): void {
    this.dynamic.unshift(header);
    this.size += entrySize(header);
    this.evict();
  }

  private evict(): void {
    while (this.size > this.maxSize && this.dynamic.length) this.size -= entrySize(this.dynamic.pop()!);
  }
}

function entrySize([name, value]: readonly [string, string]): number {
  return Buffer.byteLength(name, 'latin1') + Buffer.byteLength(value, 'latin1') + 32;
}

/** A header block of literals without indexing (no Huffman): static, so reusable. */
export function encodeHeaderBlock(headers: HeaderList): Buffer {
  const parts: number[] = [];
  const integer = (value: number, prefixBits: number, firstByte: number) => {
    const max = (1 << prefixBits) - 1;
    if (value < max) {
      parts.push(firstByte | value);
      return;
    }
    parts.push(firstByte | max);
    value -= max;
    while (value >= 0x80) {
      parts.push((value & 0x7f) | 0x80);
      value = Math.floor(value / 0x80);
    }
    parts.push(value);
  };
  const string = (s: string) => {
    const bytes = Buffer.from(s, 'latin1');
    integer(bytes.length, 7, 0);
    for (const b of bytes) parts.push(b);
  };
  for (const [name, value] of headers) {
    const index = STATIC_TABLE.findIndex(([n]) => n === name);
    if (index >= 0) integer(index + 1, 4, 0);
    else {
      parts.push(0);
      string(name);
    }
    string(value);
  }
  return Buffer.from(parts);
}
