// A bed for reconcile unit tests: objects seeded through a real apiserver,
// informers synced on them, a controller built on a recording client and a
// manual clock, and no workers: tests call reconcile(key) themselves.
import type { ResourceInfo } from '../../api/resources';
import { InformerFactory } from '../../client/informer';
import type { Controller, ControllerContext } from '../../controllers/controller';
import type { TestCluster } from './cluster';
import { ManualClock } from './manual-clock';
import { RecordingClient } from './recording-client';

export interface UnitBed<C extends Controller> {
  controller: C;
  client: RecordingClient;
  clock: ManualClock;
  informers: InformerFactory;
  /** Waits until the caches show what the test wrote (checked every few ms, for at most 5 s). */
  until(check: () => boolean, what: string): Promise<void>;
  /** Waits until the cache holds the object's current version on the server. */
  caughtUp(resource: ResourceInfo, namespace: string | undefined, name: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startUnitBed<C extends Controller>(
  cluster: TestCluster,
  make: (ctx: ControllerContext) => C,
  clock = new ManualClock(Date.now()),
): Promise<UnitBed<C>> {
  const client = new RecordingClient({ server: cluster.api.url, caPem: cluster.api.caPem, token: cluster.api.token });
  const informers = new InformerFactory({ client });
  const controller = make({ client, informers, clock });
  informers.start();
  await informers.waitForSync();
  const until = async (check: () => boolean, what: string): Promise<void> => {
    for (let i = 0; i < 1000; i++) {
      if (check()) return;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`the caches never showed ${what}`);
  };
  return {
    controller,
    client,
    clock,
    informers,
    until,
    async caughtUp(resource, namespace, name) {
      const current = await client.get(resource, namespace, name);
      const rv = current.metadata.resourceVersion;
      await until(() => informers.for(resource).getByName(namespace, name)?.metadata.resourceVersion === rv, `${resource.plural} ${namespace}/${name} at ${rv}`);
    },
    async stop() {
      await controller.stop(); // also waits for Events being written
      await informers.stop();
      client.close();
    },
  };
}
