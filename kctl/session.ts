// Per-invocation state shared by commands: the resolved kubeconfig, one REST
// client, the namespace to use and the server's resource types (discovered once).
import type { ResourceInfo } from '../api/resources';
import { loadKubeconfig, ResolvedKubeconfig } from '../client/kubeconfig';
import { RestClient } from '../client/rest-client';
import { discoverResources, resolveKind, resolveTypeName } from './discovery';
import { bool, FlagValues, str } from './flags';
import type { CliIO } from './io';

export class Session {
  private kubeconfig?: ResolvedKubeconfig;
  private restClient?: RestClient;
  private resources?: Promise<ResourceInfo[]>;

  constructor(
    readonly io: CliIO,
    readonly flags: FlagValues,
    private readonly explicitFlags: Set<string>,
  ) {}

  get config(): ResolvedKubeconfig {
    this.kubeconfig ??= loadKubeconfig({
      kubeconfig: str(this.flags, 'kubeconfig'),
      context: str(this.flags, 'context'),
      server: str(this.flags, 'server'),
      token: str(this.flags, 'token'),
      namespace: str(this.flags, 'namespace'),
      insecureSkipTlsVerify: this.explicitFlags.has('insecure-skip-tls-verify') ? bool(this.flags, 'insecure-skip-tls-verify') : undefined,
      env: this.io.env,
      homeDir: this.io.homeDir,
    });
    return this.kubeconfig;
  }

  get client(): RestClient {
    this.restClient ??= RestClient.fromKubeconfig(this.config, {
      userAgent: 'kctl/0.1.0',
      onWarning: (w) => this.io.err(`Warning: ${w}\n`),
    });
    return this.restClient;
  }

  /** The namespace from -n, else the context's, else `default`. */
  get namespace(): string {
    return this.config.namespace;
  }

  /** Whether the user passed -n/--namespace on this command line. */
  get namespaceExplicit(): boolean {
    return this.explicitFlags.has('namespace');
  }

  discovered(): Promise<ResourceInfo[]> {
    this.resources ??= discoverResources(this.client);
    return this.resources;
  }

  async resourceType(name: string): Promise<ResourceInfo> {
    return resolveTypeName(name, await this.discovered());
  }

  async resourceKind(apiVersion: string, kind: string): Promise<ResourceInfo> {
    return resolveKind(apiVersion, kind, await this.discovered());
  }

  close(): void {
    this.restClient?.close();
  }
}
