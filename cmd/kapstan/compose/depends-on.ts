// depends_on as Kubernetes can honour it, with init containers that run before
// the service's own container:
//
// - service_started and service_healthy: a busybox init container polls until
//   the dependency answers through its Service. For a Service with a TCP
//   port it connects to that port (busybox `nc`): the Service forwards only to
//   *ready* pods, so a connection succeeds only once a pod of the dependency
//   passes its readiness probe (its Compose healthcheck) — or, without a
//   healthcheck, once it runs and listens. For a dependency without ports
//   the Service is headless, and its DNS name resolves only to ready pods, so
//   the init container waits until the name resolves. The Service's full name
//   is used because busybox nslookup does not apply the search path.
//   service_started therefore waits for readiness too when the dependency
//   has a healthcheck: stricter than Compose, never looser. A dependency
//   with UDP ports only cannot be probed that way; its ClusterIP name
//   resolves as soon as the Service exists, so only that is waited for.
// - service_completed_successfully: the dependency runs as an init container
//   of the dependent pod (after the dependency's own waits), which is exactly
//   Kubernetes' "runs to completion, successfully, before the containers
//   start". See convert.ts for how such a service is emitted.
import type { PortSpec } from './ports';
import { Warnings, isMap } from './warnings';

export type Condition = 'service_started' | 'service_healthy' | 'service_completed_successfully';

export interface Dependency {
  service: string;
  condition: Condition;
  /** `required: false`: a dependency that is not part of the project is skipped, not warned about. */
  required: boolean;
}

export const WAIT_IMAGE = 'busybox:1.35';
const CONDITIONS: readonly string[] = ['service_started', 'service_healthy', 'service_completed_successfully'];

export function parseDependsOn(value: unknown, path: string, warnings: Warnings): Dependency[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.map((service) => ({ service: String(service), condition: 'service_started', required: true }));
  if (!isMap(value)) {
    warnings.add(path, 'must be a list or a mapping; ignored');
    return [];
  }
  return Object.entries(value).map(([service, options]) => {
    const opts = isMap(options) ? options : {};
    warnings.unknownKeys(`${path}.${service}`, opts, ['condition', 'required'], {
      restart: 'not supported; a dependent pod is not restarted when its dependency is',
    });
    let condition = (opts.condition ?? 'service_started') as Condition;
    if (!CONDITIONS.includes(condition)) {
      warnings.add(`${path}.${service}.condition`, `"${String(opts.condition)}" is not supported; waiting until the service is started`);
      condition = 'service_started';
    }
    return { service, condition, required: opts.required !== false };
  });
}

/** The init container that waits until `k8sName`'s Service answers (see the file comment for why this means "ready"). */
export function waitContainer(k8sName: string, ports: readonly PortSpec[]): Record<string, unknown> {
  const host = `${k8sName}.$(POD_NAMESPACE).svc.cluster.local`;
  const tcp = ports.find((p) => p.protocol === 'TCP');
  const what = tcp ? `${k8sName}:${tcp.target}` : k8sName;
  return {
    name: `wait-for-${k8sName}`.slice(0, 63).replace(/-+$/, ''),
    image: WAIT_IMAGE,
    command: ['sh', '-c', `until ${waitCondition(host, tcp?.target)}; do echo "waiting for ${what}"; sleep 1; done`],
    // $(POD_NAMESPACE) above is expanded by the node agent from this variable.
    env: [{ name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }],
  };
}

/**
 * A busybox shell condition that holds once `host` answers: on `port`, a TCP
 * connection (busybox nc without -z: `-e true` runs `true` once connected,
 * so the exit status is 0 only after a connection); without a port, a DNS
 * answer with an address (busybox nslookup exits 0 on an empty answer, so
 * the output is checked for a "Name:" line, printed only with an address).
 */
export function waitCondition(host: string, port: number | undefined): string {
  return port !== undefined
    ? `nc -w 2 ${host} ${port} -e true >/dev/null 2>&1`
    : `nslookup ${host} 2>/dev/null | grep -q '^Name:'`;
}
