// Pod IPs from the node's subnet, one file per address in the agent's data dir
// (as CNI's host-local plugin does): a file is created with O_EXCL, so one
// address never goes to two pods, and the files outlive agent restarts.
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatIpv4, parseIpv4, type Ipv4Subnet } from './ipv4';

const LAST = 'last-reserved';

export class HostLocalIpam {
  /**
   * pod UID → IP as last read from the directory, valid while the directory's mtime is the one seen
   * after our own last change: a pod's allocation then costs a stat instead of reading every file.
   */
  private index?: { mtimeNs: bigint; byPod: Map<string, string> };

  constructor(private readonly dir: string, private readonly subnet: Ipv4Subnet) {}

  /** The pod's address: the one it already holds, else the next free after the last handed out. */
  async allocate(podUid: string): Promise<string> {
    const held = (await this.indexed()).get(podUid);
    if (held) return held;
    const first = this.subnet.base + 2; // base = network, base + 1 = gateway
    const count = this.subnet.size - 3; // and the broadcast address
    const last = await readFile(join(this.dir, LAST), 'utf8').then(parseIpv4, () => first - 1);
    for (let step = 1; step <= count; step++) {
      const ip = formatIpv4(first + ((last - first + step) % count + count) % count);
      try {
        await this.create(ip, podUid);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw err;
      }
      await writeFile(join(this.dir, LAST), ip);
      await this.changed((m) => m.set(podUid, ip));
      return ip;
    }
    throw new Error(`no free pod IP left in ${formatIpv4(this.subnet.base)}/${this.subnet.prefixLength}`);
  }

  /** The address's file, O_EXCL (EEXIST when taken); the directory is made on first use. */
  private async create(ip: string, podUid: string): Promise<void> {
    try {
      await writeFile(join(this.dir, ip), podUid, { flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await mkdir(this.dir, { recursive: true });
      await writeFile(join(this.dir, ip), podUid, { flag: 'wx' });
    }
  }

  async addressOf(podUid: string): Promise<string | undefined> {
    return (await this.indexed()).get(podUid);
  }

  /** Frees the pod's address (idempotent). */
  async release(podUid: string): Promise<void> {
    const ip = (await this.indexed()).get(podUid);
    if (!ip) return;
    await rm(join(this.dir, ip), { force: true });
    await this.changed((m) => m.delete(podUid));
  }

  /** pod UID → IP for every allocated address, read from the directory. */
  async holders(): Promise<Map<string, string>> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const out = new Map<string, string>();
    await Promise.all(names.filter((n) => n !== LAST).map(async (name) => {
      const uid = await readFile(join(this.dir, name), 'utf8').catch(() => undefined);
      if (uid) out.set(uid.trim(), name);
    }));
    return out;
  }

  private async mtimeNs(): Promise<bigint> {
    return (await stat(this.dir, { bigint: true }).catch(() => undefined))?.mtimeNs ?? -1n;
  }

  /** The index, read again when someone else (another instance, a person) changed the directory. */
  private async indexed(): Promise<Map<string, string>> {
    const mtimeNs = await this.mtimeNs();
    if (this.index?.mtimeNs !== mtimeNs) this.index = { mtimeNs, byPod: await this.holders() };
    return this.index.byPod;
  }

  /**
   * After our own change: apply it to the index and take the directory's new mtime as the index's.
   * Concurrent calls are for different pods (a pod worker runs one step at a time), and an entry only
   * matters to its own pod, so changes may land in any order.
   */
  private async changed(apply: (byPod: Map<string, string>) => void): Promise<void> {
    const index = this.index;
    if (!index) return;
    apply(index.byPod);
    index.mtimeNs = await this.mtimeNs();
  }
}
