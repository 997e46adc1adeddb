// A PKCS#10 certificate request (RFC 2986) for an ECDSA P-256 key with only a common name: the one
// kind the node client sends. A few lines of DER instead of an X.509 library, which would be the
// largest part of an idle agent's memory.
import { createPublicKey, generateKeyPair, sign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';

function der(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const len = n < 0x80 ? Buffer.from([n]) : (() => {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    return Buffer.from([0x80 | bytes.length, ...bytes]);
  })();
  return Buffer.concat([Buffer.from([tag]), len, content]);
}

const seq = (...items: Buffer[]) => der(0x30, Buffer.concat(items));
/** id-at-commonName 2.5.4.3 and ecdsa-with-SHA256 1.2.840.10045.4.3.2, DER-encoded. */
const COMMON_NAME = Buffer.from('0603550403', 'hex');
const ECDSA_WITH_SHA256 = Buffer.from('06082a8648ce3d040302', 'hex');

/** The DER request for key, subject CN=commonName, signed with SHA-256. */
export function certificationRequest(commonName: string, privateKey: KeyObject): Buffer {
  const subject = seq(der(0x31, seq(COMMON_NAME, der(0x0c, Buffer.from(commonName, 'utf8')))));
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const info = seq(Buffer.from([0x02, 0x01, 0x00]), subject, spki, Buffer.from([0xa0, 0x00]));
  const signature = sign('sha256', info, privateKey); // DER ECDSA-Sig-Value
  return seq(info, seq(ECDSA_WITH_SHA256), der(0x03, Buffer.concat([Buffer.from([0]), signature])));
}

/** A fresh ECDSA P-256 key (PKCS#8 PEM) and a CSR (PEM) for it. */
export async function newKeyAndCsr(commonName: string): Promise<{ keyPem: string; csrPem: string }> {
  const { privateKey } = await promisify(generateKeyPair)('ec', { namedCurve: 'P-256' });
  const body = certificationRequest(commonName, privateKey).toString('base64').replace(/.{1,64}/g, '$&\n');
  return {
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    csrPem: `-----BEGIN CERTIFICATE REQUEST-----\n${body}-----END CERTIFICATE REQUEST-----\n`,
  };
}
