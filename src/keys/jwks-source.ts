// The cached remote JWKS of one issuer: TTL, refresh ahead, stale-if-error, failure backoff, unknown-kid refetch.
import type { Issuer } from '../config/types.js';
import type { Deps } from '../deps.js';
import type { FetchLimiter } from './fetch-limiter.js';
import { ttlFromCacheControl } from './jwks-cache-policy.js';
import { createJwksLoader } from './jwks-loader.js';
import { createKeySet, EMPTY_KEY_SET, type KeySet, reuseUnchanged } from './key-set.js';

/** One issuer's remote key set; every fetch is single-flight (concurrent callers share it). */
export interface JwksSource {
  /** The last good set, whether or not it may still be served (see usable()). */
  keys(): KeySet;
  /** True while the last good set may be served: until stale_if_error (never less than its TTL) after the last success. */
  usable(): boolean;
  /**
   * True when a kid missing from keys() is really unknown: the last fetch succeeded and the set is within its TTL.
   * False during an outage (last fetch failed, or no usable key in its answer), before the first load, and while
   * the set is past its TTL.
   */
  current(): boolean;
  /** Start a refresh if one is due (refresh_ahead × TTL after a success, failure backoff after a failure); returns it. */
  tick(): Promise<void> | undefined;
  /**
   * Refetch for an unknown kid: joins an in-flight fetch, else fetches unless a fetch that an unknown kid waited for
   * ended less than unknown_kid_cooldown ago (then resolves at once). Scheduled refreshes alone never hold it back.
   */
  refetchForUnknownKid(): Promise<void>;
  /** performance.now() when the fetch in flight started (real time, whatever deps.clock says), else undefined. */
  fetchingSince(): number | undefined;
  /** Fetch now (or join the in-flight fetch); never rejects — failures show in state(). */
  refresh(): Promise<void>;
  /** Drop one cached kid (or the whole set) and lift the cooldown so the next miss refetches. */
  forget(kid?: string): void;
  state(): { readonly ageMs: number | undefined; readonly lastError: string | undefined };
  /** Stop timers and abort an in-flight fetch. */
  close(): void;
}

const MIN_TIMER_MS = 1_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The wait before the next fetch after `failures` consecutive failed ones: failure_backoff doubling per failure, at
 * most min_ttl — a short outage is noticed over within seconds, a long one costs one fetch (plus retries) per min_ttl.
 */
export function failureDelay(failures: number, opts: Issuer['jwks']): number {
  return Math.min(opts.failure_backoff * 2 ** Math.max(0, failures - 1), opts.min_ttl);
}

/** Create the JWKS source of an issuer with jwks_uri or discovery; `onChange` runs after every load or forget. */
export function createJwksSource(
  issuer: Issuer,
  deps: Deps,
  limiter: FetchLimiter,
  onChange: () => void,
): JwksSource {
  const opts = issuer.jwks;
  const closer = new AbortController();
  const loadJwks = createJwksLoader(issuer, deps, limiter, closer.signal);
  let set = EMPTY_KEY_SET;
  let lastSuccessAt: number | undefined;
  let servedUntil = Number.NEGATIVE_INFINITY;
  let freshUntil = Number.NEGATIVE_INFINITY;
  let nextRefreshAt = 0;
  // Earliest time an unknown kid may start a fetch: unknown_kid_cooldown after the end of the last fetch one waited
  // for, so a flood of forged kids costs one fetch per cooldown while a real rotation waits at most that long.
  let kidRefetchAt = 0;
  let kidWaiting = false;
  let failures = 0;
  let lastError: string | undefined;
  let inflight: Promise<void> | undefined;
  let inflightSince: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let staleLogged = false;

  async function load(): Promise<void> {
    const result = await loadJwks();
    if (closer.signal.aborted) return;
    const now = deps.clock();
    if (result.ok) {
      const ttl = ttlFromCacheControl(result.cacheControl, opts);
      set = createKeySet(reuseUnchanged(result.value.keys, set));
      lastSuccessAt = now;
      servedUntil = now + Math.max(ttl, opts.stale_if_error);
      freshUntil = now + ttl;
      nextRefreshAt = now + ttl * opts.refresh_ahead;
      failures = 0;
      lastError = undefined;
      staleLogged = false;
      deps.log.debug({ issuer: issuer.name, keys: set.all.length, ttlMs: ttl }, 'JWKS loaded');
    } else {
      failures++;
      lastError = `${result.outcome}: ${result.detail}`;
      const retryInMs = failureDelay(failures, opts);
      nextRefreshAt = now + retryInMs;
      const serving = now < servedUntil ? set.all.length : 0;
      const what =
        result.outcome === 'no_usable_keys' ? 'JWKS answer has no usable key' : 'JWKS fetch failed';
      deps.log.warn(
        {
          issuer: issuer.name,
          outcome: result.outcome,
          detail: result.detail,
          servingKeys: serving,
          retryInMs,
        },
        serving > 0 ? `${what}; serving the last good keys` : `${what}; no JWKS keys`,
      );
    }
    onChange();
  }

  function schedule(): void {
    clearTimeout(timer);
    if (closer.signal.aborted) return;
    const delay = Math.min(Math.max(nextRefreshAt - deps.clock(), MIN_TIMER_MS), MAX_TIMER_MS);
    timer = setTimeout(onTimer, delay);
    timer.unref();
  }

  function run(): Promise<void> {
    if (closer.signal.aborted) return Promise.resolve();
    if (inflight) return inflight;
    inflightSince = performance.now();
    inflight = load()
      .catch((err: unknown) => {
        failures++;
        lastError = `internal: ${err instanceof Error ? err.message : 'error'}`;
        nextRefreshAt = deps.clock() + failureDelay(failures, opts);
        deps.log.error({ issuer: issuer.name, err }, 'JWKS load failed unexpectedly');
      })
      .finally(() => {
        inflight = undefined;
        inflightSince = undefined;
        if (kidWaiting) kidRefetchAt = deps.clock() + opts.unknown_kid_cooldown;
        kidWaiting = false;
        schedule();
      });
    return inflight;
  }

  function tick(): Promise<void> | undefined {
    return inflight === undefined && deps.clock() >= nextRefreshAt ? run() : undefined;
  }

  function onTimer(): void {
    if (deps.clock() >= nextRefreshAt) void run();
    else schedule();
  }

  function usable(): boolean {
    const fresh = deps.clock() < servedUntil;
    if (!fresh && lastSuccessAt !== undefined && !staleLogged) {
      staleLogged = true;
      deps.log.error(
        { issuer: issuer.name, lastError },
        'JWKS stale past stale_if_error; its keys are no longer used',
      );
    }
    return fresh;
  }

  return {
    keys: () => set,
    usable,
    current: () => lastError === undefined && deps.clock() < freshUntil,
    tick,
    refetchForUnknownKid() {
      if (!inflight && deps.clock() < kidRefetchAt) return Promise.resolve();
      const fetching = run();
      kidWaiting = inflight !== undefined;
      return fetching;
    },
    fetchingSince: () => inflightSince,
    refresh: run,
    forget(kid) {
      set = kid === undefined ? EMPTY_KEY_SET : createKeySet(set.all.filter((k) => k.kid !== kid));
      if (kid === undefined) nextRefreshAt = 0;
      kidRefetchAt = 0;
      onChange();
    },
    state: () => ({
      ageMs: lastSuccessAt === undefined ? undefined : deps.clock() - lastSuccessAt,
      lastError,
    }),
    close() {
      closer.abort();
      clearTimeout(timer);
    },
  };
}
