// The CronJob controller: creates a Job for the most recent scheduled time
// not yet run (at most one, however many were missed, as Kubernetes does),
// honouring startingDeadlineSeconds, concurrencyPolicy (Allow, Forbid,
// Replace) and suspend; keeps status.active, lastScheduleTime and
// lastSuccessfulTime; deletes finished Jobs beyond the history limits. Job
// names come from the scheduled minute, so after a restart a run is neither
// lost (lastScheduleTime says what ran) nor repeated (the name exists).
import { isApiError } from '../api/errors';
import { findByKind } from '../api/resources';
import type { KubeObject } from '../api/types';
import type { Informer } from '../client/informer';
import { Controller, ControllerContext } from './controller';
import { CronSchedule } from './cron-schedule';
import { rfc3339 } from './deployment-status';
import { jobsResource, type Job } from './job';
import { controllerRefOf, makeControllerRef } from './owner-refs';

export const cronJobsResource = findByKind('batch/v1', 'CronJob')!;
export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

interface ObjectReference {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
}

export interface CronJob extends KubeObject {
  spec: {
    schedule: string;
    timeZone?: string;
    startingDeadlineSeconds?: number;
    concurrencyPolicy?: 'Allow' | 'Forbid' | 'Replace';
    suspend?: boolean;
    jobTemplate?: { metadata?: KubeObject['metadata']; spec?: Job['spec'] };
    successfulJobsHistoryLimit?: number;
    failedJobsHistoryLimit?: number;
  };
  status?: { active?: ObjectReference[]; lastScheduleTime?: string; lastSuccessfulTime?: string };
}

type JobObject = Job & KubeObject;

const finishedAs = (job: JobObject): 'Complete' | 'Failed' | undefined =>
  job.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True')?.type as 'Complete' | 'Failed' | undefined;

const startedAt = (job: JobObject) => Date.parse(job.status?.startTime ?? job.metadata.creationTimestamp ?? '') || 0;
const oldestFirst = (a: JobObject, b: JobObject) =>
  startedAt(a) - startedAt(b) ||
  (Date.parse(a.metadata.creationTimestamp ?? '') || 0) - (Date.parse(b.metadata.creationTimestamp ?? '') || 0) ||
  (a.metadata.name! < b.metadata.name! ? -1 : 1);

/** Missed runs beyond which Kubernetes warns instead of catching up. */
const TOO_MANY_MISSED = 100;

export class CronJobController extends Controller {
  private readonly cronJobs: Informer<CronJob>;
  private readonly jobs: Informer<JobObject>;

  constructor(ctx: ControllerContext) {
    super('cronjob-controller', ctx);
    this.cronJobs = this.informers.for<CronJob>(cronJobsResource);
    this.jobs = this.informers.for<JobObject>(jobsResource);
    this.cronJobs.addEventHandler({
      onAdd: (cj) => this.enqueue(cj),
      onUpdate: (_o, cj) => this.enqueue(cj),
    });
    const byJob = (job: JobObject) => {
      const ref = controllerRefOf(job);
      if (ref?.kind !== 'CronJob') return;
      const cj = this.cronJobs.getByName(job.metadata.namespace, ref.name);
      if (cj?.metadata.uid === ref.uid) this.enqueue(cj);
    };
    this.jobs.addEventHandler({ onAdd: byJob, onUpdate: (_o, j) => byJob(j), onDelete: byJob });
  }

  async reconcile(key: string): Promise<void> {
    const cj = this.cronJobs.get(key);
    if (!cj) return;
    const now = this.clock.now();
    const ns = cj.metadata.namespace!;
    const owned = this.jobs.list(ns).filter((j) => controllerRefOf(j)?.uid === cj.metadata.uid);
    const status = structuredClone(cj.status ?? {});

    // What is running, and when the last run succeeded.
    const running = owned.filter((j) => !finishedAs(j));
    const active: ObjectReference[] = running.map(refTo);
    for (const ref of status.active ?? []) {
      // Created by us but not yet in the cache: keep it if it exists.
      if (owned.some((j) => j.metadata.uid === ref.uid) || !ref.name) continue;
      if (await this.jobExists(ns, ref)) active.push(ref);
    }
    status.active = active.sort((a, b) => (a.name! < b.name! ? -1 : 1));
    for (const j of owned) {
      if (finishedAs(j) !== 'Complete') continue;
      const done = j.status?.completionTime;
      if (done && (!status.lastSuccessfulTime || Date.parse(done) > Date.parse(status.lastSuccessfulTime))) status.lastSuccessfulTime = done;
    }
    await this.cleanupHistory(cj, owned);

    if (cj.metadata.deletionTimestamp || cj.spec.suspend) return this.writeStatus(cj, status);
    let schedule: CronSchedule;
    try {
      schedule = CronSchedule.parse(cj.spec.schedule, cj.spec.timeZone);
    } catch (err) {
      this.log(`${this.name}: ${key}: ${(err as Error).message}`);
      return this.writeStatus(cj, status);
    }
    const deadline = cj.spec.startingDeadlineSeconds;
    let earliest = Date.parse(status.lastScheduleTime ?? cj.metadata.creationTimestamp ?? '') || now;
    if (deadline !== undefined && deadline !== null) earliest = Math.max(earliest, now - deadline * 1000);
    const { latest, count } = schedule.between(earliest, now, TOO_MANY_MISSED);
    if (count > TOO_MANY_MISSED) {
      this.log(`${this.name}: ${key}: too many missed start times (> ${TOO_MANY_MISSED}); set or decrease .spec.startingDeadlineSeconds or check clock skew`);
    }
    const next = schedule.next(now);
    if (next !== undefined) this.enqueueAfter(key, next - now + 100);
    if (latest === undefined) return this.writeStatus(cj, status);

    const policy = cj.spec.concurrencyPolicy ?? 'Allow';
    if (policy === 'Forbid' && status.active.length > 0) {
      // The run waits (within startingDeadlineSeconds) until the active one finishes.
      return this.writeStatus(cj, status);
    }
    if (policy === 'Replace') {
      for (const ref of status.active) await this.deleteJob(ns, ref);
      status.active = [];
    }
    const job = await this.createJob(cj, latest);
    if (job) status.active = [...status.active.filter((r) => r.uid !== job.metadata.uid), refTo(job)];
    status.lastScheduleTime = rfc3339(latest);
    await this.writeStatus(cj, status);
  }

  /** The Job of one scheduled time; undefined when a Job of that name exists but is not ours. */
  private async createJob(cj: CronJob, scheduledMs: number): Promise<JobObject | undefined> {
    const ns = cj.metadata.namespace!;
    const template = cj.spec.jobTemplate ?? {};
    const name = `${cj.metadata.name}-${Math.floor(scheduledMs / 60_000)}`;
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name,
        namespace: ns,
        labels: { ...(template.metadata?.labels ?? {}) },
        annotations: { ...(template.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP_ANNOTATION]: rfc3339(scheduledMs) },
        ownerReferences: [makeControllerRef(cj)],
      },
      spec: structuredClone(template.spec ?? {}),
    };
    try {
      const created = await this.client.create<JobObject>(jobsResource, ns, job);
      this.events.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${name}`);
      return created;
    } catch (err) {
      if (!isApiError(err, 'AlreadyExists')) throw err;
      // Created before a restart or a failed status write: the run happened.
      const existing = await this.client.get<JobObject>(jobsResource, ns, name);
      return controllerRefOf(existing)?.uid === cj.metadata.uid ? existing : undefined;
    }
  }

  /** Finished Jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit go, oldest first. */
  private async cleanupHistory(cj: CronJob, owned: JobObject[]): Promise<void> {
    const limits: Array<['Complete' | 'Failed', number]> = [
      ['Complete', cj.spec.successfulJobsHistoryLimit ?? 3],
      ['Failed', cj.spec.failedJobsHistoryLimit ?? 1],
    ];
    for (const [kind, limit] of limits) {
      const finished = owned.filter((j) => finishedAs(j) === kind && !j.metadata.deletionTimestamp).sort(oldestFirst);
      for (const j of finished.slice(0, Math.max(0, finished.length - limit))) await this.deleteJob(j.metadata.namespace!, refTo(j));
    }
  }

  private async deleteJob(ns: string, ref: ObjectReference): Promise<void> {
    try {
      await this.client.delete(jobsResource, ns, ref.name!, { propagationPolicy: 'Background', preconditions: ref.uid ? { uid: ref.uid } : undefined });
    } catch (err) {
      if (!isApiError(err, 'NotFound') && !isApiError(err, 'Conflict')) throw err;
    }
  }

  private async jobExists(ns: string, ref: ObjectReference): Promise<boolean> {
    try {
      const job = await this.client.get(jobsResource, ns, ref.name!);
      return job.metadata.uid === ref.uid && !finishedAs(job as JobObject);
    } catch (err) {
      if (isApiError(err, 'NotFound')) return false;
      throw err;
    }
  }

  private async writeStatus(cj: CronJob, status: NonNullable<CronJob['status']>): Promise<void> {
    if (status.active?.length === 0) delete status.active;
    if (JSON.stringify(status) === JSON.stringify(cj.status ?? {})) return;
    const next = structuredClone(cj);
    next.status = status;
    try {
      await this.client.update(cronJobsResource, cj.metadata.namespace, next, { subresource: 'status' });
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
    }
  }
}

function refTo(job: KubeObject): ObjectReference {
  return { apiVersion: 'batch/v1', kind: 'Job', namespace: job.metadata.namespace, name: job.metadata.name, uid: job.metadata.uid };
}
