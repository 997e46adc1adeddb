// `kctl set image TYPE/NAME CONTAINER=IMAGE ... | '*'=IMAGE`: changes container
// images in a pod template (Deployment, ReplicaSet, DaemonSet, Job, CronJob) or
// a Pod with a strategic merge patch keyed by container name, as kubectl does;
// an object whose images already match is left alone and not printed.
import { isApiError } from '../api/errors';
import { STRATEGIC_MERGE_PATCH } from '../api/patch';
import type { KubeObject } from '../api/types';
import { formatError } from './errors';
import { UsageError } from './flags';
import { nameOf } from './object-output';
import type { Session } from './session';
import { quoted, resolveTargets } from './workload-target';

interface Container {
  name: string;
  image?: string;
}

interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
}

/** Where each kind keeps its pod spec. */
const POD_SPEC_PATH: Record<string, string[]> = {
  Pod: ['spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};
const TEMPLATE_PATH = ['spec', 'template', 'spec'];
const TEMPLATED_KINDS = new Set(['Deployment', 'ReplicaSet', 'DaemonSet', 'StatefulSet', 'Job', 'ReplicationController']);

export async function runSet(session: Session, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'image') throw new UsageError(sub ? `unknown set subcommand "${sub}"; kctl supports: image` : 'set needs a subcommand: image');
  return runSetImage(session, rest);
}

/** Resources come first, then NAME=IMAGE pairs (kubectl's GetResourcesAndPairs). */
export function splitResourcesAndImages(args: string[]): { resources: string[]; images: Map<string, string> } {
  const resources: string[] = [];
  const images = new Map<string, string>();
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq < 0) {
      if (images.size) throw new UsageError('all resources must be specified before image changes: ' + arg);
      resources.push(arg);
      continue;
    }
    const [name, image] = [arg.slice(0, eq), arg.slice(eq + 1)];
    if (!name || !image) throw new UsageError(`invalid image format: ${arg}`);
    images.set(name, image);
  }
  if (resources.length === 0) throw new UsageError('one or more resources must be specified as <resource> <name> or <resource>/<name>');
  if (images.size === 0) throw new UsageError('at least one image update is required');
  if (images.size > 1 && images.has('*')) throw new UsageError('all containers are already specified by *, but saw more than one container_name=container_image pairs');
  return { resources, images };
}

/**
 * The patch for one object's pod spec, and the container names asked for that
 * it does not have. The patch is undefined when nothing would change.
 */
export function imagePatch(spec: PodSpec, images: Map<string, string>): { patch?: PodSpec; missing: string[] } {
  const patch: PodSpec = {};
  const missing: string[] = [];
  for (const [name, image] of images) {
    let found = false;
    for (const list of ['initContainers', 'containers'] as const) {
      for (const c of spec[list] ?? []) {
        if (c.name !== name && name !== '*') continue;
        found = true;
        if (c.image !== image) (patch[list] ??= []).push({ name: c.name, image });
      }
    }
    if (!found) missing.push(name);
  }
  return { patch: Object.keys(patch).length ? patch : undefined, missing };
}

async function runSetImage(session: Session, args: string[]): Promise<number> {
  const { resources, images } = splitResourcesAndImages(args);
  let failed = false;
  const report = (err: unknown) => {
    session.io.err(formatError(err) + '\n');
    failed = true;
  };
  for (const t of await resolveTargets(session, resources)) {
    const path = POD_SPEC_PATH[t.resource.kind] ?? (TEMPLATED_KINDS.has(t.resource.kind) ? TEMPLATE_PATH : undefined);
    if (!path) {
      report(new Error(`${nameOf(t.resource, t.name)} the object is not a pod or does not have a pod template`));
      continue;
    }
    try {
      const obj = await session.client.get(t.resource, t.namespace, t.name);
      const spec = path.reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj) as PodSpec | undefined;
      const { patch, missing } = imagePatch(spec ?? {}, images);
      for (const name of missing) report(new Error(`unable to find container named ${quoted(name)}`));
      if (!patch) continue;
      const body = path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), patch) as KubeObject;
      await session.client.patch(t.resource, t.namespace, t.name, body, STRATEGIC_MERGE_PATCH, { fieldManager: 'kubectl-set' });
      session.io.out(`${nameOf(t.resource, t.name)} image updated\n`);
    } catch (err) {
      if (!isApiError(err)) throw err;
      report(err);
    }
  }
  return failed ? 1 : 0;
}
