// The conventional `kube-dns` Service (kube-system, 10.96.0.10, port 53 UDP
// and TCP), as kubeadm's and k3s's DNS add-ons create it. Kapstan's agents
// serve cluster DNS on that address on every node themselves (node-agent/dns),
// so the Service has no selector and no Endpoints: it reserves the address,
// so no other Service is given it, and it makes the DNS visible to
// `kubectl get svc -n kube-system` and to its own name.
import { findByKind } from '../../api/resources';
import { isApiError } from '../../api/errors';
import type { RestClient } from '../../client/rest-client';
import { DEFAULT_CLUSTER_DNS_IP } from '../../node-agent/dns/cluster-dns';

const SERVICES = findByKind('v1', 'Service')!;

/** Creates kube-system/kube-dns unless it exists; a failure is logged, not thrown. */
export async function ensureKubeDnsService(client: RestClient, log: (msg: string) => void, clusterIP = DEFAULT_CLUSTER_DNS_IP): Promise<void> {
  try {
    await client.create(SERVICES, 'kube-system', {
      apiVersion: 'v1', kind: 'Service',
      metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/name': 'CoreDNS' } },
      spec: {
        type: 'ClusterIP', clusterIP,
        ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 }, { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 }],
      },
    });
  } catch (err) {
    if (isApiError(err) && err.code === 'AlreadyExists') return;
    log(`kube-dns Service not created: ${(err as Error).message}`);
  }
}
