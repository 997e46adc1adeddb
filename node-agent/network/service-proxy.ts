// Programs a node's Service rules: computes the table from Services and
// Endpoints and applies it with one `nft -f` transaction: the whole table the
// first time, afterwards only what changed (nothing if nothing did).
import { NetnsCommands } from './commands';
import {
  fullScript, serviceRules, serviceTable, updateScript, SERVICE_TABLE,
  type EndpointsObject, type ServiceObject, type ServiceTable,
} from './service-rules';

export interface ServiceProxyOptions {
  /** The node's network namespace; unset = the agent's own. */
  nodeNetnsPath?: string;
  table?: string;
}

export class ServiceProxy {
  private readonly commands: NetnsCommands;
  private readonly table: string;
  /** What the kernel holds, as far as this proxy knows. */
  private applied?: ServiceTable;

  constructor(opts: ServiceProxyOptions = {}) {
    this.commands = new NetnsCommands(opts.nodeNetnsPath);
    this.table = opts.table ?? SERVICE_TABLE;
  }

  /** Brings the table to these Services; returns whether anything changed. */
  async sync(services: ServiceObject[], endpoints: EndpointsObject[]): Promise<boolean> {
    const next = serviceTable(serviceRules(services, endpoints));
    if (this.applied) {
      const delta = updateScript(this.applied, next, this.table);
      if (!delta) return false;
      try {
        await this.apply(delta);
        this.applied = next;
        return true;
      } catch {
        // The kernel's table is not what we thought (changed behind our back): rebuild it whole.
      }
    }
    this.applied = undefined;
    await this.apply(fullScript(next, this.table));
    this.applied = next;
    return true;
  }

  async remove(): Promise<void> {
    this.applied = undefined;
    await this.apply(`table ip ${this.table} {}\ndelete table ip ${this.table}\n`);
  }

  private apply(script: string): Promise<string> {
    return this.commands.node(['nft', '-f', '-'], script);
  }
}
