// CronJob reconcile(key) on a manual clock against caches seeded through a
// real apiserver: which Jobs it creates and deletes, and when.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { findByKind } from '../api/resources';
import type { KubeObject } from '../api/types';
import { createNamespace, startTestCluster, TestCluster } from '../test/controllers/cluster';
import { ManualClock } from '../test/controllers/manual-clock';
import { summary } from '../test/controllers/recording-client';
import { startUnitBed, UnitBed } from '../test/controllers/unit-bed';
import { CronJob, CronJobController } from './cronjob';

const cronJobs = findByKind('batch/v1', 'CronJob')!;
const jobs = findByKind('batch/v1', 'Job')!;
let cluster: TestCluster;

before(async () => {
  cluster = await startTestCluster();
});

after(async () => {
  await cluster?.stop();
});

function cronJob(name: string, spec: Partial<CronJob['spec']>): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name },
    spec: {
      schedule: '* * * * *',
      jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox:1' }] } } } },
      ...spec,
    },
  };
}

/** A clock `seconds` past the first whole minute after the object's creation. */
function clockAfterFirstMinute(obj: KubeObject, seconds: number): { clock: ManualClock; firstMinute: number } {
  const created = Date.parse(obj.metadata.creationTimestamp!);
  const firstMinute = Math.floor(created / 60_000) * 60_000 + 60_000;
  return { clock: new ManualClock(firstMinute + seconds * 1000), firstMinute };
}

const bedWith = (clock: ManualClock) => startUnitBed(cluster, (ctx) => new CronJobController(ctx), clock);

async function complete(ns: string, name: string): Promise<void> {
  const job = await cluster.client.get(jobs, ns, name);
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  job.status = { startTime: now, completionTime: now, succeeded: 1, conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: now, lastProbeTime: now }] };
  await cluster.client.update(jobs, ns, job, { subresource: 'status' });
}

test('Forbid: one Job per scheduled minute, none while one runs, the waiting run after it finishes, none repeated after a restart', async () => {
  const ns = 'kap-cju-forbid';
  await createNamespace(cluster.client, ns);
  const cj = await cluster.client.create(cronJobs, ns, cronJob('tick', { concurrencyPolicy: 'Forbid' }));
  const { clock, firstMinute } = clockAfterFirstMinute(cj, 5);
  const m1 = firstMinute / 60_000;
  let bed: UnitBed<CronJobController> | undefined = await bedWith(clock);
  try {
    await bed.controller.reconcile(`${ns}/tick`);
    const first = bed.client.take();
    assert.deepEqual(summary(first), [`create jobs tick-${m1}`, 'update cronjobs/status tick']);
    assert.equal(first[0].body!.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'], new Date(firstMinute).toISOString().replace('.000Z', 'Z'));
    const status = (first[1].body as CronJob).status!;
    assert.equal(status.active?.[0].name, `tick-${m1}`);
    assert.equal(Date.parse(status.lastScheduleTime!), firstMinute);

    await bed.caughtUp(cronJobs, ns, 'tick');
    await bed.caughtUp(jobs, ns, `tick-${m1}`);
    clock.advance(60_000);
    await bed.controller.reconcile(`${ns}/tick`);
    assert.deepEqual(summary(bed.client.take()), [], 'the previous run is still active');

    await complete(ns, `tick-${m1}`);
    await bed.caughtUp(jobs, ns, `tick-${m1}`);
    await bed.controller.reconcile(`${ns}/tick`);
    const second = bed.client.take();
    assert.deepEqual(summary(second), [`create jobs tick-${m1 + 1}`, 'update cronjobs/status tick']);
    assert.ok((second[1].body as CronJob).status!.lastSuccessfulTime);
    await bed.caughtUp(cronJobs, ns, 'tick');
    await bed.stop();

    // A new controller at the same moment: the run already happened.
    bed = await bedWith(clock);
    await bed.caughtUp(cronJobs, ns, 'tick');
    await bed.controller.reconcile(`${ns}/tick`);
    assert.ok(!summary(bed.client.take()).some((c) => c.startsWith('create')));
  } finally {
    await bed?.stop();
  }
});

test('after missed runs only the latest starts; Replace deletes the running Job before starting the next', async () => {
  const ns = 'kap-cju-replace';
  await createNamespace(cluster.client, ns);
  const cj = await cluster.client.create(cronJobs, ns, cronJob('swap', { concurrencyPolicy: 'Replace' }));
  const { clock, firstMinute } = clockAfterFirstMinute(cj, 4 * 60 + 30); // 5 runs missed
  const latest = firstMinute / 60_000 + 4;
  const bed = await bedWith(clock);
  try {
    await bed.controller.reconcile(`${ns}/swap`);
    assert.deepEqual(summary(bed.client.take()), [`create jobs swap-${latest}`, 'update cronjobs/status swap']);
    await bed.caughtUp(cronJobs, ns, 'swap');
    await bed.caughtUp(jobs, ns, `swap-${latest}`);
    clock.advance(60_000);
    await bed.controller.reconcile(`${ns}/swap`);
    assert.deepEqual(summary(bed.client.take()), [`delete jobs swap-${latest}`, `create jobs swap-${latest + 1}`, 'update cronjobs/status swap']);
  } finally {
    await bed.stop();
  }
});

test('a suspended CronJob starts nothing; finished Jobs beyond the history limit are deleted', async () => {
  const ns = 'kap-cju-history';
  await createNamespace(cluster.client, ns);
  const cj = await cluster.client.create(cronJobs, ns, cronJob('old', { suspend: true, successfulJobsHistoryLimit: 1 }));
  for (const n of ['old-1', 'old-2']) {
    await cluster.client.create(jobs, ns, {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: n, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'old', uid: cj.metadata.uid!, controller: true }] },
      spec: (cj.spec as CronJob['spec']).jobTemplate!.spec,
    });
    await complete(ns, n);
  }
  const { clock } = clockAfterFirstMinute(cj, 120);
  const bed = await bedWith(clock);
  try {
    await bed.caughtUp(jobs, ns, 'old-2');
    await bed.controller.reconcile(`${ns}/old`);
    const calls = summary(bed.client.take());
    assert.deepEqual(calls.filter((c) => c.startsWith('delete') || c.startsWith('create')), ['delete jobs old-1']);
  } finally {
    await bed.stop();
  }
});
