// `kctl create job NAME --from=cronjob/CJ`: a Job made now from a CronJob's
// jobTemplate, as kubectl makes it: the template's labels and annotations, the
// `cronjob.kubernetes.io/instantiate: manual` annotation, and the CronJob as
// its controller owner, so deleting the CronJob deletes the Job.
import { findByKind } from '../api/resources';
import type { KubeObject } from '../api/types';
import { str, UsageError } from './flags';
import { nameOf } from './object-output';
import type { Session } from './session';

const jobs = findByKind('batch/v1', 'Job')!;

export async function runCreateJob(session: Session, args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (!name || rest.length) throw new UsageError('exactly one NAME is required: kctl create job NAME --from=cronjob/NAME');
  const from = str(session.flags, 'from');
  if (!from) throw new UsageError('--from=cronjob/NAME is required (kctl creates Jobs only from CronJobs; use create -f for others)');
  const slash = from.indexOf('/');
  if (slash <= 0 || slash === from.length - 1) throw new UsageError(`--from must be TYPE/NAME, e.g. cronjob/backup, not "${from}"`);
  const source = await session.resourceType(from.slice(0, slash));
  if (source.kind !== 'CronJob' || source.group !== 'batch') throw new UsageError(`from must be an existing cronjob: ${from}`);
  const cronJob = await session.client.get(source, session.namespace, from.slice(slash + 1));
  const job = jobFromCronJob(cronJob, name);
  const created = await session.client.create(jobs, session.namespace, job, { fieldManager: 'kubectl-create', fieldValidation: 'Strict' });
  session.io.out(`${nameOf(jobs, created.metadata.name)} created\n`);
  return 0;
}

export function jobFromCronJob(cronJob: KubeObject, name: string): KubeObject {
  const template = ((cronJob.spec as { jobTemplate?: { metadata?: KubeObject['metadata']; spec?: unknown } } | undefined)?.jobTemplate ?? {}) as {
    metadata?: KubeObject['metadata'];
    spec?: unknown;
  };
  const metadata: KubeObject['metadata'] = {
    name,
    annotations: { 'cronjob.kubernetes.io/instantiate': 'manual', ...template.metadata?.annotations },
    ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cronJob.metadata.name!, uid: cronJob.metadata.uid!, controller: true }],
  };
  if (template.metadata?.labels) metadata.labels = { ...template.metadata.labels };
  return { apiVersion: 'batch/v1', kind: 'Job', metadata, spec: structuredClone(template.spec ?? {}) };
}
