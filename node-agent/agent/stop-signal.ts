// The signal that asks a container to stop: the container's lifecycle.stopSignal, else its image's
// StopSignal (OCI config, "SIGQUIT", "QUIT" or "3"), else SIGTERM, as containerd's ParseSignal reads it.
import { constants } from 'node:os';

const SIGTERM = constants.signals.SIGTERM;
const SIGRTMIN = 34;
const SIGRTMAX = 64;

/** The signal number for a stop signal name; undefined when it names no signal this machine knows. */
export function parseStopSignal(name: string | undefined): number | undefined {
  if (!name) return undefined;
  const s = name.trim().toUpperCase();
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    return n > 0 && n < 65 ? n : undefined;
  }
  const key = (s.startsWith('SIG') ? s : `SIG${s}`) as keyof typeof constants.signals;
  // Real-time signals as glibc numbers them (SIGRTMIN is 34: two are kept for threads), like moby/sys/signal.
  const rt = /^SIGRT(MIN|MAX)(?:([+-])(\d+))?$/.exec(key);
  if (rt) {
    const n = (rt[1] === 'MIN' ? SIGRTMIN : SIGRTMAX) + (rt[2] === '-' ? -1 : 1) * Number(rt[3] ?? 0);
    return n >= SIGRTMIN && n <= SIGRTMAX ? n : undefined;
  }
  return constants.signals[key];
}

export function stopSignalOf(recorded: string | undefined): number {
  return parseStopSignal(recorded) ?? SIGTERM;
}
