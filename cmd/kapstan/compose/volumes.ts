// Service `volumes:` and `tmpfs:` as Kubernetes volumes. Named volumes become
// a hostPath directory under /var/lib/kapstan/volumes/<project>_<name>
// (or the converter's volumesRoot)
// (DirectoryOrCreate), so their data outlives pods and restarts of the node,
// like a Docker named volume; bind mounts become a hostPath at the absolute
// path, resolved from the compose file's directory; tmpfs and anonymous
// volumes become emptyDir (medium Memory for tmpfs).
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { byteSizeToQuantity } from './units';
import { Warnings, isMap, scalarString } from './warnings';
import type { ComposeProject } from './project';

/** Where named volumes live on the node unless the converter is told otherwise. */
export const VOLUMES_ROOT = '/var/lib/kapstan/volumes';

export interface MountSpec {
  /** Identity of the backing storage: mounts with the same key share one pod volume. */
  key: string;
  nameHint: string;
  source: Record<string, unknown>;
  mountPath: string;
  readOnly: boolean;
  subPath?: string;
}

const SHORT_MODES = new Set(['ro', 'rw', 'z', 'Z', 'cached', 'delegated', 'consistent', 'nocopy']);

/** Reads a service's `volumes:` and `tmpfs:`. `service` names anonymous and tmpfs volumes so that two services' never clash. */
export function parseMounts(project: ComposeProject, service: string, svc: Record<string, unknown>, volumesRoot: string, warnings: Warnings): MountSpec[] {
  const path = `services.${service}`;
  const mounts: MountSpec[] = [];
  const entries = svc.volumes ?? [];
  if (!Array.isArray(entries)) warnings.add(`${path}.volumes`, 'must be a list; ignored');
  else {
    entries.forEach((entry, i) => {
      const where = `${path}.volumes[${i}]`;
      const text = scalarString(entry);
      const m = text !== undefined ? parseShortVolume(project, service, text, i, volumesRoot, where, warnings) : isMap(entry) ? parseLongVolume(project, service, entry, i, volumesRoot, where, warnings) : undefined;
      if (m === undefined) warnings.add(where, `cannot read volume ${JSON.stringify(entry)}; ignored`);
      else if (m !== null) mounts.push(m);
    });
  }
  const tmpfs = typeof svc.tmpfs === 'string' ? [svc.tmpfs] : svc.tmpfs ?? [];
  if (!Array.isArray(tmpfs)) warnings.add(`${path}.tmpfs`, 'must be a string or a list; ignored');
  else {
    tmpfs.forEach((entry, i) => {
      const [target, options] = String(entry).split(':', 2);
      if (options) warnings.add(`${path}.tmpfs[${i}]`, `mount options "${options}" are not supported; ignored`);
      mounts.push(tmpfsMount(service, target, i, undefined));
    });
  }
  return mounts;
}

function parseShortVolume(project: ComposeProject, service: string, text: string, index: number, volumesRoot: string, where: string, warnings: Warnings): MountSpec | null | undefined {
  const parts = text.split(':');
  if (parts.length === 1) return anonymousMount(service, parts[0], index);
  if (parts.length > 3) return undefined;
  const [source, target, modeText] = parts;
  const modes = (modeText ?? '').split(',').filter((m) => m !== '');
  const unknown = modes.filter((m) => !SHORT_MODES.has(m));
  if (unknown.length) warnings.add(where, `mode ${unknown.join(',')} is not supported; ignored`);
  const readOnly = modes.includes('ro');
  if (isBindSource(source)) return bindMount(project, source, target, readOnly, true);
  return namedMount(project, source, target, readOnly, volumesRoot, where, warnings);
}

function parseLongVolume(project: ComposeProject, service: string, entry: Record<string, unknown>, index: number, volumesRoot: string, where: string, warnings: Warnings): MountSpec | null | undefined {
  warnings.unknownKeys(where, entry, ['type', 'source', 'target', 'read_only', 'bind', 'volume', 'tmpfs', 'consistency'], {});
  const target = scalarString(entry.target);
  if (!target) return undefined;
  const readOnly = entry.read_only === true;
  const source = scalarString(entry.source) ?? '';
  const bind = isMap(entry.bind) ? entry.bind : {};
  const volume = isMap(entry.volume) ? entry.volume : {};
  const tmpfs = isMap(entry.tmpfs) ? entry.tmpfs : {};
  warnings.unknownKeys(`${where}.bind`, bind, ['create_host_path'], { propagation: 'not supported; ignored', selinux: 'not supported; ignored' });
  warnings.unknownKeys(`${where}.volume`, volume, ['nocopy', 'subpath']);
  warnings.unknownKeys(`${where}.tmpfs`, tmpfs, ['size'], { mode: 'not supported; ignored' });
  switch (entry.type ?? 'volume') {
    case 'bind':
      return bindMount(project, source, target, readOnly, bind.create_host_path !== false);
    case 'volume': {
      if (source === '') return anonymousMount(service, target, index);
      const m = namedMount(project, source, target, readOnly, volumesRoot, where, warnings);
      if (typeof volume.subpath === 'string' && volume.subpath !== '') m.subPath = volume.subpath;
      return m;
    }
    case 'tmpfs': {
      const size = tmpfs.size === undefined ? undefined : byteSizeToQuantity(tmpfs.size);
      if (tmpfs.size !== undefined && size === undefined) warnings.add(`${where}.tmpfs.size`, `cannot read size ${JSON.stringify(tmpfs.size)}; ignored`);
      return tmpfsMount(service, target, index, size);
    }
    default:
      warnings.add(`${where}.type`, `volume type ${JSON.stringify(entry.type)} is not supported; ignored`);
      return null;
  }
}

function isBindSource(source: string): boolean {
  return source.startsWith('.') || source.startsWith('/') || source.startsWith('~');
}

function bindMount(project: ComposeProject, source: string, target: string, readOnly: boolean, createHostPath: boolean): MountSpec {
  const expanded = source === '~' || source.startsWith('~/') ? homedir() + source.slice(1) : source;
  const hostPath = isAbsolute(expanded) ? resolve(expanded) : resolve(project.workingDir, expanded);
  // Compose creates a missing bind source as a directory; an existing path
  // (file or directory) is mounted as it is.
  const type = !existsSync(hostPath) && createHostPath ? { type: 'DirectoryOrCreate' } : {};
  return { key: `bind:${hostPath}`, nameHint: 'bind', source: { hostPath: { path: hostPath, ...type } }, mountPath: target, readOnly };
}

function namedMount(project: ComposeProject, name: string, target: string, readOnly: boolean, volumesRoot: string, where: string, warnings: Warnings): MountSpec {
  const declared = project.volumes[name];
  if (!(name in project.volumes)) warnings.add(where, `volume "${name}" is not declared under the top-level "volumes:"; using it as a named volume`);
  // External volumes and volumes with an explicit name are not prefixed with the project, as in Compose.
  const explicit = isMap(declared) && typeof declared.name === 'string' && declared.name !== '' ? declared.name : undefined;
  const external = isMap(declared) && (declared.external === true || isMap(declared.external));
  const dirName = explicit ?? (external ? name : `${project.name}_${name}`);
  return {
    key: `volume:${dirName}`,
    nameHint: name,
    source: { hostPath: { path: `${volumesRoot}/${dirName}`, type: 'DirectoryOrCreate' } },
    mountPath: target,
    readOnly,
  };
}

function anonymousMount(service: string, target: string, index: number): MountSpec {
  return { key: `anonymous:${service}:${index}`, nameHint: 'anonymous', source: { emptyDir: {} }, mountPath: target, readOnly: false };
}

function tmpfsMount(service: string, target: string, index: number, sizeLimit: string | undefined): MountSpec {
  return {
    key: `tmpfs:${service}:${target}:${index}`,
    nameHint: 'tmpfs',
    source: { emptyDir: { medium: 'Memory', ...(sizeLimit ? { sizeLimit } : {}) } },
    mountPath: target,
    readOnly: false,
  };
}

/** Warnings for top-level `volumes:` keys a hostPath directory cannot honour. */
export function checkVolumeDeclarations(project: ComposeProject, warnings: Warnings): void {
  for (const [name, decl] of Object.entries(project.volumes)) {
    if (decl === null || decl === undefined) continue;
    if (!isMap(decl)) {
      warnings.add(`volumes.${name}`, 'must be a mapping; ignored');
      continue;
    }
    warnings.unknownKeys(`volumes.${name}`, decl, ['name', 'external'], {
      driver: 'not supported; volumes are directories on the node',
      driver_opts: 'not supported; volumes are directories on the node',
    });
  }
}

/** The pod's volumes: one per distinct backing storage, with names valid as DNS labels. */
export class PodVolumes {
  readonly volumes: Record<string, unknown>[] = [];
  private readonly byKey = new Map<string, string>();

  add(mount: MountSpec): string {
    const existing = this.byKey.get(mount.key);
    if (existing) return existing;
    const base = dnsLabel(mount.nameHint, 'volume');
    let name = base;
    for (let n = 2; this.volumes.some((v) => v.name === name); n++) name = `${base.slice(0, 60)}-${n}`;
    this.byKey.set(mount.key, name);
    this.volumes.push({ name, ...mount.source });
    return name;
  }
}

/** `My_Service.name` → `my-service-name`: a DNS-1123 label for Kubernetes names. */
export function dnsLabel(text: string, fallback: string): string {
  const label = text.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
  return label === '' ? fallback : label;
}
