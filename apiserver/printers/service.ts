// Services: NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE (+ SELECTOR).
import { ageColumn, humanAge, nameColumn, Printer } from './index';
import { column, formatLabels, Json, spec, status } from './printer-helpers';

export const servicePrinter: Printer = {
  columns: [
    nameColumn,
    column('Type', 'string', 'type determines how the Service is exposed.'),
    column('Cluster-IP', 'string', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
    column('External-IP', 'string', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
    column('Port(s)', 'string', 'The list of ports that are exposed by this service.'),
    ageColumn,
    column('Selector', 'string', 'Route service traffic to pods with label keys and values matching this selector.', 1),
  ],
  row(obj, now) {
    const sp = spec(obj);
    return [
      obj.metadata.name,
      sp.type ?? 'ClusterIP',
      sp.clusterIP || '<none>',
      externalIP(sp, status(obj)),
      portsText(sp.ports ?? []),
      humanAge(obj.metadata.creationTimestamp, now),
      formatLabels(sp.selector),
    ];
  },
};

function externalIP(sp: Json, st: Json): string {
  const external: string[] = sp.externalIPs ?? [];
  switch (sp.type ?? 'ClusterIP') {
    case 'ExternalName':
      return sp.externalName ?? '';
    case 'LoadBalancer': {
      const ingress: Json[] = st.loadBalancer?.ingress ?? [];
      const ips = [...ingress.map((i) => i.ip || i.hostname).filter(Boolean), ...external];
      return ips.length ? ips.join(',') : '<pending>';
    }
    default:
      return external.length ? external.join(',') : '<none>';
  }
}

function portsText(ports: Json[]): string {
  if (ports.length === 0) return '<none>';
  return ports
    .map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`))
    .join(',');
}
