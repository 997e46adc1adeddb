// Client certificates signed by the client CA. The subject carries identity
// the way Kubernetes reads it: CN is the user, O the groups — an agent gets
// CN=system:node:NAME, O=system:nodes.
import { x509, CryptoKey } from './x509';
import { generateKeyPair, importPublicKey } from './key-pair';
import { CertificateAuthority, PemPair, issueLeafCertificate } from './certificate-authority';

export const NODES_GROUP = 'system:nodes';

export function nodeUserName(nodeName: string): string {
  return `system:node:${nodeName}`;
}

/**
 * Signs a client certificate for the key in `subjectKey`: a PKCS#10 CSR PEM
 * (its signature is checked, proving the requester holds the private key), an
 * SPKI public-key PEM, or a WebCrypto public key. The subject comes from the
 * caller, who has authorised it, never from the CSR.
 */
export async function signClientCertificate(
  clientCa: CertificateAuthority,
  subjectKey: string | CryptoKey,
  commonName: string,
  organization?: string | string[],
  options: { validityDays?: number; now?: Date } = {},
): Promise<string> {
  const organizations = organization === undefined ? [] : Array.isArray(organization) ? organization : [organization];
  return issueLeafCertificate(clientCa, {
    subject: [...organizations.map((o) => ({ O: [o] })), { CN: [commonName] }],
    publicKey: await publicKeyOf(subjectKey),
    extendedKeyUsages: [x509.ExtendedKeyUsage.clientAuth],
    validityDays: options.validityDays,
    now: options.now,
  });
}

/** Generates a key and signs a client certificate for it (for local users and tests). */
export async function issueClientCertificate(
  clientCa: CertificateAuthority, commonName: string, organization?: string | string[],
): Promise<PemPair> {
  const { keys, keyPem } = await generateKeyPair();
  return { certPem: await signClientCertificate(clientCa, keys.publicKey, commonName, organization), keyPem };
}

/** Builds a CSR PEM for a key pair: what an agent sends when it joins. */
export async function createCertificateSigningRequest(keys: { privateKey: CryptoKey; publicKey: CryptoKey }, commonName: string): Promise<string> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [commonName] }],
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  return csr.toString('pem') + '\n';
}

async function publicKeyOf(subjectKey: string | CryptoKey): Promise<CryptoKey | x509.PublicKey> {
  if (typeof subjectKey !== 'string') return subjectKey;
  if (subjectKey.includes('-----BEGIN CERTIFICATE REQUEST-----')) {
    const csr = new x509.Pkcs10CertificateRequest(subjectKey);
    if (!(await csr.verify())) throw new Error('the certificate signing request has an invalid signature');
    return csr.publicKey;
  }
  if (subjectKey.includes('-----BEGIN PUBLIC KEY-----')) return importPublicKey(subjectKey);
  throw new Error('expected a PEM certificate signing request or public key');
}
