// Fetch one issuer's JWKS document: via OIDC discovery when configured, the CA-aware GET, retries, limiter, metrics.
import type { Issuer } from '../config/types.js';
import type { Deps } from '../deps.js';
import { discoveryUrl, parseDiscovery } from './discovery.js';
import type { FetchLimiter } from './fetch-limiter.js';
import { chooseGet } from './http-get.js';
import { type Fetched, type FetchFailure, type FetchPlan, fetchWithRetries } from './jwks-fetch.js';
import { type ParsedJwks, parseJwks } from './jwks-parse.js';
import { createSkipReporter } from './skip-reporter.js';

/** The result of one load: the parsed key set (with Cache-Control), or why it failed. */
export type JwksLoad = Fetched<ParsedJwks> | FetchFailure;

/**
 * Create the loader of an issuer's JWKS; each call fetches (with retries) and never throws. A discovered jwks_uri
 * is remembered until a JWKS fetch fails, then discovered again. `signal` aborts everything (store closed).
 * A well-formed set with no usable key (empty, or every key skipped) is a failure, `no_usable_keys`: an IdP
 * mid-deploy serving `{"keys":[]}` must not replace the last good set. Skipped keys are reported either way.
 */
export function createJwksLoader(
  issuer: Issuer,
  deps: Pick<Deps, 'fetch' | 'metrics' | 'log'>,
  limiter: FetchLimiter,
  signal: AbortSignal,
): () => Promise<JwksLoad> {
  const opts = issuer.jwks;
  let discovered: string | undefined;
  const reportSkipped = createSkipReporter(issuer.name, deps);
  const parseKeys = (body: unknown): ParsedJwks | undefined => {
    const parsed = parseJwks(body, issuer.algorithms);
    if (parsed) reportSkipped('jwks', parsed.skipped);
    return parsed;
  };

  const plan = <T>(
    url: string,
    parse: (body: unknown) => T | undefined,
    refuse?: (value: T) => string | undefined,
  ): FetchPlan<T> => ({
    url,
    get: chooseGet(url, issuer.ca, deps.fetch),
    timeoutMs: opts.timeout,
    maxBytes: opts.max_bytes,
    retries: opts.retries,
    backoffMs: opts.retry_backoff,
    parse,
    refuse,
    limit: (task) => limiter.run(task),
    signal,
    onAttempt: (outcome) => deps.metrics.jwksFetches.inc({ issuer: issuer.name, outcome }),
  });

  async function resolveJwksUri(): Promise<string | FetchFailure> {
    if (issuer.jwks_uri) return issuer.jwks_uri;
    if (discovered) return discovered;
    const iss = issuer.issuer ?? '';
    const found = await fetchWithRetries(
      plan(discoveryUrl(iss), (body) => parseDiscovery(body, iss, issuer.allow_insecure_http)),
    );
    if (!found.ok) return found;
    discovered = found.value;
    return discovered;
  }

  return async function loadJwks() {
    const uri = await resolveJwksUri();
    if (typeof uri !== 'string') return uri;
    const result = await fetchWithRetries(plan(uri, parseKeys, refuseUnusable));
    // A failed JWKS fetch may mean the discovery document moved it.
    if (!result.ok) discovered = undefined;
    return result;
  };
}

/** Why a parsed set cannot replace the current one (no usable key), or undefined; names reasons, never key material. */
function refuseUnusable(parsed: ParsedJwks): string | undefined {
  if (parsed.keys.length > 0) return undefined;
  if (parsed.skipped.length === 0) return 'the set has no keys';
  const whys = [...new Set(parsed.skipped.map((s) => s.why))].join(', ');
  return `all ${parsed.skipped.length} keys skipped (${whys})`;
}
