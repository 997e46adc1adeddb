// `kapstan scheduler` and `kapstan controller-manager`: the same components
// `kapstan server` runs, as processes of their own that reach the API through
// a kubeconfig (leader-elected, so several may run).
import { loadKubeconfig } from '../../client/kubeconfig';
import { RestClient } from '../../client/rest-client';
import { startControllerManager } from '../../controllers';
import { startScheduler } from '../../scheduler';
import { waitForSignal } from './agent';


export async function runStandalone(which: 'scheduler' | 'controller-manager', flags: { kubeconfig?: string; config?: string }): Promise<number> {
  const log = (msg: string) => console.error(`${new Date().toISOString()} ${msg}`);
  const client = RestClient.fromKubeconfig(loadKubeconfig({ kubeconfig: flags.kubeconfig }));
  const running =
    which === 'scheduler'
      ? await startScheduler({ client, log, config: flags.config })
      : await startControllerManager({ client, log });
  log(`${which} started`);
  await waitForSignal(log);
  await running.stop();
  client.close();
  return 0;
}
