// Bearer tokens: the admin token, and the node join token in k3s's form
// `K10<sha256 hex of the CA certificate>::<user>:<secret>`, which lets a
// joining agent pin the cluster CA before it trusts anything the server says.
import { createHash, randomBytes, timingSafeEqual, X509Certificate as NodeX509Certificate } from 'node:crypto';

const TOKEN_PREFIX = 'K10';
export const NODE_TOKEN_USER = 'node';
/** The user of the token with which a server joins an HA cluster. */
export const SERVER_TOKEN_USER = 'server';

/** 32 random bytes, hex. */
export function generateAdminToken(): string {
  return randomBytes(32).toString('hex');
}

/** The secret half of a join token: 16 random bytes, hex. */
export function generateJoinSecret(): string {
  return randomBytes(16).toString('hex');
}

/** sha256 hex of the DER encoding of the (first) certificate in `caPem`. */
export function caHash(caPem: string): string {
  return createHash('sha256').update(new NodeX509Certificate(caPem).raw).digest('hex');
}

export function verifyCaHash(caPem: string, hash: string): boolean {
  return secretsEqual(caHash(caPem), hash.toLowerCase());
}

/** Throws unless `secret` can be the secret half of a join token. */
export function checkJoinSecret(secret: string): void {
  if (!/^[A-Za-z0-9._~-]+$/.test(secret)) throw new Error('a join secret may only contain letters, digits and . _ ~ -');
}

export function formatJoinToken(caPem: string, secret: string, user = NODE_TOKEN_USER): string {
  checkJoinSecret(secret);
  return `${TOKEN_PREFIX}${caHash(caPem)}::${user}:${secret}`;
}

export interface JoinToken {
  /** Absent for a bare secret, which gives no way to pin the CA. */
  caHash?: string;
  user?: string;
  secret: string;
}

/** Parses `K10<hash>::<user>:<secret>` or a bare secret. */
export function parseJoinToken(token: string): JoinToken {
  const text = token.trim();
  if (!text.startsWith(TOKEN_PREFIX)) {
    if (text === '' || /[\s:]/.test(text)) throw new Error('invalid join token: expected K10<ca-hash>::<user>:<secret> or a bare secret');
    return { secret: text };
  }
  const match = /^K10([0-9a-fA-F]{64})::([^:\s]+):(\S+)$/.exec(text);
  if (!match) throw new Error('invalid join token: expected K10<64 hex digits of the CA hash>::<user>:<secret>');
  return { caHash: match[1].toLowerCase(), user: match[2], secret: match[3] };
}

/** Constant-time comparison of two secrets. */
export function secretsEqual(expected: string, presented: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}
