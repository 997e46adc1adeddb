// A compose project as Kubernetes objects: per service a Service (ClusterIP
// with its ports, or headless when it has none, so that every service is
// reachable by its name as on a Compose network) and a workload: a
// Deployment, or bare Pods for services that must not be restarted (see
// restartPolicy in service-plan.ts).
//
// Published ports: a published port in the NodePort range (30000–32767)
// becomes the Service's nodePort (type NodePort), reachable on every node's
// address (the Service's other ports then get a nodePort allocated too); any
// other published port becomes a hostPort on the container port
// (hostIP kept), reachable on the node that runs the pod — on the single
// node of `kapstan up`, that is the machine, exactly like `docker compose`.
// Deployments with a hostPort roll out with Recreate, because a new pod could
// not bind the port while the old one holds it.
//
// A service depended on only with service_completed_successfully runs as an
// init container of each dependent pod (see depends-on.ts) and gets no
// workload of its own, so it does not run twice.
import { validateLabelValue } from '../../../api/labels';
import type { KubeObject } from '../../../api/types';
import { waitContainer } from './depends-on';
import { ComposeError, type ComposeProject } from './project';
import { planService, type ServicePlan } from './service-plan';
import { checkVolumeDeclarations, PodVolumes, VOLUMES_ROOT } from './volumes';
import { Warnings } from './warnings';
import type { PortSpec } from './ports';

export interface ConvertOptions {
  /** Sets metadata.namespace on every object; otherwise objects go wherever they are applied. */
  namespace?: string;
  /** Compose profiles to enable: services with `profiles:` run only when one of theirs is enabled. */
  profiles?: readonly string[];
  /** The node directory that holds named volumes; default /var/lib/kapstan/volumes. */
  volumesRoot?: string;
}

export interface ConvertResult {
  objects: KubeObject[];
  warnings: string[];
}

/** A host IP that means "every address", as no hostIP does. */
const ALL_ADDRESSES = ['0.0.0.0', '::'];
const NODE_PORT_MIN = 30000;
const NODE_PORT_MAX = 32767;

const TOP_LEVEL_REASONS: Record<string, string> = {
  version: 'obsolete; ignored',
  networks: 'not supported; all pods share one network',
  secrets: 'not supported; create Secrets and mount them as volumes',
  configs: 'not supported; create ConfigMaps and mount them as volumes',
  include: 'not supported; convert the included files too',
};

export function isNodePort(port: number): boolean {
  return port >= NODE_PORT_MIN && port <= NODE_PORT_MAX;
}

/**
 * Converts a loaded project. Keys that cannot be carried over are warnings;
 * a project that cannot be converted at all (an env_file that cannot be
 * read, a dependency cycle) throws a ComposeError.
 */
export function convertCompose(project: ComposeProject, options: ConvertOptions = {}): ConvertResult {
  const warnings = new Warnings();
  project.warnings.forEach((w) => warnings.list.push(w));
  warnings.unknownKeys('', project.topLevel, ['name', 'services', 'volumes'], TOP_LEVEL_REASONS);
  checkVolumeDeclarations(project, warnings);

  const plans = new Map<string, ServicePlan>();
  for (const service of Object.keys(project.services)) {
    if (!profileEnabled(project.services[service].profiles, options.profiles ?? [])) continue;
    const plan = planService(project, service, options.volumesRoot ?? VOLUMES_ROOT, warnings);
    if (!plan) continue;
    const clash = [...plans.values()].find((p) => p.k8sName === plan.k8sName);
    if (clash) throw new ComposeError(`services.${service}: named "${plan.k8sName}" in Kubernetes, like services.${clash.service}; rename one of them`);
    plans.set(service, plan);
  }
  resolveDependencies(project, plans, warnings);
  const initOnly = servicesRunOnlyAsInit(plans);
  for (const service of initOnly) {
    const dependents = [...plans.values()].filter((p) => p.dependsOn.some((d) => d.service === service)).map((p) => p.service);
    warnings.add(`services.${service}`, `runs as an init container of ${dependents.join(', ')} (depended on with condition service_completed_successfully), not as a workload of its own`);
  }

  const services: KubeObject[] = [];
  const workloads: KubeObject[] = [];
  for (const plan of plans.values()) {
    if (initOnly.has(plan.service)) continue;
    const selector = selectorLabels(project, plan);
    const meta = (name: string): KubeObject['metadata'] => ({
      name,
      ...(options.namespace ? { namespace: options.namespace } : {}),
      labels: { ...plan.labels, ...selector },
      ...(Object.keys(plan.annotations).length ? { annotations: { ...plan.annotations } } : {}),
    });
    services.push({ apiVersion: 'v1', kind: 'Service', metadata: meta(plan.k8sName), spec: serviceSpec(plan, selector) });
    const podSpec = buildPodSpec(plan, plans, warnings);
    if (plan.restartPolicy === 'Always') {
      const usesHostPort = plan.ports.some((p) => p.published !== undefined && !isNodePort(p.published));
      const { name: _name, namespace: _ns, ...templateMeta } = meta(plan.k8sName);
      workloads.push({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: meta(plan.k8sName),
        spec: {
          replicas: plan.replicas,
          selector: { matchLabels: selector },
          ...(usesHostPort ? { strategy: { type: 'Recreate' } } : {}),
          template: { metadata: templateMeta, spec: podSpec },
        },
      });
    } else {
      for (let i = 1; i <= plan.replicas; i++) {
        const name = plan.replicas === 1 ? plan.k8sName : `${plan.k8sName}-${i}`;
        workloads.push({ apiVersion: 'v1', kind: 'Pod', metadata: meta(name), spec: { ...structuredClone(podSpec), restartPolicy: plan.restartPolicy } });
      }
    }
  }
  return { objects: [...services, ...workloads], warnings: warnings.list };
}

function profileEnabled(profiles: unknown, enabled: readonly string[]): boolean {
  if (!Array.isArray(profiles) || profiles.length === 0) return true;
  return profiles.some((p) => enabled.includes(String(p)));
}

/**
 * Drops dependencies on services that will not exist, with a warning unless
 * `required: false`; refuses a dependency cycle, as Compose does.
 */
function resolveDependencies(project: ComposeProject, plans: Map<string, ServicePlan>, warnings: Warnings): void {
  for (const plan of plans.values()) {
    plan.dependsOn = plan.dependsOn.filter((dep) => {
      if (plans.has(dep.service)) return true;
      if (dep.required) {
        const why = dep.service in project.services ? 'is not converted (see its warnings or profiles)' : 'is not defined';
        warnings.add(`services.${plan.service}.depends_on.${dep.service}`, `the service ${why}; not waited for`);
      }
      return false;
    });
  }
  const done = new Set<string>();
  const visit = (service: string, chain: string[]) => {
    if (chain.includes(service)) {
      const cycle = [...chain.slice(chain.indexOf(service)), service];
      throw new ComposeError(`services.${service}.depends_on: dependency cycle: ${cycle.join(' -> ')}`);
    }
    if (done.has(service)) return;
    for (const dep of plans.get(service)?.dependsOn ?? []) visit(dep.service, [...chain, service]);
    done.add(service);
  };
  for (const service of plans.keys()) visit(service, []);
}

function servicesRunOnlyAsInit(plans: Map<string, ServicePlan>): Set<string> {
  const completedOnly = new Map<string, boolean>();
  for (const plan of plans.values()) {
    for (const dep of plan.dependsOn) {
      const completed = dep.condition === 'service_completed_successfully';
      completedOnly.set(dep.service, (completedOnly.get(dep.service) ?? true) && completed);
    }
  }
  return new Set([...completedOnly].filter(([, only]) => only).map(([s]) => s));
}

function selectorLabels(project: ComposeProject, plan: ServicePlan): Record<string, string> {
  const name = validateLabelValue(plan.service).length === 0 ? plan.service : plan.k8sName;
  return { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': project.name.replace(/[-_]+$/, '').slice(0, 63) };
}

function serviceSpec(plan: ServicePlan, selector: Record<string, string>): Record<string, unknown> {
  if (plan.ports.length === 0) return { clusterIP: 'None', selector };
  const names = new Set<string>();
  const ports = plan.ports.map((p) => {
    let name = p.name && /^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/.test(p.name) ? p.name : `${p.protocol.toLowerCase()}-${p.target}`;
    if (names.has(name)) name = `${p.protocol.toLowerCase()}-${p.target}`;
    names.add(name);
    return {
      name,
      ...(p.protocol !== 'TCP' ? { protocol: p.protocol } : {}),
      ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
      port: p.target,
      targetPort: p.target,
      ...(p.published !== undefined && isNodePort(p.published) ? { nodePort: p.published } : {}),
    };
  });
  const nodePort = ports.some((p) => 'nodePort' in p);
  return { ...(nodePort ? { type: 'NodePort' } : {}), selector, ports };
}

function containerPorts(ports: readonly PortSpec[]): Record<string, unknown>[] {
  return ports.map((p) => ({
    containerPort: p.target,
    ...(p.protocol !== 'TCP' ? { protocol: p.protocol } : {}),
    ...(p.published !== undefined && !isNodePort(p.published)
      ? { hostPort: p.published, ...(p.hostIp && !ALL_ADDRESSES.includes(p.hostIp) ? { hostIP: p.hostIp } : {}) }
      : {}),
  }));
}

function buildPodSpec(plan: ServicePlan, plans: Map<string, ServicePlan>, warnings: Warnings): Record<string, unknown> {
  const volumes = new PodVolumes();
  const initContainers: Record<string, unknown>[] = [];
  const containerNames = new Set<string>([plan.k8sName]);
  const withMounts = (p: ServicePlan, c: Record<string, unknown>) => {
    const mounts = p.mounts.map((m) => ({
      name: volumes.add(m),
      mountPath: m.mountPath,
      ...(m.readOnly ? { readOnly: true } : {}),
      ...(m.subPath ? { subPath: m.subPath } : {}),
    }));
    return mounts.length ? { ...c, volumeMounts: mounts } : c;
  };
  const addInit = (c: Record<string, unknown>) => {
    if (containerNames.has(c.name as string)) return;
    containerNames.add(c.name as string);
    initContainers.push(c);
  };
  // Dependencies are acyclic (resolveDependencies), so this recursion ends.
  const addDependencies = (p: ServicePlan) => {
    for (const dep of p.dependsOn) {
      const target = plans.get(dep.service) as ServicePlan;
      if (dep.condition === 'service_completed_successfully') {
        addDependencies(target);
        const { readinessProbe: _r, startupProbe: _s, ...container } = target.container;
        addInit(withMounts(target, container));
        continue;
      }
      if (dep.condition === 'service_healthy' && !target.hasHealthcheck) {
        warnings.add(`services.${p.service}.depends_on.${dep.service}`, `condition service_healthy, but ${dep.service} has no healthcheck; waiting until it answers`);
      }
      addInit(waitContainer(target.k8sName, target.ports));
    }
  };
  addDependencies(plan);
  const ports = containerPorts(plan.ports);
  const main = withMounts(plan, { ...plan.container, ...(ports.length ? { ports } : {}) });
  return {
    ...(initContainers.length ? { initContainers } : {}),
    containers: [main],
    ...(volumes.volumes.length ? { volumes: volumes.volumes } : {}),
    ...plan.podFields,
  };
}
