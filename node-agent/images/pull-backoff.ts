// Back-off between failed pulls of one image, as the kubelet does: 10 s after the first failure,
// doubling to at most 5 min, forgotten on success. Pure and clock-injected so it is tested fast.
export class PullBackoff {
  private readonly entries = new Map<string, { delayMs: number; until: number }>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly initialMs = 10_000,
    private readonly maxMs = 300_000,
  ) {}

  /** Milliseconds before key may be pulled again (0 when it may now). */
  remaining(key: string): number {
    const entry = this.entries.get(key);
    return entry ? Math.max(0, entry.until - this.now()) : 0;
  }

  failed(key: string): number {
    const previous = this.entries.get(key);
    const delayMs = previous ? Math.min(previous.delayMs * 2, this.maxMs) : this.initialMs;
    this.entries.set(key, { delayMs, until: this.now() + delayMs });
    return delayMs;
  }

  succeeded(key: string): void {
    this.entries.delete(key);
  }
}
