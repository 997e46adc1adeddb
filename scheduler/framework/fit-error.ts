// Kubernetes' FitError message: `0/3 nodes are available: 1 Insufficient
// memory, 2 node(s) had untolerated taint {dedicated: gpu}.` Each reason of each
// node counts once; the "N reason" strings are sorted as strings, as Go's
// sort.Strings does.
import type { Status } from './status';

export function fitErrorMessage(numAllNodes: number, statuses: Iterable<Status>, preFilterMessage?: string): string {
  const head = `0/${numAllNodes} nodes are available`;
  if (preFilterMessage !== undefined) return `${head}: ${preFilterMessage}.`;
  const counts = new Map<string, number>();
  for (const s of statuses) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  const parts = [...counts].map(([reason, n]) => `${n} ${reason}`).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return parts.length === 0 ? `${head}.` : `${head}: ${parts.join(', ')}.`;
}
