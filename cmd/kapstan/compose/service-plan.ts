// One compose service read into the parts a pod is made of: the container,
// its mounts and ports, pod-level settings, replicas and restart policy, and
// the services it waits for. Every key is either mapped or warned about.
import { validateDns1123Label, validateLabelKey, validateLabelValue } from '../../../api/labels';
import { serviceEnvironment } from './environment';
import { healthcheckProbes } from './healthcheck';
import { parseExpose, parsePorts, type PortSpec } from './ports';
import type { ComposeProject } from './project';
import { splitShellWords, ShellWordsError } from './shell-words';
import { byteSizeToQuantity, cpusToQuantity, parseDurationSeconds } from './units';
import { dnsLabel, parseMounts, type MountSpec } from './volumes';
import { Warnings, isMap, scalarString } from './warnings';
import { parseDependsOn, type Dependency } from './depends-on';

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

export interface ServicePlan {
  service: string;
  /** The service's name as a DNS label, for Kubernetes object and container names. */
  k8sName: string;
  /** The container, without volumeMounts (see mounts). */
  container: Record<string, unknown>;
  mounts: MountSpec[];
  ports: PortSpec[];
  /** Pod spec fields other than containers and volumes. */
  podFields: Record<string, unknown>;
  replicas: number;
  restartPolicy: RestartPolicy;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  hasHealthcheck: boolean;
  dependsOn: Dependency[];
}

const MAPPED_KEYS = [
  'image', 'command', 'entrypoint', 'environment', 'env_file', 'ports', 'expose', 'volumes', 'tmpfs', 'depends_on',
  'healthcheck', 'deploy', 'scale', 'restart', 'working_dir', 'user', 'hostname', 'labels', 'stop_grace_period',
  'privileged', 'cap_add', 'cap_drop', 'read_only', 'tty', 'stdin_open', 'extra_hosts', 'dns', 'dns_search',
  'pull_policy', 'mem_limit', 'mem_reservation', 'cpus', 'profiles',
];

const UNSUPPORTED_REASONS: Record<string, string> = {
  networks: 'not supported; all pods share one network',
  network_mode: 'not supported; every pod joins the cluster network',
  links: 'not supported; every service is reachable by its name',
  external_links: 'not supported; every service is reachable by its name',
  container_name: 'not supported; Kubernetes names the pods',
  build: 'not supported; build and push the image, then set "image"',
  stop_signal: 'not supported; Kubernetes stops containers with SIGTERM, then SIGKILL',
  secrets: 'not supported; mount a Secret as a volume instead',
  configs: 'not supported; mount a ConfigMap as a volume instead',
  logging: 'not supported; the node agent keeps container logs',
  extends: 'not supported; copy the settings into the service',
  init: 'not supported; no init process is injected',
  domainname: 'not supported; ignored',
};

export function planService(project: ComposeProject, service: string, volumesRoot: string, warnings: Warnings): ServicePlan | undefined {
  const svc = project.services[service];
  const path = `services.${service}`;
  warnings.unknownKeys(path, svc, MAPPED_KEYS, UNSUPPORTED_REASONS);
  const image = scalarString(svc.image);
  if (!image) {
    warnings.add(`${path}.image`, svc.build !== undefined ? 'required: images are not built; the service is skipped' : 'required; the service is skipped');
    return undefined;
  }
  // Service names are DNS-1035 labels: they must also start with a letter.
  const label = dnsLabel(service, 'service');
  const k8sName = /^[0-9]/.test(label) ? `s-${label}`.slice(0, 63) : label;
  if (k8sName !== service) warnings.add(path, `named "${k8sName}" in Kubernetes (object names are DNS labels); other services reach it by that name`);

  const container: Record<string, unknown> = { name: k8sName, image };
  const command = words(svc.entrypoint, `${path}.entrypoint`, warnings);
  if (command) container.command = command.map(escapeDollars);
  const args = words(svc.command, `${path}.command`, warnings);
  if (args) container.args = args.map(escapeDollars);
  const env = serviceEnvironment(project, service, svc, warnings);
  if (env.size > 0) container.env = [...env].map(([name, value]) => ({ name, value: escapeDollars(value) }));
  if (typeof svc.working_dir === 'string' && svc.working_dir !== '') container.workingDir = svc.working_dir;
  const pullPolicy = imagePullPolicy(svc.pull_policy, `${path}.pull_policy`, warnings);
  if (pullPolicy) container.imagePullPolicy = pullPolicy;
  if (svc.tty === true) container.tty = true;
  if (svc.stdin_open === true) container.stdin = true;

  const ports = dedupePorts([...parsePorts(svc.ports, `${path}.ports`, warnings), ...parseExpose(svc.expose, `${path}.expose`, warnings)]);
  const probes = healthcheckProbes(svc.healthcheck, `${path}.healthcheck`, warnings);
  Object.assign(container, probes);
  const resources = containerResources(svc, path, warnings);
  if (resources) container.resources = resources;
  const securityContext = containerSecurityContext(svc, path, warnings);
  if (securityContext) container.securityContext = securityContext;

  const { labels, annotations } = composeLabels(svc.labels, `${path}.labels`, warnings);
  const deploy = isMap(svc.deploy) ? svc.deploy : {};
  if (svc.deploy !== undefined && !isMap(svc.deploy)) warnings.add(`${path}.deploy`, 'must be a mapping; ignored');
  warnings.unknownKeys(`${path}.deploy`, deploy, ['replicas', 'resources', 'restart_policy', 'mode', 'labels'], {
    placement: 'not supported; the scheduler places pods',
    update_config: 'not supported; Deployments roll out with their own strategy',
    rollback_config: 'not supported; ignored',
    endpoint_mode: 'not supported; every service gets a Kubernetes Service',
  });
  if (deploy.mode !== undefined && deploy.mode !== 'replicated') {
    warnings.add(`${path}.deploy.mode`, `"${String(deploy.mode)}" is not supported; the service is replicated`);
  }
  const deployLabels = composeLabels(deploy.labels, `${path}.deploy.labels`, warnings);
  Object.assign(labels, deployLabels.labels);
  Object.assign(annotations, deployLabels.annotations);

  return {
    service,
    k8sName,
    container,
    mounts: parseMounts(project, service, svc, volumesRoot, warnings),
    ports,
    podFields: podFields(svc, path, warnings),
    replicas: replicas(svc, deploy, path, warnings),
    restartPolicy: restartPolicy(svc.restart, deploy.restart_policy, path, warnings),
    labels,
    annotations,
    hasHealthcheck: probes.readinessProbe !== undefined,
    dependsOn: parseDependsOn(svc.depends_on, `${path}.depends_on`, warnings),
  };
}

/** Kubernetes expands `$(VAR)` in command, args and env values and reads `$$` as `$`; Compose does neither, so every `$` is doubled. */
export function escapeDollars(text: string): string {
  return text.replace(/\$/g, () => '$$');
}

function words(value: unknown, path: string, warnings: Warnings): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  let list: string[] | undefined;
  if (typeof value === 'string') {
    try {
      list = splitShellWords(value);
    } catch (e) {
      if (!(e instanceof ShellWordsError)) throw e;
      warnings.add(path, `${e.message}; ignored`);
      return undefined;
    }
  } else if (Array.isArray(value) && value.every((v) => scalarString(v) !== undefined)) {
    list = value.map((v) => scalarString(v) as string);
  } else {
    warnings.add(path, 'must be a string or a list of strings; ignored');
    return undefined;
  }
  if (list.length === 0) {
    warnings.add(path, "an empty value cannot be expressed in Kubernetes; the image's default is used");
    return undefined;
  }
  return list;
}

function imagePullPolicy(value: unknown, path: string, warnings: Warnings): string | undefined {
  if (value === undefined) return undefined;
  const policy = ({ always: 'Always', never: 'Never', missing: 'IfNotPresent', if_not_present: 'IfNotPresent' } as Record<string, string>)[String(value)];
  if (!policy) warnings.add(path, `"${String(value)}" is not supported; Kubernetes' default pull policy is used`);
  return policy;
}

/** A published port and an exposed one on the same container port are one Service port. */
function dedupePorts(ports: PortSpec[]): PortSpec[] {
  const out: PortSpec[] = [];
  for (const p of ports) {
    const same = out.find((o) => o.target === p.target && o.protocol === p.protocol);
    if (!same) out.push({ ...p });
    else if (same.published === undefined && p.published !== undefined) Object.assign(same, { published: p.published, hostIp: p.hostIp });
  }
  return out;
}

function containerResources(svc: Record<string, unknown>, path: string, warnings: Warnings): Record<string, unknown> | undefined {
  const limits: Record<string, string> = {};
  const requests: Record<string, string> = {};
  const set = (target: Record<string, string>, key: 'cpu' | 'memory', value: unknown, where: string) => {
    if (value === undefined) return;
    const q = key === 'cpu' ? cpusToQuantity(value) : byteSizeToQuantity(value);
    if (q === undefined) warnings.add(where, `cannot read ${JSON.stringify(value)}; ignored`);
    else target[key] = q;
  };
  set(limits, 'cpu', svc.cpus, `${path}.cpus`);
  set(limits, 'memory', svc.mem_limit, `${path}.mem_limit`);
  set(requests, 'memory', svc.mem_reservation, `${path}.mem_reservation`);
  const deploy = isMap(svc.deploy) ? svc.deploy : {};
  const resources = isMap(deploy.resources) ? deploy.resources : {};
  warnings.unknownKeys(`${path}.deploy.resources`, resources, ['limits', 'reservations']);
  for (const [key, target] of [['limits', limits], ['reservations', requests]] as const) {
    const section = isMap(resources[key]) ? resources[key] : {};
    const where = `${path}.deploy.resources.${key}`;
    warnings.unknownKeys(where, section, ['cpus', 'memory'], {
      pids: 'not supported; ignored',
      devices: 'not supported; devices are not passed to containers',
      generic_resources: 'not supported; ignored',
    });
    set(target, 'cpu', section.cpus, `${where}.cpus`);
    set(target, 'memory', section.memory, `${where}.memory`);
  }
  const out: Record<string, unknown> = {};
  if (Object.keys(limits).length) out.limits = limits;
  if (Object.keys(requests).length) out.requests = requests;
  return Object.keys(out).length ? out : undefined;
}

function containerSecurityContext(svc: Record<string, unknown>, path: string, warnings: Warnings): Record<string, unknown> | undefined {
  const ctx: Record<string, unknown> = {};
  const user = scalarString(svc.user);
  if (user !== undefined) {
    const m = /^(\d+)(?::(\d+))?$/.exec(user);
    if (!m) warnings.add(`${path}.user`, `"${user}": only numeric uid[:gid] is supported (Kubernetes does not look up user names); the image's user is used`);
    else {
      ctx.runAsUser = Number(m[1]);
      if (m[2] !== undefined) ctx.runAsGroup = Number(m[2]);
    }
  }
  if (svc.privileged === true) ctx.privileged = true;
  if (svc.read_only === true) ctx.readOnlyRootFilesystem = true;
  const caps = (key: 'cap_add' | 'cap_drop'): string[] => {
    const value = svc[key];
    if (value === undefined) return [];
    if (Array.isArray(value)) return value.map((c) => String(c).replace(/^CAP_/, ''));
    warnings.add(`${path}.${key}`, 'must be a list; ignored');
    return [];
  };
  const add = caps('cap_add');
  const drop = caps('cap_drop');
  if (add.length || drop.length) ctx.capabilities = { ...(add.length ? { add } : {}), ...(drop.length ? { drop } : {}) };
  return Object.keys(ctx).length ? ctx : undefined;
}

function podFields(svc: Record<string, unknown>, path: string, warnings: Warnings): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (svc.hostname !== undefined) {
    const hostname = scalarString(svc.hostname) ?? '';
    const problems = validateDns1123Label(hostname);
    if (problems.length) warnings.add(`${path}.hostname`, `"${hostname}" is not a valid pod hostname (${problems[0]}); ignored`);
    else fields.hostname = hostname;
  }
  if (svc.stop_grace_period !== undefined) {
    const s = parseDurationSeconds(svc.stop_grace_period);
    if (s === undefined) warnings.add(`${path}.stop_grace_period`, `cannot read duration ${JSON.stringify(svc.stop_grace_period)}; ignored`);
    else fields.terminationGracePeriodSeconds = Math.ceil(s);
  }
  const aliases = hostAliases(svc.extra_hosts, `${path}.extra_hosts`, warnings);
  if (aliases.length) fields.hostAliases = aliases;
  const list = (v: unknown) => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);
  const nameservers = list(svc.dns);
  const searches = list(svc.dns_search);
  if (nameservers.length || searches.length) {
    fields.dnsConfig = { ...(nameservers.length ? { nameservers } : {}), ...(searches.length ? { searches } : {}) };
  }
  return fields;
}

function hostAliases(value: unknown, path: string, warnings: Warnings): { ip: string; hostnames: string[] }[] {
  if (value === undefined) return [];
  const pairs: [string, string][] = [];
  if (isMap(value)) for (const [host, ip] of Object.entries(value)) pairs.push([host, String(ip)]);
  else if (Array.isArray(value)) {
    for (const entry of value) {
      const m = /^([^:=]+)[:=](.+)$/.exec(String(entry));
      if (m) pairs.push([m[1], m[2].replace(/^\[|\]$/g, '')]);
      else warnings.add(path, `cannot read ${JSON.stringify(entry)}; ignored`);
    }
  } else warnings.add(path, 'must be a list or a mapping; ignored');
  const byIp = new Map<string, string[]>();
  for (const [host, ip] of pairs) {
    if (ip === 'host-gateway') {
      warnings.add(path, `"${host}:host-gateway" is not supported; ignored`);
      continue;
    }
    byIp.set(ip, [...(byIp.get(ip) ?? []), host]);
  }
  return [...byIp].map(([ip, hostnames]) => ({ ip, hostnames }));
}

/** Compose labels that are valid Kubernetes labels become labels; the rest (free text values, say) become annotations. */
function composeLabels(value: unknown, path: string, warnings: Warnings): { labels: Record<string, string>; annotations: Record<string, string> } {
  const labels: Record<string, string> = {};
  const annotations: Record<string, string> = {};
  const entries: [string, string][] = [];
  if (isMap(value)) for (const [k, v] of Object.entries(value)) entries.push([k, scalarString(v) ?? '']);
  else if (Array.isArray(value)) {
    for (const entry of value) {
      const text = String(entry);
      const eq = text.indexOf('=');
      entries.push(eq < 0 ? [text, ''] : [text.slice(0, eq), text.slice(eq + 1)]);
    }
  } else if (value !== undefined) warnings.add(path, 'must be a mapping or a list; ignored');
  for (const [k, v] of entries) {
    if (k.startsWith('app.kubernetes.io/')) warnings.add(`${path}.${k}`, 'reserved for the converter; ignored');
    else if (validateLabelKey(k).length === 0 && validateLabelValue(v).length === 0) labels[k] = v;
    else if (validateLabelKey(k).length === 0) annotations[k] = v;
    else warnings.add(`${path}.${k}`, 'not a valid Kubernetes label or annotation key; ignored');
  }
  return { labels, annotations };
}

function replicas(svc: Record<string, unknown>, deploy: Record<string, unknown>, path: string, warnings: Warnings): number {
  const read = (v: unknown, where: string): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(scalarString(v));
    if (Number.isInteger(n) && n >= 0) return n;
    warnings.add(where, `must be a whole number, not ${JSON.stringify(v)}; ignored`);
    return undefined;
  };
  const fromDeploy = read(deploy.replicas, `${path}.deploy.replicas`);
  const fromScale = read(svc.scale, `${path}.scale`);
  if (fromDeploy !== undefined && fromScale !== undefined && fromDeploy !== fromScale) {
    warnings.add(`${path}.scale`, `conflicts with deploy.replicas; using deploy.replicas (${fromDeploy})`);
  }
  return fromDeploy ?? fromScale ?? 1;
}

/**
 * Compose restarts a container per `restart:` (or deploy.restart_policy).
 * A Deployment may only use restartPolicy Always, so `always`, `unless-stopped`
 * and an unset policy give a Deployment, while `no` and `on-failure` give bare
 * Pods with restartPolicy Never / OnFailure: they run once like a Compose
 * one-off service, and a completed pod stays completed.
 */
function restartPolicy(restart: unknown, policy: unknown, path: string, warnings: Warnings): RestartPolicy {
  if (isMap(policy)) {
    warnings.unknownKeys(`${path}.deploy.restart_policy`, policy, ['condition'], {
      delay: 'not supported; Kubernetes backs off restarts itself',
      max_attempts: 'not supported; Kubernetes retries without a limit',
      window: 'not supported; ignored',
    });
    if (restart === undefined && policy.condition !== undefined) {
      const byCondition: Record<string, RestartPolicy> = { none: 'Never', 'on-failure': 'OnFailure', any: 'Always' };
      const mapped = byCondition[String(policy.condition)];
      if (mapped) return mapped;
      warnings.add(`${path}.deploy.restart_policy.condition`, `"${String(policy.condition)}" is not supported; restarting always`);
    }
  }
  if (restart === undefined) return 'Always';
  const text = restart === false ? 'no' : String(restart);
  if (text === 'always' || text === 'unless-stopped') return 'Always';
  if (text === 'no') return 'Never';
  const m = /^on-failure(?::(\d+))?$/.exec(text);
  if (m) {
    if (m[1] !== undefined) warnings.add(`${path}.restart`, `a maximum of ${m[1]} restarts is not supported; restarting on failure without a limit`);
    return 'OnFailure';
  }
  warnings.add(`${path}.restart`, `"${text}" is not supported; restarting always`);
  return 'Always';
}
