// Kubeconfig files, read the way kubectl reads them:
// - `--kubeconfig PATH` alone if given (it must exist); else every file in
//   $KUBECONFIG (colon-separated; missing files skipped), merged so the first
//   file to define a cluster, user or context name wins, as does the first
//   current-context; else ~/.kube/config.
// - relative file paths inside a file are relative to that file's directory.
// - command-line overrides (--context, --cluster, --user, --server, --token,
//   --namespace, --insecure-skip-tls-verify, …) apply on top.
import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { homedir } from 'node:os';
import YAML from 'yaml';

export interface ClusterInfo {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
  [field: string]: unknown;
}

export interface AuthInfo {
  token?: string;
  tokenFile?: string;
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  [field: string]: unknown;
}

export interface ContextInfo {
  cluster?: string;
  user?: string;
  namespace?: string;
  [field: string]: unknown;
}

export interface Kubeconfig {
  apiVersion?: string;
  kind?: string;
  clusters: { name: string; cluster: ClusterInfo }[];
  users: { name: string; user: AuthInfo }[];
  contexts: { name: string; context: ContextInfo }[];
  'current-context'?: string;
  preferences?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface KubeconfigOptions {
  /** --kubeconfig: use this file only. */
  kubeconfig?: string;
  context?: string;
  cluster?: string;
  user?: string;
  server?: string;
  token?: string;
  namespace?: string;
  insecureSkipTlsVerify?: boolean;
  /** --certificate-authority: a CA file path. */
  certificateAuthority?: string;
  tlsServerName?: string;
  /** Defaults to process.env (for $KUBECONFIG). */
  env?: NodeJS.ProcessEnv;
  /** Defaults to os.homedir() (for ~/.kube/config). */
  homeDir?: string;
}

/** Everything a client needs to reach and authenticate to the apiserver. */
export interface ResolvedKubeconfig {
  server: string;
  caPem?: string;
  insecureSkipTlsVerify: boolean;
  tlsServerName?: string;
  token?: string;
  /** Where the token came from, so a client can re-read a rotated token. */
  tokenFile?: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  namespace: string;
  contextName?: string;
  clusterName?: string;
  userName?: string;
  /** The kubeconfig files that were read. */
  files: string[];
}

export class KubeconfigError extends Error {
  override name = 'KubeconfigError';
}

const PATH_FIELDS_OF_CLUSTER = ['certificate-authority'] as const;
const PATH_FIELDS_OF_USER = ['client-certificate', 'client-key', 'tokenFile'] as const;

export function defaultKubeconfigPath(homeDir = homedir()): string {
  return join(homeDir, '.kube', 'config');
}

/** The files kubectl would read, in precedence order, and whether they must exist. */
export function kubeconfigPaths(options: Pick<KubeconfigOptions, 'kubeconfig' | 'env' | 'homeDir'> = {}): { paths: string[]; explicit: boolean } {
  if (options.kubeconfig) return { paths: [resolve(options.kubeconfig)], explicit: true };
  const fromEnv = (options.env ?? process.env).KUBECONFIG;
  if (fromEnv) {
    const paths = [...new Set(fromEnv.split(delimiter).filter((p) => p !== '').map((p) => resolve(p)))];
    if (paths.length > 0) return { paths, explicit: false };
  }
  return { paths: [defaultKubeconfigPath(options.homeDir)], explicit: false };
}

/** Parses kubeconfig text without touching paths; unknown fields are kept. */
export function parseKubeconfig(text: string, source: string): Kubeconfig {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    throw new KubeconfigError(`error loading config file "${source}": ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) doc = {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new KubeconfigError(`error loading config file "${source}": not a kubeconfig mapping`);
  }
  const config = doc as Record<string, unknown>;
  for (const list of ['clusters', 'users', 'contexts'] as const) {
    const entries = config[list] ?? [];
    if (!Array.isArray(entries) || entries.some((e) => typeof e !== 'object' || e === null || typeof e.name !== 'string')) {
      throw new KubeconfigError(`error loading config file "${source}": ${list} must be a list of entries with a name`);
    }
    config[list] = entries;
  }
  return config as Kubeconfig;
}

/** Reads one file and makes its relative paths absolute (relative to the file). */
export function readKubeconfigFile(path: string): Kubeconfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new KubeconfigError(`error loading config file "${path}": ${(err as Error).message}`);
  }
  const config = parseKubeconfig(text, path);
  const base = dirname(path);
  const absolute = (p: unknown) => (typeof p === 'string' && p !== '' && !isAbsolute(p) ? resolve(base, p) : p);
  return {
    ...config,
    clusters: config.clusters.map(({ name, cluster }) => ({ name, cluster: withAbsolutePaths(cluster ?? {}, PATH_FIELDS_OF_CLUSTER, absolute) })),
    users: config.users.map(({ name, user }) => ({ name, user: withAbsolutePaths(user ?? {}, PATH_FIELDS_OF_USER, absolute) })),
  };
}

function withAbsolutePaths<T extends Record<string, unknown>>(entry: T, fields: readonly string[], absolute: (p: unknown) => unknown): T {
  const out: Record<string, unknown> = { ...entry };
  for (const f of fields) if (out[f] !== undefined) out[f] = absolute(out[f]);
  return out as T;
}

/** Merges configs in precedence order: the first to define a name (or current-context) wins. */
export function mergeKubeconfigs(configs: Kubeconfig[]): Kubeconfig {
  const merged: Kubeconfig = { apiVersion: 'v1', kind: 'Config', clusters: [], users: [], contexts: [] };
  for (const config of configs) {
    for (const list of ['clusters', 'users', 'contexts'] as const) {
      const target = merged[list] as { name: string }[];
      for (const entry of config[list] as { name: string }[]) {
        if (!target.some((e) => e.name === entry.name)) target.push(entry);
      }
    }
    if (!merged['current-context'] && config['current-context']) merged['current-context'] = config['current-context'];
  }
  return merged;
}

/** Reads and merges the kubeconfig files kubectl would use (for `config view` and friends). */
export function readMergedKubeconfig(options: Pick<KubeconfigOptions, 'kubeconfig' | 'env' | 'homeDir'> = {}): { config: Kubeconfig; files: string[] } {
  const { paths, explicit } = kubeconfigPaths(options);
  if (explicit && !existsSync(paths[0])) {
    throw new KubeconfigError(`stat ${paths[0]}: no such file or directory`);
  }
  const files = paths.filter((p) => existsSync(p));
  return { config: mergeKubeconfigs(files.map(readKubeconfigFile)), files };
}

/** Resolves the current (or overridden) context into connection settings. */
export function loadKubeconfig(options: KubeconfigOptions = {}): ResolvedKubeconfig {
  const { config, files } = readMergedKubeconfig(options);
  const where = files.length > 0 ? files.join(delimiter) : kubeconfigPaths(options).paths.join(delimiter);

  const contextName = options.context || config['current-context'] || undefined;
  let context: ContextInfo = {};
  if (contextName) {
    const found = config.contexts.find((c) => c.name === contextName);
    if (!found) throw new KubeconfigError(`context "${contextName}" does not exist in ${where}`);
    context = found.context ?? {};
  } else if (!options.server) {
    throw new KubeconfigError(files.length === 0
      ? `no configuration has been provided: ${where} does not exist; set KUBECONFIG, pass --kubeconfig, or pass --server`
      : `current-context is not set in ${where}; pass --context or --server`);
  }

  const clusterName = options.cluster || context.cluster || undefined;
  let cluster: ClusterInfo = {};
  if (clusterName) {
    const found = config.clusters.find((c) => c.name === clusterName);
    if (!found && !options.server) {
      throw new KubeconfigError(`cluster "${clusterName}"${contextName ? ` of context "${contextName}"` : ''} does not exist in ${where}`);
    }
    cluster = found?.cluster ?? {};
  }

  const userName = options.user || context.user || undefined;
  let user: AuthInfo = {};
  if (userName) {
    const found = config.users.find((u) => u.name === userName);
    if (!found && !options.token) {
      throw new KubeconfigError(`user "${userName}"${contextName ? ` of context "${contextName}"` : ''} does not exist in ${where}`);
    }
    user = found?.user ?? {};
  }

  const server = options.server || cluster.server;
  if (!server) {
    throw new KubeconfigError(`cluster "${clusterName ?? ''}" has no server in ${where}; pass --server`);
  }

  const insecureSkipTlsVerify = options.insecureSkipTlsVerify ?? cluster['insecure-skip-tls-verify'] === true;
  let caPem: string | undefined;
  if (options.certificateAuthority) {
    caPem = readReferencedFile(resolve(options.certificateAuthority), 'certificate-authority', where);
  } else if (!options.insecureSkipTlsVerify) {
    // An explicit --insecure-skip-tls-verify drops a CA that came from the file, as kubectl does.
    caPem = dataOrFile(cluster['certificate-authority-data'], cluster['certificate-authority'], 'certificate-authority', where);
  }
  if (insecureSkipTlsVerify && caPem !== undefined) {
    throw new KubeconfigError(`specifying a root certificates file with the insecure flag is not allowed (cluster "${clusterName}" in ${where})`);
  }

  let token = options.token || user.token || undefined;
  let tokenFile: string | undefined;
  if (!token && user.tokenFile) {
    tokenFile = user.tokenFile;
    token = readReferencedFile(tokenFile, 'tokenFile', where).trim();
  }

  const clientCertPem = dataOrFile(user['client-certificate-data'], user['client-certificate'], 'client-certificate', where);
  const clientKeyPem = dataOrFile(user['client-key-data'], user['client-key'], 'client-key', where);
  if ((clientCertPem === undefined) !== (clientKeyPem === undefined)) {
    throw new KubeconfigError(`user "${userName}" in ${where} needs both a client certificate and a client key`);
  }

  return {
    server: withScheme(server),
    caPem,
    insecureSkipTlsVerify,
    tlsServerName: options.tlsServerName || cluster['tls-server-name'] || undefined,
    token,
    tokenFile,
    clientCertPem,
    clientKeyPem,
    namespace: options.namespace || context.namespace || 'default',
    contextName,
    clusterName,
    userName,
    files,
  };
}

function dataOrFile(data: unknown, file: unknown, field: string, where: string): string | undefined {
  if (typeof data === 'string' && data !== '') {
    const decoded = Buffer.from(data, 'base64').toString('utf8');
    if (!decoded.includes('-----BEGIN')) throw new KubeconfigError(`${field}-data in ${where} is not base64-encoded PEM`);
    return decoded;
  }
  if (typeof file === 'string' && file !== '') return readReferencedFile(file, field, where);
  return undefined;
}

function readReferencedFile(path: string, field: string, where: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new KubeconfigError(`unable to read ${field} ${path} (named in ${where}): ${(err as Error).message}`);
  }
}

/** kubectl accepts `host:port` and assumes https. */
function withScheme(server: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(server) ? server : `https://${server}`;
}

export interface KubeconfigEntry {
  server: string;
  caPem?: string;
  token?: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  namespace?: string;
}

function entriesFor(name: string, entry: KubeconfigEntry) {
  const cluster: ClusterInfo = { server: entry.server };
  if (entry.caPem) cluster['certificate-authority-data'] = Buffer.from(entry.caPem).toString('base64');
  const user: AuthInfo = {};
  if (entry.token) user.token = entry.token;
  if (entry.clientCertPem) user['client-certificate-data'] = Buffer.from(entry.clientCertPem).toString('base64');
  if (entry.clientKeyPem) user['client-key-data'] = Buffer.from(entry.clientKeyPem).toString('base64');
  const context: ContextInfo = { cluster: name, user: name };
  if (entry.namespace) context.namespace = entry.namespace;
  return { cluster: { name, cluster }, user: { name, user }, context: { name, context } };
}

/** A kubeconfig holding one cluster, user and context, all named `name`, selected. */
export function buildKubeconfig(name: string, entry: KubeconfigEntry): Kubeconfig {
  const e = entriesFor(name, entry);
  return {
    apiVersion: 'v1', kind: 'Config', preferences: {},
    clusters: [e.cluster], users: [e.user], contexts: [e.context], 'current-context': name,
  };
}

/**
 * Adds or replaces the cluster, user and context named `name` in the
 * kubeconfig at `path`, keeps every other entry and field, and makes it the
 * current context. Creates the file (mode 0600) and its directory if needed.
 */
export function mergeContextIntoKubeconfig(path: string, name: string, entry: KubeconfigEntry): void {
  const config = existsSync(path) ? parseKubeconfig(readFileSync(path, 'utf8'), path) : buildKubeconfig(name, entry);
  const e = entriesFor(name, entry);
  const upsert = <T extends { name: string }>(list: T[], item: T): T[] => {
    const i = list.findIndex((x) => x.name === item.name);
    return i < 0 ? [...list, item] : list.map((x, j) => (j === i ? item : x));
  };
  config.apiVersion ??= 'v1';
  config.kind ??= 'Config';
  config.clusters = upsert(config.clusters, e.cluster);
  config.users = upsert(config.users, e.user);
  config.contexts = upsert(config.contexts, e.context);
  config['current-context'] = name;
  writeKubeconfigFile(path, config);
}

/** Writes a kubeconfig atomically with mode 0600, following a symlink at `path`. */
export function writeKubeconfigFile(path: string, config: Kubeconfig): void {
  const target = existsSync(path) ? realpathSync(path) : resolve(path);
  mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
  const tmp = `${target}.tmp-${process.pid}`;
  writeFileSync(tmp, YAML.stringify(config), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, target);
}
