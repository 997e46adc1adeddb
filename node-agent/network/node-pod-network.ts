// The PodNetwork the agent runs with: a BridgeNetwork on the pod subnet the
// apiserver gave this node at registration (DATA/node.json). Until the node has
// a subnet (an apiserver without a pod CIDR allocator), pods get loopback only.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PodRef } from '../../client/node-client';
import type { PodNetwork, PodNetworkOptions } from '../agent/pod-network';
import { BridgeNetwork, type BridgeNetworkOptions } from './bridge-network';

export interface NodePodNetworkOptions extends Omit<BridgeNetworkOptions, 'podCidr'> {
  warn?(message: string): void;
}

export class NodePodNetwork implements PodNetwork {
  private bridge?: BridgeNetwork;
  private warned = false;

  constructor(private readonly opts: NodePodNetworkOptions) {}

  async setUp(pod: PodRef, netnsPath: string, opts?: PodNetworkOptions): Promise<{ ips: string[] }> {
    const bridge = await this.network();
    if (!bridge) {
      if (!this.warned) this.opts.warn?.('this node has no pod subnet (spec.podCIDR): pods get loopback only');
      this.warned = true;
      return { ips: [] };
    }
    return bridge.setUp(pod, netnsPath, opts);
  }

  async tearDown(pod: PodRef): Promise<void> {
    await (await this.network())?.tearDown(pod);
  }

  /** See BridgeNetwork.removeStale: for the agent to call once it knows which pods it runs. */
  async removeStale(livePodUids: Iterable<string>): Promise<void> {
    await (await this.network())?.removeStale(livePodUids);
  }

  /** Removes the node's bridge, routes and egress rules (`kapstan down` leaves no device behind). */
  async removeNode(): Promise<void> {
    await (await this.network())?.removeNode();
  }

  /** The node's pod subnet, once registration gave it one. */
  async podCidr(): Promise<string | undefined> {
    return readFile(join(this.opts.dataDir, 'node.json'), 'utf8')
      .then((text) => (JSON.parse(text) as { podCidr?: string }).podCidr || undefined, () => undefined);
  }

  private async network(): Promise<BridgeNetwork | undefined> {
    if (this.bridge) return this.bridge;
    const podCidr = await this.podCidr();
    if (podCidr) this.bridge = new BridgeNetwork({ ...this.opts, podCidr });
    return this.bridge;
  }
}
