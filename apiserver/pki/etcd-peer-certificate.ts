// The managed etcd's peer certificate (DATA/tls/etcd-peer.crt, .key): signed
// by the cluster CA, for serverAuth and clientAuth, naming the member's peer
// address, so members of an HA cluster talk raft over mutual TLS and nothing
// else on the network can pose as a member.
import { join } from 'node:path';
import { generateKeyPair } from './key-pair';
import { CertificateAuthority, issueLeafCertificate } from './certificate-authority';
import { normalizeSubjectAltNames } from './subject-alt-names';
import { servingCertificateStaleReason } from './serving-certificate';
import { x509 } from './x509';
import { pkiPaths } from './ensure-pki';
import { readIfExists, writePrivateFile } from './private-files';

/** etcd accepts only peers whose certificate has this CN (--peer-cert-allowed-cn). */
export const ETCD_PEER_CN = 'kapstan-etcd-peer';

export interface EtcdPeerTls {
  certFile: string;
  keyFile: string;
  caFile: string;
}

export async function ensureEtcdPeerCertificate(dataDir: string, ca: CertificateAuthority, peerHost: string, log: (m: string) => void = () => {}): Promise<EtcdPeerTls> {
  const paths = pkiPaths(dataDir);
  const tls = { certFile: join(paths.tlsDir, 'etcd-peer.crt'), keyFile: join(paths.tlsDir, 'etcd-peer.key'), caFile: paths.caCert };
  const sans = normalizeSubjectAltNames([peerHost, 'localhost', '127.0.0.1']);
  const certPem = readIfExists(tls.certFile);
  const keyPem = readIfExists(tls.keyFile);
  const stale = certPem && keyPem ? servingCertificateStaleReason({ certPem, keyPem }, ca.certPem, sans) : 'it does not exist';
  if (stale === undefined) return tls;
  const { keys, keyPem: newKey } = await generateKeyPair();
  const newCert = await issueLeafCertificate(ca, {
    subject: [{ CN: [ETCD_PEER_CN] }],
    publicKey: keys.publicKey,
    extendedKeyUsages: [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
    subjectAltNames: [...sans.dns.map((value) => ({ type: 'dns' as const, value })), ...sans.ips.map((value) => ({ type: 'ip' as const, value }))],
  });
  writePrivateFile(tls.keyFile, newKey);
  writePrivateFile(tls.certFile, newCert);
  log(`issued etcd peer certificate ${tls.certFile} (${stale}) for ${peerHost}`);
  return tls;
}
