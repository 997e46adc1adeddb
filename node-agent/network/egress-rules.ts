// The node's own nft table `kapnet`: masquerade for pod traffic leaving the
// cluster's CIDRs. Replaced whole in one `nft -f` transaction.

export const EGRESS_TABLE = 'kapnet';

export interface EgressConfig {
  clusterPodCidr: string;
  serviceCidr: string;
  table?: string;
}

export function egressRuleset(cfg: EgressConfig): string {
  const table = cfg.table ?? EGRESS_TABLE;
  return [
    // Declaring then deleting makes the delete safe when the table is absent.
    `table ip ${table} {}`,
    `delete table ip ${table}`,
    `table ip ${table} {`,
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    `    ip saddr ${cfg.clusterPodCidr} ip daddr != { ${cfg.clusterPodCidr}, ${cfg.serviceCidr} } masquerade`,
    '  }',
    '}',
    '',
  ].join('\n');
}
