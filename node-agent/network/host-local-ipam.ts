// Pod IPs from the node's subnet, one file per address in the agent's data dir
// (as CNI's host-local plugin does): a file is created with O_EXCL, so one
// address never goes to two pods, and the files outlive agent restarts.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatIpv4, parseIpv4, type Ipv4Subnet } from './ipv4';

const LAST = 'last-reserved';

export class HostLocalIpam {
  constructor(private readonly dir: string, private readonly subnet: Ipv4Subnet) {}

  /** The pod's address: the one it already holds, else the next free after the last handed out. */
  async allocate(podUid: string): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const held = await this.addressOf(podUid);
    if (held) return held;
    const first = this.subnet.base + 2; // base = network, base + 1 = gateway
    const count = this.subnet.size - 3; // and the broadcast address
    const last = await readFile(join(this.dir, LAST), 'utf8').then(parseIpv4, () => first - 1);
    for (let step = 1; step <= count; step++) {
      const ip = formatIpv4(first + ((last - first + step) % count + count) % count);
      try {
        await writeFile(join(this.dir, ip), podUid, { flag: 'wx' });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw err;
      }
      await writeFile(join(this.dir, LAST), ip);
      return ip;
    }
    throw new Error(`no free pod IP left in ${formatIpv4(this.subnet.base)}/${this.subnet.prefixLength}`);
  }

  async addressOf(podUid: string): Promise<string | undefined> {
    return (await this.holders()).get(podUid);
  }

  /** Frees the pod's address (idempotent). */
  async release(podUid: string): Promise<void> {
    const ip = await this.addressOf(podUid);
    if (ip) await rm(join(this.dir, ip), { force: true });
  }

  /** pod UID → IP for every allocated address. */
  async holders(): Promise<Map<string, string>> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const out = new Map<string, string>();
    for (const name of names) {
      if (name === LAST) continue;
      const uid = await readFile(join(this.dir, name), 'utf8').catch(() => undefined);
      if (uid) out.set(uid.trim(), name);
    }
    return out;
  }
}
