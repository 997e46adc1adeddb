// At most N bindings in flight. The loop never waits for a binding (the pod
// is assumed in the cache), but each one in flight holds a connection to the
// apiserver; unbounded, a burst opens hundreds of TLS connections whose
// handshakes cost both sides more than the bindings do. kube-scheduler gets
// the same effect from multiplexing every call on one HTTP/2 connection.
export class BindLimiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  /** Runs `fn` once fewer than `limit` others run. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter.
      if (next) next();
      else this.running--;
    }
  }

  get inFlight(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }
}
