// The one place that loads @peculiar/x509. The library resolves its
// algorithms through tsyringe, which needs a Reflect metadata polyfill loaded
// first, and it must be pointed at Node's WebCrypto implementation.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';

// @types/node declares the WebCrypto types under `webcrypto`, not as globals
// (tsconfig has no DOM lib), hence the cast and the aliases below.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };
export const subtle = webcrypto.subtle;
export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;
