// The apiserver's TLS serving certificate, signed by the cluster CA.
import { X509Certificate as NodeX509Certificate, createPrivateKey } from 'node:crypto';
import { x509 } from './x509';
import { generateKeyPair } from './key-pair';
import { CertificateAuthority, PemPair, issueLeafCertificate } from './certificate-authority';
import { SubjectAltNames, canonicalIp, normalizeSubjectAltNames, sameSubjectAltNames } from './subject-alt-names';

/** A serving certificate closer than this to expiry is replaced on start. */
const RENEW_BEFORE_EXPIRY_MS = 30 * 24 * 60 * 60 * 1000;

export async function issueServingCertificate(ca: CertificateAuthority, sans: SubjectAltNames, now = new Date()): Promise<PemPair> {
  const { keys, keyPem } = await generateKeyPair();
  const certPem = await issueLeafCertificate(ca, {
    subject: [{ CN: ['kapstan-apiserver'] }],
    publicKey: keys.publicKey,
    extendedKeyUsages: [x509.ExtendedKeyUsage.serverAuth],
    subjectAltNames: [
      ...sans.dns.map((value) => ({ type: 'dns' as const, value })),
      ...sans.ips.map((value) => ({ type: 'ip' as const, value })),
    ],
    now,
  });
  return { certPem, keyPem };
}

/** The SANs a certificate carries, normalised like `normalizeSubjectAltNames`. */
export function subjectAltNamesOf(certPem: string): SubjectAltNames {
  const cert = new x509.X509Certificate(certPem);
  const ext = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const names = ext ? ext.names.toJSON() : [];
  return normalizeSubjectAltNames(
    names.filter((n) => n.type === 'dns' || n.type === 'ip').map((n) => (n.type === 'ip' ? canonicalIp(n.value) : n.value)),
  );
}

/**
 * Why an existing serving certificate must be replaced, or undefined if it can
 * stay: it must be issued by the current CA, match its key, carry exactly the
 * wanted SANs and not be about to expire.
 */
export function servingCertificateStaleReason(
  existing: PemPair, caPem: string, wanted: SubjectAltNames, now = new Date(),
): string | undefined {
  let cert: NodeX509Certificate;
  try {
    cert = new NodeX509Certificate(existing.certPem);
    if (!cert.checkPrivateKey(createPrivateKey(existing.keyPem))) return 'its key does not match';
  } catch (err) {
    return `it cannot be read (${(err as Error).message})`;
  }
  const caCert = new NodeX509Certificate(caPem);
  if (!cert.checkIssued(caCert) || !cert.verify(caCert.publicKey)) return 'it was not issued by the current CA';
  if (new Date(cert.validTo).getTime() - now.getTime() < RENEW_BEFORE_EXPIRY_MS) return 'it expires soon';
  if (!sameSubjectAltNames(subjectAltNamesOf(existing.certPem), wanted)) return 'the subject alternative names changed';
  return undefined;
}
