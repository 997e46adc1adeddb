// Membership changes of the managed etcd cluster, through the local member's
// JSON gateway (/v3/cluster/member/*): a joining server's member is added
// here, by the server it joins, so etcd's client port never leaves loopback.
import type { EtcdMemberRequest, EtcdMemberResponse } from '../../apiserver/pki';

interface EtcdMember {
  ID: string;
  name?: string;
  peerURLs?: string[];
  isLearner?: boolean;
}

async function gateway<T>(endpoint: string, path: string, body: unknown): Promise<T> {
  const res = await fetch(`${endpoint}/v3/cluster/${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`etcd ${path}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

export async function listEtcdMembers(endpoint: string): Promise<EtcdMember[]> {
  return (await gateway<{ members?: EtcdMember[] }>(endpoint, 'member/list', {})).members ?? [];
}

/**
 * Adds the member (idempotent for a joiner that crashed before its etcd first
 * started; a started member with the same peer URL is a machine that lost its
 * data, and is replaced) and returns the --initial-cluster it must start with.
 */
export async function addEtcdMember(endpoint: string, req: EtcdMemberRequest, log: (m: string) => void): Promise<EtcdMemberResponse> {
  let members = await listEtcdMembers(endpoint);
  const joining = members.find((m) => !m.name && !m.peerURLs?.includes(req.peerURL));
  // Two members that have not started yet would leave the cluster without quorum.
  if (joining) throw new Error(`another etcd member (${joining.peerURLs?.join(',')}) is still joining; retry when it has started`);
  const same = members.find((m) => m.peerURLs?.includes(req.peerURL));
  if (same?.name) {
    log(`etcd member ${same.name} (${req.peerURL}) rejoins without its data: removing it before adding it again`);
    await gateway(endpoint, 'member/remove', { ID: same.ID });
    members = members.filter((m) => m !== same);
  }
  if (!same || same.name) {
    members = (await addWhenHealthy(endpoint, req.peerURL)).members ?? [];
    log(`added etcd member ${req.name} at ${req.peerURL}`);
  }
  const entries: string[] = [];
  for (const m of members) {
    const ours = m.peerURLs?.includes(req.peerURL);
    if (!m.name && !ours) throw new Error(`another etcd member (${m.peerURLs?.join(',')}) is still joining; retry when it has started`);
    for (const url of m.peerURLs ?? []) entries.push(`${ours ? req.name : m.name}=${url}`);
  }
  return { initialCluster: entries.join(',') };
}

/**
 * etcd refuses a new voting member until every member has been connected for
 * a few seconds ("unhealthy cluster"), e.g. right after the previous join.
 */
async function addWhenHealthy(endpoint: string, peerURL: string): Promise<{ members?: EtcdMember[] }> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await gateway<{ members?: EtcdMember[] }>(endpoint, 'member/add', { peerURLs: [peerURL] });
    } catch (err) {
      if (!/unhealthy cluster/.test((err as Error).message) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
