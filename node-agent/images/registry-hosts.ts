// Which endpoints serve a registry, configured as containerd's hosts.toml does: mirrors tried in order,
// then the registry's own server; plain HTTP only for hosts configured insecure (and loopback, as Docker does).
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError } from '../../api/errors';
import { DOCKER_HUB } from './image-reference';

export interface RegistryHostConfig {
  /** The upstream server; by default https://<registry> (https://registry-1.docker.io for docker.io). */
  server?: string;
  /** Mirror endpoints tried first, in order, e.g. "http://127.0.0.1:5000". */
  mirrors?: string[];
  /** Allow plain HTTP for endpoints given without a scheme (and for the default server). */
  insecure?: boolean;
  /** Credentials for Basic auth or for the token service of a Bearer challenge. */
  username?: string;
  password?: string;
}

/** Keyed by registry host as it appears in image names ("docker.io", "127.0.0.1:5000"). */
export type RegistryConfig = Record<string, RegistryHostConfig>;

export interface RegistryEndpoint {
  /** Base URL without the trailing /v2, e.g. "http://127.0.0.1:5000". */
  url: string;
  mirror: boolean;
  username?: string;
  password?: string;
}

function isLoopback(host: string): boolean {
  const name = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return name === 'localhost' || name === '::1' || /^127\./.test(name);
}

function withScheme(hostOrUrl: string, insecure: boolean): string {
  if (/^https?:\/\//.test(hostOrUrl)) return hostOrUrl.replace(/\/+$/, '').replace(/\/v2$/, '');
  return `${insecure || isLoopback(hostOrUrl) ? 'http' : 'https'}://${hostOrUrl.replace(/\/+$/, '')}`;
}

export function registryEndpoints(registry: string, config: RegistryConfig = {}): RegistryEndpoint[] {
  const host = config[registry] ?? {};
  const creds = { username: host.username, password: host.password };
  const insecure = host.insecure ?? false;
  const defaultServer = registry === DOCKER_HUB ? 'https://registry-1.docker.io' : registry;
  const endpoints = (host.mirrors ?? []).map((m) => ({ url: withScheme(m, insecure), mirror: true, ...creds }));
  const server = withScheme(host.server ?? defaultServer, insecure);
  if (!endpoints.some((e) => e.url === server)) endpoints.push({ url: server, mirror: false, ...creds });
  return endpoints;
}

/**
 * Reads the subset of containerd's hosts.toml that maps onto RegistryHostConfig:
 *   server = "https://registry-1.docker.io"
 *   [host."http://127.0.0.1:5000"]
 *     capabilities = ["pull", "resolve"]
 *     skip_verify = true
 * Hosts without the "pull" capability are not mirrors for pulling.
 */
export function parseHostsToml(text: string): RegistryHostConfig {
  const out: RegistryHostConfig = { mirrors: [] };
  let section: { url: string; pull: boolean; insecure: boolean } | undefined;
  const flush = () => {
    if (section?.pull) out.mirrors!.push(section.url);
    if (section?.insecure) out.insecure = true;
  };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s+#.*$/, '').trim();
    if (!line || line.startsWith('#')) continue;
    const header = /^\[host\."([^"]+)"\]$/.exec(line);
    if (header) {
      flush();
      section = { url: header[1], pull: true, insecure: false };
      continue;
    }
    const kv = /^([a-z_]+)\s*=\s*(.+)$/.exec(line);
    if (!kv) throw new ApiError('Invalid', `hosts.toml: cannot read line "${raw.trim()}"`);
    const [, key, value] = kv;
    if (key === 'server' && !section) out.server = JSON.parse(value) as string;
    else if (key === 'capabilities' && section) section.pull = (JSON.parse(value) as string[]).includes('pull');
    else if ((key === 'skip_verify' || key === 'plain_http') && section) section.insecure = value === 'true';
  }
  flush();
  return out;
}

/**
 * Reads a containerd-style config_path directory: <dir>/<registry host>/hosts.toml for each registry,
 * e.g. <dir>/docker.io/hosts.toml mirroring Docker Hub to a local registry. A missing dir is no config.
 */
export async function loadRegistryConfigDir(dir: string): Promise<RegistryConfig> {
  const config: RegistryConfig = {};
  if (!existsSync(dir)) return config;
  for (const host of (await readdir(dir)).sort()) {
    const file = join(dir, host, 'hosts.toml');
    if (!existsSync(file)) continue;
    // containerd spells ports in directory names as "_5000_" on systems that forbid ':'; accept both.
    config[host.replace(/_(\d+)_$/, ':$1')] = parseHostsToml(await readFile(file, 'utf8'));
  }
  return config;
}
