// The embedded store of a single-server cluster: an etcd child process,
// restarted with back-off if it dies while the server runs.
import { startEtcd, EtcdProcess } from '../../apiserver/storage/etcd-process';

export interface ManagedEtcdOptions {
  dataDir: string;
  clientPort: number;
  peerPort: number;
  log(msg: string): void;
}

export class ManagedEtcd {
  private proc?: EtcdProcess;
  private stopping = false;
  private backoffMs = 500;

  constructor(private readonly opts: ManagedEtcdOptions) {}

  get endpoint(): string {
    return `http://127.0.0.1:${this.opts.clientPort}`;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  async start(): Promise<void> {
    this.proc = await startEtcd({ dataDir: this.opts.dataDir, clientPort: this.opts.clientPort, peerPort: this.opts.peerPort, name: 'kapstan' });
    this.backoffMs = 500;
    const proc = this.proc;
    proc.exited.then((code) => {
      if (this.stopping || this.proc !== proc) return;
      this.opts.log(`managed etcd exited with ${code}; restarting in ${this.backoffMs} ms`);
      setTimeout(() => this.restart(), this.backoffMs);
      this.backoffMs = Math.min(this.backoffMs * 2, 10_000);
    });
  }

  private restart(): void {
    if (this.stopping) return;
    this.start().catch((err) => {
      this.opts.log(`managed etcd failed to restart: ${err.message}`);
      setTimeout(() => this.restart(), this.backoffMs);
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.proc?.stop();
  }
}
