// A one-shot TCP question from inside a namespace: what a test server that
// answers with one line (often the client address it saw) says.
import type { NetnsLab } from './netns-harness';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The server's answer, or '' when nothing answers within 2 s. */
export function ask(lab: NetnsLab, from: string, ip: string, port: number): string {
  try {
    return lab.exec(from, ['sh', '-c', `busybox nc -w 2 ${ip} ${port} </dev/null`]).trim();
  } catch {
    return '';
  }
}

/** ask(), retried for up to ~5 s while the server (or a rule) comes up. */
export async function askUntil(lab: NetnsLab, from: string, ip: string, port: number): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const answer = ask(lab, from, ip, port);
    if (answer) return answer;
    await sleep(100);
  }
  return '';
}
