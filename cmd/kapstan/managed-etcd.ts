// The embedded store: an etcd child process, restarted with back-off if it
// dies while the server runs. Alone for a single server; one member of an HA
// cluster with `cluster` (peers over mutual TLS on the machine's address,
// clients only on loopback: each server's apiserver uses its own member).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startEtcd, EtcdProcess } from '../../apiserver/storage/etcd-process';
import { ETCD_PEER_CN, type EtcdPeerTls } from '../../apiserver/pki';

export interface EtcdClusterMember {
  /** Unique member name, e.g. kapstan-10.0.0.1. */
  name: string;
  /** The machine address the other members reach this one at. */
  peerHost: string;
  tls: EtcdPeerTls;
  /** name=peerURL,… of every member, this one included; read only on the first start. */
  initialCluster: string;
  state: 'new' | 'existing';
}

export interface ManagedEtcdOptions {
  dataDir: string;
  clientPort: number;
  peerPort: number;
  /** Member of a multi-server cluster; absent for a single server. */
  cluster?: EtcdClusterMember;
  log(msg: string): void;
}

/**
 * Raft timing for members on small, busy machines (2 cores running etcd,
 * apiserver and pods): a heartbeat every 200 ms and an election after 2 s of
 * silence, ten heartbeats as etcd's tuning guide asks, instead of 100 ms / 1 s,
 * which elects needlessly under load.
 */
export const ETCD_HEARTBEAT_MS = 200;
export const ETCD_ELECTION_TIMEOUT_MS = 2000;

export function peerUrl(host: string, port: number): string {
  return `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function clusterArgs(m: EtcdClusterMember, peerPort: number): string[] {
  const url = peerUrl(m.peerHost, peerPort);
  // etcd takes the last value of a repeated flag: these override startEtcd's single-member ones.
  return [
    '--listen-peer-urls', url,
    '--initial-advertise-peer-urls', url,
    '--initial-cluster', m.initialCluster,
    '--initial-cluster-state', m.state,
    '--initial-cluster-token', 'kapstan',
    '--peer-cert-file', m.tls.certFile,
    '--peer-key-file', m.tls.keyFile,
    '--peer-trusted-ca-file', m.tls.caFile,
    '--peer-client-cert-auth',
    '--peer-cert-allowed-cn', ETCD_PEER_CN,
    '--heartbeat-interval', String(ETCD_HEARTBEAT_MS),
    '--election-timeout', String(ETCD_ELECTION_TIMEOUT_MS),
  ];
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

  /** Whether this member has data already (then --initial-cluster* are ignored by etcd). */
  static hasData(dataDir: string): boolean {
    return existsSync(join(dataDir, 'data', 'member'));
  }

  async start(): Promise<void> {
    const { cluster } = this.opts;
    this.proc = await startEtcd({
      dataDir: this.opts.dataDir,
      clientPort: this.opts.clientPort,
      peerPort: this.opts.peerPort,
      name: cluster?.name ?? 'kapstan',
      extraArgs: cluster ? clusterArgs(cluster, this.opts.peerPort) : undefined,
    });
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
