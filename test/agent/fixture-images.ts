// A real image source for agent tests: busybox:1.35 is a busybox rootfs directory built from Debian's
// busybox-static (test/fixtures/runtime/busybox-rootfs.ts), served through the agent's ImageProvider shape.
import { createHash } from 'node:crypto';
import type { ImagePullPolicy, ImageProvider, ResolvedImage } from '../../node-agent/agent/image-provider';

const BUSYBOX_NAMES = ['busybox', 'busybox:1.35', 'busybox:latest', 'docker.io/library/busybox:1.35', 'docker.io/library/busybox:latest'];

export class BusyboxImages implements ImageProvider {
  readonly requests: { ref: string; policy: ImagePullPolicy }[] = [];

  constructor(private readonly layerDir: string) {}

  async ensureImage(ref: string, policy: ImagePullPolicy): Promise<ResolvedImage> {
    this.requests.push({ ref, policy });
    if (!BUSYBOX_NAMES.includes(ref)) throw new Error(`image ${ref} not found (only busybox is available in this test)`);
    return {
      imageId: `sha256:${createHash('sha256').update(`busybox-rootfs:${this.layerDir}`).digest('hex')}`,
      layers: [this.layerDir],
      config: { entrypoint: null, cmd: ['sh'], env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], workingDir: null, user: null },
    };
  }
}
