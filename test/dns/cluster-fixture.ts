// A small cluster for DNS tests: a ClusterIP Service with named ports, a headless
// Service with ready and not-ready endpoints, a Service with no ClusterIP yet,
// ExternalName Services pointing inside and outside the cluster, and a headless
// Service whose answer does not fit a 512-byte UDP reply.
import type { DnsEndpointsObject, DnsServiceObject } from '../../node-agent/dns/records';

export const services: DnsServiceObject[] = [
  {
    metadata: { namespace: 'default', name: 'web' },
    spec: {
      type: 'ClusterIP',
      clusterIP: '10.96.0.10',
      ports: [
        { name: 'http', protocol: 'TCP', port: 80 },
        { name: 'dns', protocol: 'UDP', port: 53 },
        { port: 9000 },
      ],
    },
  },
  {
    metadata: { namespace: 'shop', name: 'db' },
    spec: { clusterIP: 'None', ports: [{ name: 'pg', protocol: 'TCP', port: 5432 }] },
  },
  { metadata: { namespace: 'default', name: 'pending' }, spec: { clusterIP: '' } },
  { metadata: { namespace: 'default', name: 'alias' }, spec: { type: 'ExternalName', externalName: 'web.default.svc.cluster.local' } },
  { metadata: { namespace: 'default', name: 'docs' }, spec: { type: 'ExternalName', externalName: 'docs.example.org' } },
  { metadata: { namespace: 'bulk', name: 'many' }, spec: { clusterIP: 'None' } },
];

/** The ready endpoints of bulk/many: too many for one plain UDP answer. */
export const manyIps = Array.from({ length: 60 }, (_, i) => `10.244.9.${i + 1}`);

export const endpoints: DnsEndpointsObject[] = [
  {
    metadata: { namespace: 'default', name: 'web' },
    subsets: [{ addresses: [{ ip: '10.244.1.5' }], ports: [{ name: 'http', port: 8080 }] }],
  },
  {
    metadata: { namespace: 'shop', name: 'db' },
    subsets: [
      {
        addresses: [{ ip: '10.244.1.7', hostname: 'db-0' }, { ip: '10.244.2.8' }],
        notReadyAddresses: [{ ip: '10.244.3.9', hostname: 'db-2' }],
        ports: [{ name: 'pg', port: 15432, protocol: 'TCP' }],
      },
    ],
  },
  { metadata: { namespace: 'bulk', name: 'many' }, subsets: [{ addresses: manyIps.map((ip) => ({ ip })) }] },
];
