// ECDSA P-256 key pairs: generated with WebCrypto, stored as PKCS#8 PEM.
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { subtle, CryptoKey, CryptoKeyPair } from './x509';

const EC_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const;
/** Signature algorithm for every certificate we issue. */
export const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;

export interface KeyPair {
  keys: CryptoKeyPair;
  /** PKCS#8 "PRIVATE KEY" PEM, as Node's tls accepts it. */
  keyPem: string;
}

export async function generateKeyPair(): Promise<KeyPair> {
  const keys = await subtle.generateKey(EC_KEY, true, ['sign', 'verify']);
  const pkcs8 = Buffer.from(await subtle.exportKey('pkcs8', keys.privateKey));
  return { keys, keyPem: createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }) as string };
}

/** Imports a PEM private key (PKCS#8 or SEC1 "EC PRIVATE KEY") and derives its public key. */
export async function importKeyPair(keyPem: string): Promise<CryptoKeyPair> {
  const privateKeyObject = createPrivateKey(keyPem);
  if (privateKeyObject.asymmetricKeyType !== 'ec' || privateKeyObject.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('expected an ECDSA P-256 private key');
  }
  const pkcs8 = privateKeyObject.export({ type: 'pkcs8', format: 'der' });
  const spki = createPublicKey(privateKeyObject).export({ type: 'spki', format: 'der' });
  const privateKey = await subtle.importKey('pkcs8', pkcs8, EC_KEY, false, ['sign']);
  const publicKey = await subtle.importKey('spki', spki, EC_KEY, true, ['verify']);
  return { privateKey, publicKey };
}

/** Imports an SPKI "PUBLIC KEY" PEM of an ECDSA P-256 key. */
export async function importPublicKey(publicKeyPem: string): Promise<CryptoKey> {
  const spki = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  return subtle.importKey('spki', spki, EC_KEY, true, ['verify']);
}
