// A FIFO semaphore capping concurrent JWKS/discovery fetches across all issuers (limits.max_concurrent_jwks_fetches).

/** Runs tasks with at most `max` in flight; the rest wait in arrival order. */
export interface FetchLimiter {
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Tasks running now (for tests and status). */
  readonly active: number;
}

/** Create a limiter allowing `max` (≥ 1) concurrent tasks. */
export function createFetchLimiter(max: number): FetchLimiter {
  const waiting: (() => void)[] = [];
  let active = 0;
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };
  const acquire = (): Promise<void> => {
    if (active < Math.max(1, max)) {
      active++;
      return Promise.resolve();
    }
    // The slot is handed over directly on release, so `active` stays counted for the waiter.
    return new Promise((resolve) => waiting.push(resolve));
  };
  return {
    async run(task) {
      await acquire();
      try {
        return await task();
      } finally {
        release();
      }
    },
    get active() {
      return active;
    },
  };
}
