// Docker-style image references: "busybox:1.35" is docker.io/library/busybox:1.35, as the Docker CLI,
// containerd and the kubelet all normalize it (distribution/reference's ParseNormalizedNamed).
import { ApiError } from '../../api/errors';
import { isDigest } from './digest';

export const DOCKER_HUB = 'docker.io';

export interface ImageReference {
  /** Registry host as written (docker.io for Docker Hub), e.g. "127.0.0.1:5000". */
  registry: string;
  /** Repository path within the registry, e.g. "library/busybox". */
  repository: string;
  tag?: string;
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;

/** Parses and normalizes a reference; a reference with neither tag nor digest gets tag "latest". */
export function parseImageReference(ref: string): ImageReference {
  let rest = ref.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(digest)) throw new ApiError('Invalid', `invalid image reference "${ref}": bad digest`);
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG.test(tag)) throw new ApiError('Invalid', `invalid image reference "${ref}": bad tag`);
  }
  const parts = rest.split('/');
  let registry = DOCKER_HUB;
  // The first component is a registry host only when it looks like one, as the Docker CLI decides.
  if (parts.length > 1 && (parts[0].includes('.') || parts[0].includes(':') || parts[0] === 'localhost')) {
    registry = parts.shift()!;
  }
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift('library');
  if (parts.length === 0 || parts.some((p) => !COMPONENT.test(p))) {
    throw new ApiError('Invalid', `invalid image reference "${ref}": repository must be lowercase [a-z0-9._-] components`);
  }
  if (!tag && !digest) tag = 'latest';
  return { registry, repository: parts.join('/'), tag, digest };
}

/** "docker.io/library/busybox" */
export function repositoryName(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}`;
}

/** The full normalized form: "docker.io/library/busybox:1.35" or "…@sha256:…" (tag kept before the digest). */
export function formatImageReference(ref: ImageReference): string {
  return `${repositoryName(ref)}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

export function normalizeImageReference(ref: string): string {
  return formatImageReference(parseImageReference(ref));
}
