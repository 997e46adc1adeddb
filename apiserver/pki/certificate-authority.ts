// A certificate authority: a self-signed ECDSA P-256 certificate and its key,
// and the one routine every certificate we issue goes through.
import { randomBytes, createPrivateKey, X509Certificate as NodeX509Certificate } from 'node:crypto';
import { x509, CryptoKey, CryptoKeyPair } from './x509';
import { generateKeyPair, importKeyPair, SIGNING_ALGORITHM } from './key-pair';

export const CA_VALIDITY_DAYS = 3650;
export const LEAF_VALIDITY_DAYS = 365;
/** Certificates start an hour in the past so a peer whose clock lags still accepts them. */
const BACKDATE_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface PemPair {
  certPem: string;
  keyPem: string;
}

export interface CertificateAuthority extends PemPair {
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
}

export async function createCertificateAuthority(commonName: string, now = new Date()): Promise<PemPair> {
  const { keys, keyPem } = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialNumber(),
    name: [{ CN: [commonName] }],
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + CA_VALIDITY_DAYS * DAY_MS),
    signingAlgorithm: SIGNING_ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem };
}

/** Loads a CA from PEM, checking that the key belongs to the certificate and that it is a CA. */
export async function loadCertificateAuthority(certPem: string, keyPem: string): Promise<CertificateAuthority> {
  const nodeCert = new NodeX509Certificate(certPem);
  if (!nodeCert.ca) throw new Error(`certificate ${nodeCert.subject} is not a CA certificate`);
  if (!nodeCert.checkPrivateKey(createPrivateKey(keyPem))) {
    throw new Error(`the private key does not belong to CA certificate ${nodeCert.subject}`);
  }
  return { certPem, keyPem, cert: new x509.X509Certificate(certPem), keys: await importKeyPair(keyPem) };
}

export interface LeafCertificateRequest {
  /** Subject as attribute/value pairs, in order, e.g. [{ O: ['system:nodes'] }, { CN: ['system:node:a'] }]. */
  subject: { [attribute: string]: string[] }[];
  publicKey: CryptoKey | x509.PublicKey;
  extendedKeyUsages: string[];
  subjectAltNames?: { type: 'dns' | 'ip'; value: string }[];
  validityDays?: number;
  now?: Date;
}

/** Issues an end-entity certificate signed by `ca`; returns its PEM. */
export async function issueLeafCertificate(ca: CertificateAuthority, req: LeafCertificateRequest): Promise<string> {
  const now = req.now ?? new Date();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension(req.extendedKeyUsages, false),
    await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
    await x509.SubjectKeyIdentifierExtension.create(req.publicKey),
  ];
  if (req.subjectAltNames && req.subjectAltNames.length > 0) {
    extensions.push(new x509.SubjectAlternativeNameExtension(req.subjectAltNames, false));
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject: req.subject,
    issuer: ca.cert.subjectName,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + (req.validityDays ?? LEAF_VALIDITY_DAYS) * DAY_MS),
    signingAlgorithm: SIGNING_ALGORITHM,
    publicKey: req.publicKey,
    signingKey: ca.keys.privateKey,
    extensions,
  });
  return cert.toString('pem') + '\n';
}

/** A positive 127-bit serial number, as RFC 5280 asks (unique, at most 20 octets). */
function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  bytes[0] |= 0x01; // no leading zero octet, so DER keeps all 16 bytes
  return bytes.toString('hex');
}
