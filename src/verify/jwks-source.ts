// The cached remote JWKS of one issuer: TTL, refresh ahead, stale-if-error, single-flight unknown-kid refetch.
import type { Issuer } from '../config/types.js';
import type { Deps } from '../deps.js';
import type { FetchLimiter } from './fetch-limiter.js';
import { ttlFromCacheControl } from './jwks-cache-policy.js';
import { createJwksLoader } from './jwks-loader.js';
import { createKeySet, EMPTY_KEY_SET, type KeySet, reuseUnchanged } from './key-set.js';
import { createSkipReporter } from './skip-reporter.js';

/** One issuer's remote key set; every fetch is single-flight (concurrent callers share it). */
export interface JwksSource {
  /** The last good set, whether or not it may still be served (see usable()). */
  keys(): KeySet;
  /** True while the last good set may be served: until stale_if_error (never less than its TTL) after the last success. */
  usable(): boolean;
  /** Start a refresh if one is due (refresh_ahead × TTL after a success, min_ttl after a failure); returns it. */
  tick(): Promise<void> | undefined;
  /** Refetch for an unknown kid: joins an in-flight fetch, else fetches at most once per unknown_kid_cooldown. */
  refetchForUnknownKid(): Promise<void>;
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

/** Create the JWKS source of an issuer with jwks_uri or discovery; `onChange` runs after every load or forget. */
export function createJwksSource(
  issuer: Issuer,
  deps: Deps,
  limiter: FetchLimiter,
  onChange: () => void,
): JwksSource {
  const opts = issuer.jwks;
  const reportSkipped = createSkipReporter(issuer.name, deps);
  const closer = new AbortController();
  const loadJwks = createJwksLoader(issuer, deps, limiter, closer.signal);
  let set = EMPTY_KEY_SET;
  let lastSuccessAt: number | undefined;
  let servedUntil = Number.NEGATIVE_INFINITY;
  let nextRefreshAt = 0;
  let lastKidFetchAt: number | undefined;
  let lastError: string | undefined;
  let inflight: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let staleLogged = false;

  async function load(): Promise<void> {
    const result = await loadJwks();
    if (closer.signal.aborted) return;
    const now = deps.clock();
    if (result.ok) {
      reportSkipped('jwks', result.value.skipped);
      const ttl = ttlFromCacheControl(result.cacheControl, opts);
      set = createKeySet(reuseUnchanged(result.value.keys, set));
      lastSuccessAt = now;
      servedUntil = now + Math.max(ttl, opts.stale_if_error);
      nextRefreshAt = now + ttl * opts.refresh_ahead;
      lastError = undefined;
      staleLogged = false;
      deps.log.debug({ issuer: issuer.name, keys: set.all.length, ttlMs: ttl }, 'JWKS loaded');
    } else {
      lastError = `${result.outcome}: ${result.detail}`;
      nextRefreshAt = now + opts.min_ttl;
      const serving = now < servedUntil ? set.all.length : 0;
      deps.log.warn(
        { issuer: issuer.name, outcome: result.outcome, detail: result.detail, servingKeys: serving },
        serving > 0 ? 'JWKS fetch failed; serving the last good keys' : 'JWKS fetch failed; no JWKS keys',
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
    inflight ??= load()
      .catch((err: unknown) => {
        lastError = `internal: ${err instanceof Error ? err.message : 'error'}`;
        deps.log.error({ issuer: issuer.name, err }, 'JWKS load failed unexpectedly');
      })
      .finally(() => {
        inflight = undefined;
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
    tick,
    refetchForUnknownKid() {
      if (inflight) return inflight;
      const now = deps.clock();
      if (lastKidFetchAt !== undefined && now - lastKidFetchAt < opts.unknown_kid_cooldown)
        return Promise.resolve();
      lastKidFetchAt = now;
      return run();
    },
    refresh: run,
    forget(kid) {
      set = kid === undefined ? EMPTY_KEY_SET : createKeySet(set.all.filter((k) => k.kid !== kid));
      if (kid === undefined) nextRefreshAt = 0;
      lastKidFetchAt = undefined;
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
