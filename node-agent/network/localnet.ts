// 127.0.0.1:hostPort and 127.0.0.1:nodePort from the node itself (what Docker
// users expect of a published port; kube-proxy's iptables mode does the same
// for NodePorts). The nat output hooks DNAT such a connection to a pod; for the
// kernel to route a packet with a loopback source out of lo (and to accept the
// reply, un-NATed back to 127.0.0.1), net.ipv4.conf.all.route_localnet must be
// 1. That also opens the node to packets from the wire claiming a loopback
// source or destination (CVE-2020-8558), so the `kaplocalnet` table drops
// those first, before conntrack and NAT see them. The value the node had is
// kept in DATA/network/route_localnet.before and put back by restore() only if
// the agent changed it (as `kapstan down` does for ip_forward).
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { NetnsCommands } from './commands';

export const LOCALNET_TABLE = 'kaplocalnet';
const SYSCTL = 'net.ipv4.conf.all.route_localnet';

/** Drops loopback-addressed packets arriving on any interface but lo. */
export function localnetRuleset(table = LOCALNET_TABLE): string {
  return [
    `table ip ${table} {}`,
    `delete table ip ${table}`,
    `table ip ${table} {`,
    '  chain prerouting {',
    '    type filter hook prerouting priority raw; policy accept;',
    '    iifname != "lo" ip saddr 127.0.0.0/8 drop',
    '    iifname != "lo" ip daddr 127.0.0.0/8 drop',
    '  }',
    '}',
    '',
  ].join('\n');
}

export class RouteLocalnet {
  /** record: the file keeping the value from before the agent set it. */
  constructor(private readonly commands: NetnsCommands, private readonly record: string, private readonly table = LOCALNET_TABLE) {}

  /** The drop rules, then route_localnet=1 (remembering the value before, once). Idempotent. */
  async enable(): Promise<void> {
    await this.commands.node(['nft', '-f', '-'], localnetRuleset(this.table));
    const before = await this.current();
    if (before === '1') return;
    // An existing record (an agent that crashed) holds the older, true value: never replaced.
    if (!existsSync(this.record)) {
      await mkdir(dirname(this.record), { recursive: true });
      await writeFile(this.record, before + '\n');
    }
    await this.commands.node(['sysctl', '-q', '-w', `${SYSCTL}=1`]);
  }

  /** Puts back the value the agent found (only if it set it), then removes the drop rules. */
  async restore(): Promise<void> {
    const before = await readFile(this.record, 'utf8').then((t) => t.trim(), () => undefined);
    if (before !== undefined) {
      if (/^[01]$/.test(before) && (await this.current()) !== before) await this.commands.node(['sysctl', '-q', '-w', `${SYSCTL}=${before}`]);
      await rm(this.record, { force: true });
    }
    // Without route_localnet the kernel drops such packets itself; with it left on (the node had it), ours go too.
    await this.commands.node(['nft', '-f', '-'], `table ip ${this.table} {}\ndelete table ip ${this.table}\n`);
  }

  private async current(): Promise<string> {
    return (await this.commands.node(['sysctl', '-n', SYSCTL])).trim();
  }
}
