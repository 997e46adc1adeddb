// The OCI image-spec documents we read and write (Docker's v2 schema 2 documents have the same shape),
// and platform selection in image indexes / manifest lists.
import { ApiError } from '../../api/errors';

export const MEDIA = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

export const MANIFEST_TYPES: string[] = [MEDIA.ociManifest, MEDIA.dockerManifest];
export const INDEX_TYPES: string[] = [MEDIA.ociIndex, MEDIA.dockerManifestList];

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
}

/** The parts of an image config (OCI or Docker) that decide how a container starts. */
export interface ImageConfigFile {
  architecture?: string;
  os?: string;
  config?: {
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    Env?: string[] | null;
    WorkingDir?: string;
    User?: string;
    StopSignal?: string;
    Labels?: Record<string, string> | null;
  };
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: Array<Record<string, unknown>>;
}

const NODE_ARCH: Record<string, string> = {
  x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64',
};

/** linux/<this machine's architecture>, in OCI's names (x64 → amd64). */
export function hostPlatform(): Platform {
  return { os: 'linux', architecture: NODE_ARCH[process.arch] ?? process.arch };
}

export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

/** The first manifest of an index for the platform (a variant only narrows when both name one). */
export function selectPlatform(index: ImageIndex, want: Platform): Descriptor {
  const match = index.manifests.find((m) =>
    m.platform &&
    m.platform.os === want.os &&
    m.platform.architecture === want.architecture &&
    (!want.variant || !m.platform.variant || m.platform.variant === want.variant));
  if (!match) {
    const have = index.manifests.map((m) => (m.platform ? formatPlatform(m.platform) : 'unknown')).join(', ');
    throw new ApiError('NotFound', `no image for platform ${formatPlatform(want)} (index has ${have || 'none'})`);
  }
  return match;
}

/** Whether a parsed document is an index, telling by mediaType first, then by shape. */
export function isIndex(doc: { mediaType?: string; manifests?: unknown }, contentType?: string): boolean {
  const type = doc.mediaType ?? contentType ?? '';
  if (INDEX_TYPES.includes(type)) return true;
  if (MANIFEST_TYPES.includes(type)) return false;
  return Array.isArray(doc.manifests);
}
