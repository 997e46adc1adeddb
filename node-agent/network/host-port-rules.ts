// hostPort as the CNI portmap plugin does it: the nft table `kaphostport`
// DNATs traffic for a node address (any, or the mapping's hostIP) and a host
// port to the pod's IP and container port. A pod reaching itself through its
// own hostPort (hairpin) is masqueraded, so the reply comes back through the
// node. From the node itself (nat output) 127.0.0.1:hostPort works too, as with
// Docker's published ports, for mappings without a hostIP (or 0.0.0.0 or
// 127.0.0.1): route_localnet (localnet.ts) lets the DNATed packet leave lo, and
// a loopback source leaving any other interface is masqueraded, since the pod's
// reply to 127.0.0.1 could never come back. From outside, 127.0.0.0/8 is never
// a hostPort destination (localnet.ts drops it). Replaced whole in one `nft -f`
// transaction.
import { MASQUERADE_MARK } from './service-rules';

export const HOST_PORT_TABLE = 'kaphostport';

export interface PortMapping {
  hostPort: number;
  containerPort: number;
  /** TCP, UDP or SCTP (default TCP). */
  protocol?: string;
  /** Only this node address (default: every one). */
  hostIP?: string;
}

export interface PodHostPorts {
  podIp: string;
  mappings: PortMapping[];
}

export function hostPortRuleset(pods: PodHostPorts[], table = HOST_PORT_TABLE): string {
  const rules: string[] = [];
  for (const { podIp, mappings } of pods) {
    for (const m of mappings) {
      const proto = (m.protocol ?? 'TCP').toLowerCase();
      const match = `${m.hostIP && m.hostIP !== '0.0.0.0' ? `ip daddr ${m.hostIP} ` : ''}${proto} dport ${m.hostPort}`;
      rules.push(`    ${match} ip saddr ${podIp} meta mark set meta mark | ${MASQUERADE_MARK}`);
      rules.push(`    ${match} dnat to ${podIp}:${m.containerPort}`);
    }
  }
  return [
    // Declaring then deleting makes the delete safe when the table is absent.
    `table ip ${table} {}`,
    `delete table ip ${table}`,
    `table ip ${table} {`,
    '  chain hostports {',
    ...rules,
    '  }',
    '  chain prerouting {',
    '    type nat hook prerouting priority dstnat; policy accept;',
    '    fib daddr type local ip daddr != 127.0.0.0/8 jump hostports',
    '  }',
    '  chain output {',
    '    type nat hook output priority -100; policy accept;',
    // The node's own connections, to 127.0.0.1 too (a hostIP other than loopback never matches it).
    '    fib daddr type local jump hostports',
    '  }',
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    `    meta mark & ${MASQUERADE_MARK} == ${MASQUERADE_MARK} masquerade`,
    // Only a DNATed 127.0.0.1 connection leaves another interface with a loopback source.
    '    ip saddr 127.0.0.0/8 oifname != "lo" masquerade',
    '  }',
    '}',
    '',
  ].join('\n');
}
