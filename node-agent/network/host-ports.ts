// The node's hostPort mappings: one file per pod under DATA/network/hostports
// (so they survive agent restarts, as the address allocations do), and the
// `kaphostport` table rebuilt from all of them after every change.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NetnsCommands } from './commands';
import { hostPortRuleset, HOST_PORT_TABLE, type PodHostPorts, type PortMapping } from './host-port-rules';

export class HostPorts {
  constructor(
    private readonly dir: string,
    private readonly commands: NetnsCommands,
    private readonly table = HOST_PORT_TABLE,
  ) {}

  /** Maps the pod's host ports to podIp (replacing what it had). */
  async set(podUid: string, podIp: string, mappings: PortMapping[]): Promise<void> {
    if (mappings.length === 0) return this.remove(podUid);
    await mkdir(this.dir, { recursive: true });
    await writeFile(join(this.dir, `${podUid}.json`), JSON.stringify({ podIp, mappings } satisfies PodHostPorts));
    await this.apply();
  }

  /** Unmaps the pod's host ports (idempotent). */
  async remove(podUid: string): Promise<void> {
    const file = join(this.dir, `${podUid}.json`);
    const had = await readFile(file).then(() => true, () => false);
    await rm(file, { force: true });
    if (had) await this.apply();
  }

  /** Unmaps every pod but these. */
  async retain(livePodUids: Set<string>): Promise<void> {
    const stale = (await this.uids()).filter((uid) => !livePodUids.has(uid));
    for (const uid of stale) await rm(join(this.dir, `${uid}.json`), { force: true });
    if (stale.length) await this.apply();
  }

  /** Makes the table match the files: absent when no pod has a host port. */
  async apply(): Promise<void> {
    const pods: PodHostPorts[] = [];
    for (const uid of await this.uids()) {
      const text = await readFile(join(this.dir, `${uid}.json`), 'utf8').catch(() => undefined);
      if (text) pods.push(JSON.parse(text) as PodHostPorts);
    }
    await this.commands.node(['nft', '-f', '-'], pods.length ? hostPortRuleset(pods, this.table) : this.deleteScript());
  }

  async removeTable(): Promise<void> {
    await this.commands.node(['nft', '-f', '-'], this.deleteScript());
  }

  private deleteScript(): string {
    return `table ip ${this.table} {}\ndelete table ip ${this.table}\n`;
  }

  private async uids(): Promise<string[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    return names.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -'.json'.length));
  }
}
