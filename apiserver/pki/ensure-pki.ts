// The apiserver's PKI, created on first start and loaded on every later one:
//   DATA/tls/ca.crt, ca.key                cluster CA (signs the serving certificate)
//   DATA/tls/client-ca.crt, client-ca.key  client CA (signs agents' client certificates)
//   DATA/tls/serving.crt, serving.key      apiserver serving certificate
//   DATA/tls/admin-token                   the admin's bearer token
//   DATA/node-token                        K10<ca hash>::node:<secret>, for agents to join
//   DATA/server-token                      K10<ca hash>::server:<secret>, for servers to join (HA);
//                                          a separate secret, as it unlocks the CA keys
// A CA that exists is never replaced; the serving certificate is reissued
// when its SANs change, it nears expiry, or it no longer chains to the CA.
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { CertificateAuthority, PemPair, createCertificateAuthority, loadCertificateAuthority } from './certificate-authority';
import { issueServingCertificate, servingCertificateStaleReason } from './serving-certificate';
import { SubjectAltNames, defaultSubjectAltNames, normalizeSubjectAltNames } from './subject-alt-names';
import { caHash, formatJoinToken, generateAdminToken, generateJoinSecret, parseJoinToken, NODE_TOKEN_USER, SERVER_TOKEN_USER } from './tokens';
import { ensurePrivateDir, readIfExists, writePrivateFile } from './private-files';

export interface EnsurePkiOptions {
  /** Extra SANs for the serving certificate: the listen address, --tls-san values. */
  sans?: string[];
  /** Defaults to os.hostname(). */
  hostName?: string;
  now?: Date;
  /** Told what was created or replaced, and why. */
  log?: (message: string) => void;
}

export interface PkiPaths {
  tlsDir: string;
  caCert: string;
  caKey: string;
  clientCaCert: string;
  clientCaKey: string;
  servingCert: string;
  servingKey: string;
  adminToken: string;
  nodeToken: string;
  serverToken: string;
}

export interface Pki {
  paths: PkiPaths;
  caPem: string;
  /** Absent when only the CA certificate was provided (nothing new can be signed). */
  caKeyPem?: string;
  clientCaPem: string;
  clientCaKeyPem?: string;
  /** Loaded client CA, for signing agents' client certificates; absent without its key. */
  clientCa?: CertificateAuthority;
  certPem: string;
  keyPem: string;
  subjectAltNames: SubjectAltNames;
  adminToken: string;
  /** The full join token, K10<caHash>::node:<secret>. */
  nodeToken: string;
  nodeTokenSecret: string;
  /** K10<caHash>::server:<secret>: lets another server fetch the CA keys and join (see bootstrap-data.ts). */
  serverToken: string;
  serverTokenSecret: string;
  caHash: string;
}

export function pkiPaths(dataDir: string): PkiPaths {
  const tlsDir = join(dataDir, 'tls');
  return {
    tlsDir,
    caCert: join(tlsDir, 'ca.crt'),
    caKey: join(tlsDir, 'ca.key'),
    clientCaCert: join(tlsDir, 'client-ca.crt'),
    clientCaKey: join(tlsDir, 'client-ca.key'),
    servingCert: join(tlsDir, 'serving.crt'),
    servingKey: join(tlsDir, 'serving.key'),
    adminToken: join(tlsDir, 'admin-token'),
    nodeToken: join(dataDir, 'node-token'),
    serverToken: join(dataDir, 'server-token'),
  };
}

export async function ensurePki(dataDir: string, options: EnsurePkiOptions = {}): Promise<Pki> {
  const now = options.now ?? new Date();
  const log = options.log ?? (() => {});
  const paths = pkiPaths(dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  ensurePrivateDir(paths.tlsDir);

  const unixTime = Math.floor(now.getTime() / 1000);
  const ca = await ensureCertificateAuthority(paths.caCert, paths.caKey, `kapstan-ca@${unixTime}`, now, log);
  const clientCa = await ensureCertificateAuthority(paths.clientCaCert, paths.clientCaKey, `kapstan-client-ca@${unixTime}`, now, log);

  const subjectAltNames = normalizeSubjectAltNames([...defaultSubjectAltNames(options.hostName), ...(options.sans ?? [])]);
  const serving = await ensureServingCertificate(paths, ca, subjectAltNames, now, log);

  let adminToken = readIfExists(paths.adminToken)?.trim();
  if (!adminToken) {
    adminToken = generateAdminToken();
    writePrivateFile(paths.adminToken, adminToken + '\n');
    log(`created admin token in ${paths.adminToken}`);
  }

  const { token: nodeToken, secret: nodeTokenSecret } = ensureJoinToken(paths.nodeToken, ca.certPem, NODE_TOKEN_USER, log);
  const { token: serverToken, secret: serverTokenSecret } = ensureJoinToken(paths.serverToken, ca.certPem, SERVER_TOKEN_USER, log);

  return {
    paths,
    caPem: ca.certPem,
    caKeyPem: ca.loaded?.keyPem,
    clientCaPem: clientCa.certPem,
    clientCaKeyPem: clientCa.loaded?.keyPem,
    clientCa: clientCa.loaded,
    certPem: serving.certPem,
    keyPem: serving.keyPem,
    subjectAltNames,
    adminToken,
    nodeToken,
    nodeTokenSecret,
    serverToken,
    serverTokenSecret,
    caHash: caHash(ca.certPem),
  };
}

interface EnsuredCa {
  certPem: string;
  /** The CA ready to sign; absent when its key is not on disk. */
  loaded?: CertificateAuthority;
}

async function ensureCertificateAuthority(
  certPath: string, keyPath: string, commonName: string, now: Date, log: (m: string) => void,
): Promise<EnsuredCa> {
  const certPem = readIfExists(certPath);
  const keyPem = readIfExists(keyPath);
  if (certPem !== undefined) {
    if (keyPem === undefined) return { certPem };
    return { certPem, loaded: await wrapLoadError(certPath, loadCertificateAuthority(certPem, keyPem)) };
  }
  if (keyPem !== undefined) {
    throw new Error(`${keyPath} exists but ${certPath} does not; restore the certificate (a CA is never regenerated over an existing key)`);
  }
  const created = await createCertificateAuthority(commonName, now);
  writePrivateFile(keyPath, created.keyPem);
  writePrivateFile(certPath, created.certPem);
  log(`created certificate authority ${commonName} in ${certPath}`);
  return { certPem: created.certPem, loaded: await loadCertificateAuthority(created.certPem, created.keyPem) };
}

async function ensureServingCertificate(
  paths: PkiPaths, ca: EnsuredCa, sans: SubjectAltNames, now: Date, log: (m: string) => void,
): Promise<PemPair> {
  const certPem = readIfExists(paths.servingCert);
  const keyPem = readIfExists(paths.servingKey);
  let reason = 'it does not exist';
  if (certPem !== undefined && keyPem !== undefined) {
    const stale = servingCertificateStaleReason({ certPem, keyPem }, ca.certPem, sans, now);
    if (stale === undefined) return { certPem, keyPem };
    reason = stale;
  }
  if (!ca.loaded) {
    throw new Error(`the serving certificate ${paths.servingCert} must be issued because ${reason}, but the CA key ${paths.caKey} is missing`);
  }
  const issued = await issueServingCertificate(ca.loaded, sans, now);
  writePrivateFile(paths.servingKey, issued.keyPem);
  writePrivateFile(paths.servingCert, issued.certPem);
  log(`issued serving certificate ${paths.servingCert} (${reason}) for ${[...sans.dns, ...sans.ips].join(', ')}`);
  return issued;
}

function ensureJoinToken(path: string, caPem: string, user: string, log: (m: string) => void): { token: string; secret: string } {
  const existing = readIfExists(path)?.trim();
  let secret: string;
  if (existing) {
    secret = parseJoinToken(existing).secret;
    const token = formatJoinToken(caPem, secret, user);
    if (token === existing) return { token, secret };
  } else {
    secret = generateJoinSecret();
  }
  const token = formatJoinToken(caPem, secret, user);
  writePrivateFile(path, token + '\n');
  log(`wrote ${user} join token to ${path}`);
  return { token, secret };
}

async function wrapLoadError<T>(path: string, promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (err) {
    throw new Error(`cannot load ${path}: ${(err as Error).message}`);
  }
}
