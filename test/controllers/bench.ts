// `node dist/test/controllers/bench.js [replicas]`: prints JSON with the time
// for a Deployment of N replicas (default 1000) to have all its pods created,
// and for a rolling update of it to complete, on a real apiserver and etcd
// with simulated nodes (this process marks pods ready, as agents would).
import { findByKind } from '../../api/resources';
import { Informer } from '../../client/informer';
import type { Deployment, Pod } from '../../controllers/workload-types';
import { createNamespace, deployment, markPodReady, modify, resources, runControllers, startTestCluster } from './cluster';

async function main(): Promise<void> {
  const replicas = Number(process.argv[2] ?? 1000);
  const cluster = await startTestCluster();
  const controllers = await runControllers(cluster.client);
  const ns = 'kap-bench';
  const pods = new Informer<Pod>({ client: cluster.client, resource: findByKind('v1', 'Pod')!, namespace: ns });
  try {
    await createNamespace(cluster.client, ns);
    pods.start();
    await pods.waitForSync();
    // The simulated nodes: every new pod becomes ready, a few at a time.
    const marking = new Set<string>();
    let inFlight = 0;
    const queue: Pod[] = [];
    const pump = () => {
      while (inFlight < 32 && queue.length) {
        const p = queue.shift()!;
        inFlight++;
        markPodReady(cluster.client, p)
          .catch(() => undefined)
          .finally(() => {
            inFlight--;
            pump();
          });
      }
    };
    pods.addEventHandler({
      onAdd: (p) => {
        if (marking.has(p.metadata.uid!)) return;
        marking.add(p.metadata.uid!);
        queue.push(p);
        pump();
      },
    });
    const d0 = Date.now();
    await cluster.client.create(resources.deployments, ns, deployment('bench', replicas, 'busybox:1', { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } }));
    await until(() => pods.list(ns).length >= replicas);
    const created = Date.now() - d0;
    const deployments = findByKind('apps/v1', 'Deployment')!;
    await until(async () => (await cluster.client.get<Deployment>(deployments, ns, 'bench')).status?.availableReplicas === replicas);
    const available = Date.now() - d0;
    const r0 = Date.now();
    await modify<Deployment>(cluster.client, deployments, ns, 'bench', (d) => {
      (d.spec.template!.spec!.containers as Array<{ image: string }>)[0].image = 'busybox:2';
    });
    await until(async () => {
      const d = await cluster.client.get<Deployment>(deployments, ns, 'bench');
      return d.status?.updatedReplicas === replicas && d.status.availableReplicas === replicas && d.status.replicas === replicas && (d.status.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
    });
    const rolled = Date.now() - r0;
    console.log(JSON.stringify({ replicas, createAllPodsMs: created, allAvailableMs: available, rollingUpdateMs: rolled }));
  } finally {
    await pods.stop();
    await controllers.stop();
    await cluster.stop();
  }
}

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 300_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('benchmark timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
