// Per-cycle data: written by a plugin's PreFilter/PreScore, read by its Filter/Score
// in the same scheduling cycle, then dropped.
export class CycleState {
  private readonly data = new Map<string, unknown>();

  write<T>(key: string, value: T): void {
    this.data.set(key, value);
  }

  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }

  /** A copy for a simulation: values with a `clone()` method are cloned, others (immutable) shared. */
  clone(): CycleState {
    const copy = new CycleState();
    for (const [k, v] of this.data) {
      const cloneable = v as { clone?: () => unknown } | null;
      copy.data.set(k, cloneable && typeof cloneable.clone === 'function' ? cloneable.clone() : v);
    }
    return copy;
  }

  /** Reads what PreFilter wrote; its absence is a bug in the plugin order. */
  require<T>(key: string): T {
    const value = this.data.get(key);
    if (value === undefined && !this.data.has(key)) throw new Error(`cycle state has no ${key}: did its PreFilter run?`);
    return value as T;
  }
}
