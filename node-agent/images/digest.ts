// OCI content digests ("sha256:<64 hex>"): parsing, computing, and a hashing pass-through for streams.
import { createHash, Hash } from 'node:crypto';
import { ApiError } from '../../api/errors';

const SHA256 = /^sha256:([a-f0-9]{64})$/;

/** The hex part of a sha256 digest; throws Invalid for anything else (other algorithms are refused, not guessed). */
export function digestHex(digest: string): string {
  const m = SHA256.exec(digest);
  if (!m) throw new ApiError('Invalid', `unsupported or malformed digest "${digest}"`);
  return m[1];
}

export function isDigest(value: string): boolean {
  return SHA256.test(value);
}

export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Hashes every chunk that passes through, so a stream can be verified while it is written. */
export class DigestingCounter {
  private readonly hash: Hash = createHash('sha256');
  size = 0;

  update(chunk: Buffer): void {
    this.hash.update(chunk);
    this.size += chunk.length;
  }

  digest(): string {
    return `sha256:${this.hash.digest('hex')}`;
  }
}
