// What differs between kinds, as small hooks. The generic store does the rest.
import type { KubeObject, DeleteOptions } from '../../api/types';
import type { StatusCause } from '../../api/errors';

export interface StrategyContext {
  now(): Date;
}

export interface ResourceStrategy {
  /** Reset fields a client may not set on create (e.g. status). */
  prepareForCreate?(obj: KubeObject, ctx: StrategyContext): void;
  /** Carry over fields the main resource may not change (e.g. status). */
  prepareForUpdate?(obj: KubeObject, old: KubeObject, ctx: StrategyContext): void;
  /** Kind-specific checks beyond the schema; old is set on update. */
  validate?(obj: KubeObject, old?: KubeObject): StatusCause[];
  /**
   * Graceful deletion: seconds to wait before the object is really removed,
   * or 0 to remove it now. Only pods have it.
   */
  gracePeriod?(obj: KubeObject, opts: DeleteOptions): number;
  /** Deletion becomes a state change instead (namespaces turn Terminating). */
  beginDelete?(obj: KubeObject, ctx: StrategyContext): boolean;
  /**
   * Async work before an object is first stored (e.g. allocating IPs); throws to refuse the create.
   * With `dryRun` it fills in and checks the same fields but claims nothing (server-side dry run).
   */
  beforeCreate?(obj: KubeObject, opts?: { dryRun?: boolean }): Promise<void>;
  /** Undoes beforeCreate when the object was not stored after all. */
  abortCreate?(obj: KubeObject): Promise<void>;
  /** Called once an object is finally removed, e.g. to free allocated IPs. */
  afterDelete?(obj: KubeObject): Promise<void>;
  /** Seconds each create or update is kept before etcd expires it (Events); none = forever. */
  ttlSeconds?(): number;
}

/** Admission that every kind shares: defaulting and schema validation. */
export interface Admission {
  default(obj: KubeObject): void;
  validate(obj: KubeObject): StatusCause[];
  unknownFields(obj: KubeObject): string[];
}

export const noAdmission: Admission = {
  default() {},
  validate() {
    return [];
  },
  unknownFields() {
    return [];
  },
};
