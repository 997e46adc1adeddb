// Runs kctl's main() in this process against a test apiserver, with captured
// output and a kubeconfig written as the server writes its own.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeAdminKubeconfig } from '../../apiserver/pki';
import type { CliIO } from '../../kctl/io';
import { main } from '../../kctl/main';
import type { TestApiServer } from '../harness/api-server';

export interface KctlRun {
  code: number;
  out: string;
  err: string;
}

export interface KctlRunner {
  kubeconfig: string;
  home: string;
  /** Runs one command; `onOutput` sees stdout as it grows (for commands that wait). */
  run(args: string[], opts?: { onOutput?: (out: string) => void; signal?: AbortSignal }): Promise<KctlRun>;
  cleanup(): void;
}

export function kctlRunner(api: TestApiServer): KctlRunner {
  const home = mkdtempSync(join(tmpdir(), 'kap-kctl-'));
  const kubeconfig = writeAdminKubeconfig(home, api.url, api.caPem, api.token);
  return {
    kubeconfig,
    home,
    async run(args, opts = {}) {
      const output = { out: '', err: '' };
      const io: CliIO = {
        out: (t) => {
          output.out += t;
          opts.onOutput?.(output.out);
        },
        err: (t) => (output.err += t),
        readStdin: async () => '',
        env: {},
        homeDir: home,
        signal: opts.signal,
      };
      const code = await main([...args, '--kubeconfig', kubeconfig], io);
      return { code, ...output };
    },
    cleanup: () => rmSync(home, { recursive: true, force: true }),
  };
}
