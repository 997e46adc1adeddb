// Every server publishes where it serves, as Kubernetes' lease endpoint
// reconciler does: a Lease per server (kube-system/kapstan-apiserver-<address>,
// renewed every 10 s, good for 30 s) and, from the unexpired ones, the
// `kubernetes` Endpoints in `default` behind the `kubernetes` Service
// (10.96.0.1:443). Pods reach the API through it, and agents learn every
// server from it (cmd/kapstan/agent-servers.ts).
import { findByKind } from '../../api/resources';
import { isApiError } from '../../api/errors';
import type { KubeObject } from '../../api/types';
import type { RestClient } from '../../client/rest-client';

export const APISERVER_LEASE_LABEL = 'kapstan.io/apiserver';
export const LEASE_DURATION_SECONDS = 30;
const RENEW_INTERVAL_MS = 10_000;
export const KUBERNETES_SERVICE_IP = '10.96.0.1';

const LEASES = findByKind('coordination.k8s.io/v1', 'Lease')!;
const SERVICES = findByKind('v1', 'Service')!;
const ENDPOINTS = findByKind('v1', 'Endpoints')!;

interface LeaseLike {
  spec?: { holderIdentity?: string; renewTime?: string; leaseDurationSeconds?: number };
}

type Subsets = Array<{ addresses: Array<{ ip: string }>; ports: Array<{ name: string; port: number; protocol: string }> }>;

/** The Endpoints subsets of the servers whose Leases have not expired at `now`: one subset per API port. */
export function subsetsFromLeases(leases: LeaseLike[], now: number): Subsets {
  const byPort = new Map<number, Set<string>>();
  for (const l of leases) {
    const renew = Date.parse(l.spec?.renewTime ?? '');
    if (!(renew + (l.spec?.leaseDurationSeconds ?? LEASE_DURATION_SECONDS) * 1000 > now)) continue;
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(l.spec?.holderIdentity ?? '');
    if (!m) continue;
    const port = Number(m[2]);
    if (!byPort.has(port)) byPort.set(port, new Set());
    byPort.get(port)!.add(m[1]);
  }
  return [...byPort.entries()].sort(([a], [b]) => a - b).map(([port, ips]) => ({
    addresses: [...ips].sort().map((ip) => ({ ip })),
    ports: [{ name: 'https', port, protocol: 'TCP' }],
  }));
}

function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class ApiServerEndpoints {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private lastError = '';
  private readonly leaseName: string;

  constructor(private readonly opts: { client: RestClient; address: string; port: number; log(msg: string): void; now?: () => number }) {
    this.leaseName = `kapstan-apiserver-${opts.address.replace(/[.:]/g, '-')}`;
  }

  /** Publishes at once (errors are logged, not thrown), then every 10 s. */
  async start(): Promise<void> {
    await this.tick();
  }

  /**
   * Leaves the Endpoints now rather than when the Lease expires; bounded to
   * 2 s, so a server whose etcd has lost quorum (the last of a cluster being
   * shut down) still stops promptly: the others drop it when its Lease expires.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const leave = (async () => {
      await this.opts.client.delete(LEASES, 'kube-system', this.leaseName);
      await this.reconcileEndpoints();
    })().catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([leave, new Promise<void>((r) => (timer = setTimeout(r, 2000)))]);
    clearTimeout(timer);
  }

  private async tick(): Promise<void> {
    try {
      await this.renewLease();
      await this.ensureService();
      await this.reconcileEndpoints();
      this.lastError = '';
    } catch (err) {
      const msg = (err as Error).message;
      if (msg !== this.lastError) this.opts.log(`publishing the kubernetes Endpoints: ${msg}`);
      this.lastError = msg;
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), RENEW_INTERVAL_MS);
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  private async renewLease(): Promise<void> {
    const host = this.opts.address.includes(':') ? `[${this.opts.address}]` : this.opts.address;
    const spec = { holderIdentity: `${host}:${this.opts.port}`, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: microTime(this.now()) };
    const existing = await this.opts.client.get(LEASES, 'kube-system', this.leaseName).catch((err) => {
      if (isApiError(err) && err.code === 'NotFound') return undefined;
      throw err;
    });
    if (existing) {
      await this.opts.client.update(LEASES, 'kube-system', { ...existing, spec: { ...(existing as KubeObject & LeaseLike).spec, ...spec } } as KubeObject);
    } else {
      await this.opts.client.create(LEASES, 'kube-system', {
        apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
        metadata: { name: this.leaseName, namespace: 'kube-system', labels: { [APISERVER_LEASE_LABEL]: 'true' } },
        spec,
      });
    }
  }

  private async ensureService(): Promise<void> {
    const exists = await this.opts.client.get(SERVICES, 'default', 'kubernetes').then(() => true, (err) => {
      if (isApiError(err) && err.code === 'NotFound') return false;
      throw err;
    });
    if (exists) return;
    const service = (clusterIP?: string) => ({
      apiVersion: 'v1', kind: 'Service',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
      // No selector: the Endpoints are ours to write, not the Endpoints controller's.
      spec: { type: 'ClusterIP', ...(clusterIP ? { clusterIP } : {}), ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: this.opts.port }] },
    });
    try {
      await this.opts.client.create(SERVICES, 'default', service(KUBERNETES_SERVICE_IP));
    } catch (err) {
      if (isApiError(err) && err.code === 'AlreadyExists') return;
      // 10.96.0.1 taken by someone else: any address will do.
      await this.opts.client.create(SERVICES, 'default', service()).catch((e) => {
        if (!(isApiError(e) && e.code === 'AlreadyExists')) throw e;
      });
    }
  }

  private async reconcileEndpoints(): Promise<void> {
    const leases = await this.opts.client.list(LEASES, 'kube-system', { labelSelector: `${APISERVER_LEASE_LABEL}=true` });
    const subsets = subsetsFromLeases(leases.items as LeaseLike[], this.now());
    const existing = await this.opts.client.get(ENDPOINTS, 'default', 'kubernetes').catch((err) => {
      if (isApiError(err) && err.code === 'NotFound') return undefined;
      throw err;
    });
    if (!existing) {
      await this.opts.client.create(ENDPOINTS, 'default', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'kubernetes', namespace: 'default' }, subsets });
      return;
    }
    if (JSON.stringify(normalized((existing as KubeObject & { subsets?: Subsets }).subsets)) === JSON.stringify(subsets)) return;
    // A Conflict (another server wrote first) is retried on the next tick.
    await this.opts.client.update(ENDPOINTS, 'default', { ...existing, subsets } as KubeObject);
  }
}

/** Subsets as subsetsFromLeases builds them, to compare with what the API stored. */
function normalized(subsets: Subsets | undefined): Subsets {
  return (subsets ?? []).map((x) => ({
    addresses: (x.addresses ?? []).map((a) => ({ ip: a.ip })).sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0)),
    ports: (x.ports ?? []).map((p) => ({ name: p.name, port: p.port, protocol: p.protocol ?? 'TCP' })),
  }));
}
