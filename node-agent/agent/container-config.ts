// How a pod's container runs, decided from its spec and its image (the kubelet's
// generateContainerConfig): argv, env, working dir, user and resources. Pure: files it needs
// (the image's /etc/passwd and /etc/group) are passed in as text.
import { integerValue, milliValue } from '../../api/quantity';
import { cpuQuotaFromMilli, cpuSharesFromMilli, type ContainerDescription } from '../runtime/oci-spec';
import type { ImageRunConfig } from './image-provider';
import type { KubeObject } from '../../api/types';
import { ContainerConfigError } from './config-error';
import { resourceFieldValue } from './resource-field';
import { configMapValues, objectKey, secretValues, type PodObjectKind, type PodObjects } from './pod-objects';
import type { ContainerSpec, EnvFromSource, EnvVar, KeySelector, Pod } from './pod-types';

export { ContainerConfigError } from './config-error';

export interface PodFacts {
  nodeName: string;
  hostIP?: string;
  podIP?: string;
  /** The ConfigMaps and Secrets the container's env names, fetched beforehand (containerEnvRefs). */
  objects?: PodObjects;
  /** The node's allocatable resources: what resourceFieldRef gives for a limit the container does not set. */
  allocatable?: Record<string, string>;
}

export interface ImageUserFiles {
  passwd?: string;
  group?: string;
}

export type ContainerRunConfig = Pick<ContainerDescription, 'args' | 'env' | 'cwd' | 'user' | 'resources' | 'capabilities' |
  'privileged' | 'readOnlyRootFilesystem' | 'allowPrivilegeEscalation'>;

/** Kubernetes' $(VAR) expansion: known names are replaced, $$ escapes, unknown references stay as written. */
export function expandVars(text: string, vars: Map<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (whole, name?: string) => {
    if (whole === '$$') return '$';
    return name !== undefined && vars.has(name) ? vars.get(name)! : whole;
  });
}

/** command replaces the image's entrypoint (and drops its cmd); args replace cmd. */
export function containerArgv(c: Pick<ContainerSpec, 'command' | 'args'>, image: Pick<ImageRunConfig, 'entrypoint' | 'cmd'>): string[] {
  if (c.command?.length) return [...c.command, ...(c.args ?? [])];
  return [...(image.entrypoint ?? []), ...(c.args ?? image.cmd ?? [])];
}

/** The pod metadata a fieldRef can name in env and in downwardAPI volumes alike; undefined for other paths. */
export function podMetadataField(pod: Pod, fieldPath: string): string | undefined {
  const one = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (one) return (pod.metadata[one[1]] as Record<string, string> | undefined)?.[one[2]] ?? '';
  switch (fieldPath) {
    case 'metadata.name': return pod.metadata.name ?? '';
    case 'metadata.namespace': return pod.metadata.namespace ?? 'default';
    case 'metadata.uid': return pod.metadata.uid ?? '';
    default: return undefined;
  }
}

function fieldValue(pod: Pod, facts: PodFacts, fieldPath: string): string {
  const meta = podMetadataField(pod, fieldPath);
  if (meta !== undefined) return meta;
  switch (fieldPath) {
    case 'spec.nodeName': return facts.nodeName;
    case 'spec.serviceAccountName': return String((pod.spec as { serviceAccountName?: string }).serviceAccountName ?? '');
    case 'status.hostIP': return facts.hostIP ?? '';
    case 'status.podIP': return facts.podIP ?? '';
    default: throw new ContainerConfigError(`unsupported fieldRef ${fieldPath}`);
  }
}

/** The ConfigMaps and Secrets the container's env and envFrom read. */
export function containerEnvRefs(c: ContainerSpec): { kind: PodObjectKind; name: string }[] {
  const refs: { kind: PodObjectKind; name: string }[] = [];
  for (const from of c.envFrom ?? []) {
    if (from.configMapRef) refs.push({ kind: 'ConfigMap', name: from.configMapRef.name });
    if (from.secretRef) refs.push({ kind: 'Secret', name: from.secretRef.name });
  }
  for (const e of c.env ?? []) {
    if (e.valueFrom?.configMapKeyRef) refs.push({ kind: 'ConfigMap', name: e.valueFrom.configMapKeyRef.name });
    if (e.valueFrom?.secretKeyRef) refs.push({ kind: 'Secret', name: e.valueFrom.secretKeyRef.name });
  }
  return refs;
}

/** Kubernetes' IsEnvVarName: envFrom keys that fail it are skipped. */
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/**
 * Image env first, then envFrom sources in order, then the container's env, later names overriding
 * earlier; $(VAR) in a value sees the names before it.
 */
export function containerEnv(pod: Pod, c: ContainerSpec, image: Pick<ImageRunConfig, 'env'>, facts: PodFacts): string[] {
  const vars = new Map<string, string>();
  for (const entry of image.env ?? []) {
    const eq = entry.indexOf('=');
    if (eq > 0) vars.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  for (const from of c.envFrom ?? []) {
    for (const [key, value] of envFromValues(pod, from, facts)) {
      const name = (from.prefix ?? '') + key;
      if (ENV_VAR_NAME.test(name)) vars.set(name, value);
    }
  }
  for (const e of c.env ?? []) {
    const value = envValue(pod, c, e, facts, vars);
    if (value !== undefined) vars.set(e.name, value);
  }
  return [...vars].map(([k, v]) => `${k}=${v}`);
}

/**
 * The kubelet's InvalidEnvironmentVariableNames warnings: per envFrom source, the keys skipped because
 * prefix+key is not an env name (absent sources give none; they fail or are skipped elsewhere).
 */
export function skippedEnvFromKeys(pod: Pod, c: ContainerSpec, objects: PodObjects): string[] {
  const out: string[] = [];
  const ns = pod.metadata.namespace ?? 'default';
  for (const from of c.envFrom ?? []) {
    const [kind, ref] = from.configMapRef ? ['ConfigMap', from.configMapRef] as const : from.secretRef ? ['Secret', from.secretRef] as const : [];
    const obj = kind && objects.get(objectKey(kind, ref.name));
    if (!kind || !obj) continue;
    const bad = [...objectValues(kind, obj).keys()].filter((k) => !ENV_VAR_NAME.test((from.prefix ?? '') + k)).sort();
    if (bad.length) {
      out.push(`Keys [${bad.join(', ')}] from the EnvFrom ${kind === 'ConfigMap' ? 'configMap' : 'secret'} ${ns}/${ref.name} were skipped since they are considered invalid environment variable names.`);
    }
  }
  return out;
}

/** The object, undefined when it is optional and absent; a missing required one is a config error. */
function envObject(pod: Pod, facts: PodFacts, kind: PodObjectKind, name: string, optional: boolean | undefined): KubeObject | undefined {
  const obj = facts.objects?.get(objectKey(kind, name));
  if (obj) return obj;
  if (optional) return undefined;
  if (obj === undefined) throw new Error(`${kind} ${name} was not fetched before the container's env was built`);
  throw new ContainerConfigError(`${kind.toLowerCase()} "${name}" not found`);
}

function objectValues(kind: PodObjectKind, obj: KubeObject): Map<string, Buffer> {
  return kind === 'ConfigMap' ? configMapValues(obj, false) : secretValues(obj);
}

function envFromValues(pod: Pod, from: EnvFromSource, facts: PodFacts): Map<string, string> {
  const out = new Map<string, string>();
  const add = (kind: PodObjectKind, ref: { name: string; optional?: boolean }) => {
    const obj = envObject(pod, facts, kind, ref.name, ref.optional);
    if (obj) for (const [k, v] of objectValues(kind, obj)) out.set(k, v.toString('utf8'));
  };
  if (from.configMapRef) add('ConfigMap', from.configMapRef);
  if (from.secretRef) add('Secret', from.secretRef);
  return out;
}

/** The variable's value, or undefined when an optional source or key is absent (the variable is left out). */
function envValue(pod: Pod, c: ContainerSpec, e: EnvVar, facts: PodFacts, vars: Map<string, string>): string | undefined {
  const from = e.valueFrom;
  if (from?.fieldRef) return fieldValue(pod, facts, from.fieldRef.fieldPath);
  const keyRef = (kind: PodObjectKind, sel: KeySelector) => {
    const obj = envObject(pod, facts, kind, sel.name, sel.optional);
    if (!obj) return undefined;
    const value = objectValues(kind, obj).get(sel.key);
    if (value !== undefined) return value.toString('utf8');
    if (sel.optional) return undefined;
    throw new ContainerConfigError(`couldn't find key ${sel.key} in ${kind} ${pod.metadata.namespace ?? 'default'}/${sel.name}`);
  };
  if (from?.resourceFieldRef) return resourceFieldValue(pod, c.name, from.resourceFieldRef, facts.allocatable);
  if (from?.configMapKeyRef) return keyRef('ConfigMap', from.configMapKeyRef);
  if (from?.secretKeyRef) return keyRef('Secret', from.secretKeyRef);
  if (from) {
    const kind = Object.keys(from)[0];
    throw new ContainerConfigError(`env ${e.name}: valueFrom.${kind} is not supported by this agent yet`);
  }
  return expandVars(e.value ?? '', vars);
}

function lookupId(file: string | undefined, name: string): { id: number; gid?: number } | undefined {
  for (const line of (file ?? '').split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length >= 3) return { id: Number(f[2]), gid: f.length >= 4 && f[3] !== '' ? Number(f[3]) : undefined };
  }
  return undefined;
}

/** The image's USER ("uid", "uid:gid", "name", "name:group") resolved against its passwd and group files. */
export function resolveImageUser(user: string | null, files: ImageUserFiles): { uid: number; gid: number } {
  if (!user) return { uid: 0, gid: 0 };
  const [u, g] = user.split(':', 2);
  const passwd = /^\d+$/.test(u) ? { id: Number(u), gid: lookupIdByUid(files.passwd, Number(u)) } : lookupId(files.passwd, u);
  if (!passwd) throw new ContainerConfigError(`image user "${u}" is not in the image's /etc/passwd`);
  let gid = passwd.gid ?? 0;
  if (g !== undefined) {
    const group = /^\d+$/.test(g) ? { id: Number(g) } : lookupId(files.group, g);
    if (!group) throw new ContainerConfigError(`image group "${g}" is not in the image's /etc/group`);
    gid = group.id;
  }
  return { uid: passwd.id, gid };
}

function lookupIdByUid(passwd: string | undefined, uid: number): number | undefined {
  for (const line of (passwd ?? '').split('\n')) {
    const f = line.split(':');
    if (f.length >= 4 && Number(f[2]) === uid && f[3] !== '') return Number(f[3]);
  }
  return undefined;
}

function runAsUser(pod: Pod, c: ContainerSpec, image: ImageRunConfig, files: ImageUserFiles): { uid: number; gid: number } {
  const sc = { ...pod.spec.securityContext, ...c.securityContext };
  const fromImage = sc.runAsUser === undefined || sc.runAsGroup === undefined ? resolveImageUser(image.user, files) : { uid: 0, gid: 0 };
  const uid = sc.runAsUser ?? fromImage.uid;
  const gid = sc.runAsGroup ?? (sc.runAsUser !== undefined ? 0 : fromImage.gid);
  if (sc.runAsNonRoot && uid === 0) {
    throw new ContainerConfigError('container has runAsNonRoot and image will run as root');
  }
  return { uid, gid };
}

function resourceConfig(c: ContainerSpec): ContainerDescription['resources'] {
  const limits = c.resources?.limits ?? {};
  const requests = c.resources?.requests ?? {};
  const out: NonNullable<ContainerDescription['resources']> = {};
  // The kubelet takes a missing cpu request from the limit.
  const cpuRequest = requests.cpu ?? limits.cpu;
  if (cpuRequest !== undefined) out.cpuShares = cpuSharesFromMilli(milliValue(cpuRequest));
  if (limits.cpu !== undefined) {
    out.cpuPeriod = 100_000;
    out.cpuQuota = cpuQuotaFromMilli(milliValue(limits.cpu), out.cpuPeriod);
  }
  if (limits.memory !== undefined) out.memoryLimitBytes = integerValue(limits.memory);
  return Object.keys(out).length ? out : undefined;
}

export function containerRunConfig(pod: Pod, c: ContainerSpec, image: ImageRunConfig, facts: PodFacts, files: ImageUserFiles = {}): ContainerRunConfig {
  const env = containerEnv(pod, c, image, facts);
  const vars = new Map(env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
  const args = containerArgv(c, image).map((a) => expandVars(a, vars));
  if (args.length === 0) throw new ContainerConfigError('no command specified: the image has no entrypoint or cmd and the container no command');
  const sc = c.securityContext ?? {};
  return {
    args,
    env,
    cwd: c.workingDir || image.workingDir || '/',
    user: runAsUser(pod, c, image, files),
    resources: resourceConfig(c),
    capabilities: sc.capabilities,
    privileged: sc.privileged,
    readOnlyRootFilesystem: sc.readOnlyRootFilesystem,
    allowPrivilegeEscalation: sc.allowPrivilegeEscalation,
  };
}
