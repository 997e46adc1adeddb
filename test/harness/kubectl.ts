// The machine's kubectl binaries (the `kubectl` package ships 1.27–1.33 side
// by side as kubectl.1.NN next to the default one) run against a test
// apiserver with their own HOME and kubeconfig.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { writeAdminKubeconfig } from '../../apiserver/pki';
import type { Endpoint } from './http';

const run = promisify(execFile);

export interface KubectlResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** The default kubectl's real path, or undefined when kubectl is not installed. */
export function defaultKubectl(): string | undefined {
  try {
    return realpathSync(execFileSync('sh', ['-c', 'command -v kubectl']).toString().trim());
  } catch {
    return undefined;
  }
}

/** `kubectl.<version>` binaries that exist, for versions such as '1.27'. */
export function versionedKubectls(versions: readonly string[]): string[] {
  const main = defaultKubectl();
  if (!main) return [];
  return versions.map((v) => join(dirname(main), `kubectl.${v}`)).filter(existsSync);
}

export interface KubectlEnv {
  home: string;
  kubeconfig: string;
  /** Runs kubectl; a non-zero exit is a result, not an exception. */
  kubectl(bin: string, ...args: string[]): Promise<KubectlResult>;
  cleanup(): void;
}

/** A temporary HOME (`kap-` prefixed) with an admin kubeconfig for `api`. */
export function kubectlEnv(api: Endpoint, prefix = 'kap-kubectl-'): KubectlEnv {
  const home = mkdtempSync(join(tmpdir(), prefix));
  const kubeconfig = writeAdminKubeconfig(home, api.url, api.caPem, api.token);
  return {
    home,
    kubeconfig,
    async kubectl(bin, ...args) {
      try {
        const { stdout, stderr } = await run(bin, ['--kubeconfig', kubeconfig, ...args], { env: { ...process.env, HOME: home }, timeout: 60_000 });
        return { stdout, stderr, code: 0 };
      } catch (err) {
        const e = err as { stdout?: string; stderr?: string; code?: number };
        return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: typeof e.code === 'number' ? e.code : 1 };
      }
    },
    cleanup: () => rmSync(home, { recursive: true, force: true }),
  };
}
