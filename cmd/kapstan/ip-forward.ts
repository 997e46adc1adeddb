// `kapstan up` turns on IPv4 forwarding for the pod bridge; `kapstan down`
// puts back what the machine had. The value before is kept in the data dir,
// and an existing record (left by an `up` that crashed) is never replaced,
// so the value restored is always the one from before Kapstan touched it.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SYSCTL = '/proc/sys/net/ipv4/ip_forward';
const RECORD = 'ip_forward.before';

export function rememberIpForward(dataDir: string, sysctl = SYSCTL): void {
  const record = join(dataDir, RECORD);
  if (existsSync(record)) return;
  writeFileSync(record, readFileSync(sysctl, 'utf8').trim() + '\n');
}

/** Writes the recorded value back (if it differs) and forgets it. */
export function restoreIpForward(dataDir: string, say: (m: string) => void, sysctl = SYSCTL): void {
  const record = join(dataDir, RECORD);
  if (!existsSync(record)) return;
  const before = readFileSync(record, 'utf8').trim();
  try {
    if (/^[01]$/.test(before) && readFileSync(sysctl, 'utf8').trim() !== before) {
      writeFileSync(sysctl, before);
      say(`net.ipv4.ip_forward restored to ${before}`);
    }
    rmSync(record, { force: true });
  } catch (err) {
    say(`could not restore net.ipv4.ip_forward to ${before}: ${(err as Error).message}`);
  }
}
