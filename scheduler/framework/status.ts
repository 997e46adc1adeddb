// The outcome of a plugin at an extension point. Expected outcomes (a node
// does not fit) are values; exceptions are for bugs.
export type StatusCode = 'Success' | 'Unschedulable' | 'UnschedulableAndUnresolvable' | 'Error' | 'Skip';

export class Status {
  /** The plugin that returned it, set by the framework. */
  plugin?: string;
  /** For errors: what was thrown, so callers can tell a 409 from a timeout. */
  cause?: unknown;

  constructor(
    readonly code: StatusCode,
    readonly reasons: readonly string[] = [],
  ) {}

  static readonly SUCCESS = Object.freeze(new Status('Success'));
  static readonly SKIP = Object.freeze(new Status('Skip'));

  /** The node does not fit, but could after something changes (e.g. pods go away). */
  static unschedulable(...reasons: string[]): Status {
    return new Status('Unschedulable', reasons);
  }

  /** The node does not fit and preemption cannot change that (labels, taints, names). */
  static unresolvable(...reasons: string[]): Status {
    return new Status('UnschedulableAndUnresolvable', reasons);
  }

  static error(err: unknown): Status {
    const s = new Status('Error', [err instanceof Error ? err.message : String(err)]);
    s.cause = err;
    return s;
  }

  isSuccess(): boolean {
    return this.code === 'Success';
  }

  isRejected(): boolean {
    return this.code === 'Unschedulable' || this.code === 'UnschedulableAndUnresolvable';
  }

  withPlugin(name: string): Status {
    if (this.code === 'Success' || this.code === 'Skip') return this;
    const s = new Status(this.code, this.reasons);
    s.plugin = name;
    s.cause = this.cause;
    return s;
  }

  message(): string {
    return this.reasons.join(', ');
  }
}
