// Runs kctl's main() in this process with captured output, against a kubeconfig.
import { main } from '../../kctl/main';
import type { CliIO } from '../../kctl/io';

export interface KctlRun {
  code: number;
  out: string;
  err: string;
}

export async function runKctl(kubeconfig: string, homeDir: string, args: string[], opts: { stdin?: string; signal?: AbortSignal; onOut?: (text: string) => void } = {}): Promise<KctlRun> {
  const output = { out: '', err: '' };
  const io: CliIO = {
    out: (t) => {
      output.out += t;
      opts.onOut?.(t);
    },
    err: (t) => (output.err += t),
    readStdin: async () => opts.stdin ?? '',
    env: {},
    homeDir,
    signal: opts.signal,
  };
  const code = await main(['--kubeconfig', kubeconfig, ...args], io);
  return { code, ...output };
}
