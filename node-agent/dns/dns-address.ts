// The cluster DNS address on the node: a /32 on `kapdns0`, a link of its own
// (an empty bridge: the `dummy` driver is not everywhere), so removing the
// link removes the address, and nothing else on the node is touched.
import { isMissing, NetnsCommands } from '../network/commands';

export const DNS_LINK = 'kapdns0';

export class DnsAddress {
  private readonly commands: NetnsCommands;

  constructor(private readonly ip: string, nodeNetnsPath?: string) {
    this.commands = new NetnsCommands(nodeNetnsPath);
  }

  /** Creates the link and address when missing. Idempotent. */
  async ensure(): Promise<void> {
    const links = await this.commands.nodeJson<Array<{ ifname: string }>>(['link', 'show']);
    if (!links.some((l) => l.ifname === DNS_LINK)) await this.commands.node(['ip', 'link', 'add', DNS_LINK, 'type', 'bridge']);
    await this.commands.node(['ip', 'addr', 'replace', `${this.ip}/32`, 'dev', DNS_LINK]);
    await this.commands.node(['ip', 'link', 'set', DNS_LINK, 'up']);
  }

  async remove(): Promise<void> {
    await this.commands.node(['ip', 'link', 'del', DNS_LINK]).catch((err) => {
      if (!isMissing(err)) throw err;
    });
  }
}
