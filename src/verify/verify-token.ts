// createTokenVerifier: parse strictly, pick the issuer by iss, verify the signature with a bound key, check claims.
import type { Config, Issuer, SigningAlg } from '../config/types.js';
import type { Deps } from '../deps.js';
import { KeywayError } from '../errors.js';
import type { IssuerKeyStore, VerificationKey } from '../keys/keys.js';
import { checkClaims } from './claims.js';
import { type ParsedJws, parseJws } from './parse-jws.js';
import { compileTypeCheck } from './token-type.js';
import { createVerifiedCache, type VerifiedEntry } from './verified-cache.js';

/** A token whose signature and claims verified. */
export interface VerifiedToken {
  readonly issuer: Issuer;
  readonly alg: string;
  readonly kid: string | undefined;
  readonly claims: Readonly<Record<string, unknown>>;
  /**
   * A slot for what the pipeline derives from this token's claims alone (decide.ts: an allow's headers under a
   * policy), so a cache hit reuses it: it lives as long as the token's cache entry. Nothing here reads it.
   */
  memo?: object | undefined;
}

/**
 * Verify a token for one of `issuerNames` (undefined: any issuer). Answers at once (no promise) when no wait is needed
 * — a cache hit, or keys the store holds now — else a promise. Throws, or rejects with, KeywayError.
 */
export type TokenVerifier = (
  token: string,
  issuerNames: readonly string[] | undefined,
) => VerifiedToken | Promise<VerifiedToken>;

/** At most this many keys are tried for one token (kid-less tokens against a rotated HS list, for example). */
const MAX_KEY_ATTEMPTS = 4;
/** Tokens longer than this are verified every time (10,000 cached tokens then stay well under 100 MB). */
const MAX_CACHED_TOKEN = 8_192;

/** What the verifier reads besides the issuers: the token and cache limits, and the longest token lifetime allowed. */
export interface VerifierSettings {
  readonly limits: Pick<Config['limits'], 'max_token_bytes' | 'verified_cache_size' | 'verified_cache_bytes'>;
  /** revocation.max_token_lifetime: a longer-lived token is refused (the revocation store keeps no entry that long). */
  readonly maxTokenLifetime: number;
}

/** Build the verifier over the issuers' key stores. The verifier throws KeywayError with the precise reason. */
export function createTokenVerifier(
  issuers: readonly Issuer[],
  stores: ReadonlyMap<string, IssuerKeyStore>,
  settings: VerifierSettings,
  deps: Pick<Deps, 'clock'>,
): TokenVerifier {
  const byIss = new Map(issuers.filter((i) => i.issuer !== undefined).map((i) => [i.issuer!, i]));
  const wildcard = issuers.find((i) => i.issuer === undefined);
  const maxBytes = settings.limits.max_token_bytes;
  const maxLifetime = settings.maxTokenLifetime;
  const typeChecks = new Map(issuers.map((i) => [i.name, compileTypeCheck(i)]));

  const pickIssuer = (iss: unknown, allowed: readonly string[] | undefined): Issuer => {
    if (iss !== undefined && typeof iss !== 'string')
      throw new KeywayError('malformed_token', 'iss is not a string');
    const issuer = (iss === undefined ? undefined : byIss.get(iss)) ?? wildcard;
    if (!issuer || (allowed && !allowed.includes(issuer.name))) throw new KeywayError('bad_issuer');
    return issuer;
  };

  const cache = createVerifiedCache(
    settings.limits.verified_cache_size,
    settings.limits.verified_cache_bytes,
  );

  /** The answer for a cache hit whose issuer's store now serves `keys` for its (alg, kid); undefined: not usable. */
  const acceptHit = (
    token: string,
    hit: VerifiedEntry,
    keys: readonly VerificationKey[] | undefined,
    issuerNames: readonly string[] | undefined,
    now: number,
  ): VerifiedToken | undefined => {
    const at = keys === undefined ? -1 : keys.indexOf(hit.key);
    if (at === -1 || at >= MAX_KEY_ATTEMPTS) {
      cache.delete(token);
      return undefined;
    }
    if (issuerNames && !issuerNames.includes(hit.issuer.name)) throw new KeywayError('bad_issuer');
    checkClaims(hit.claims, hit.issuer, now, maxLifetime);
    // The entry is a VerifiedToken (and more): no new object per hit. Its claims stay the same object, which is what
    // lets decide.ts derive an allow's headers once per token.
    return hit;
  };

  /**
   * A cached verification counts only while its key is still served for (alg, kid): rotation and forget end it.
   * A memory lookup answered at once when the store knows the key now; a promise only when the store must wait.
   */
  const fromCache = (
    token: string,
    issuerNames: readonly string[] | undefined,
  ): VerifiedToken | undefined | Promise<VerifiedToken | undefined> => {
    const now = deps.clock();
    const hit = cache.get(token, Math.floor(now / 1000));
    if (!hit) return undefined;
    const store = stores.get(hit.issuer.name);
    const ready = store?.candidatesNow(hit.alg, hit.kid);
    if (ready !== undefined || store === undefined) return acceptHit(token, hit, ready, issuerNames, now);
    return store
      .candidates(hit.alg, hit.kid)
      .catch(() => undefined)
      .then((keys) => acceptHit(token, hit, keys, issuerNames, now));
  };

  /** Try at most MAX_KEY_ATTEMPTS keys with their node:crypto checks (signature-checks.ts); cache the first success. */
  const verifyWith = (
    token: string,
    jws: ParsedJws,
    issuer: Issuer,
    keys: readonly VerificationKey[],
  ): VerifiedToken => {
    const alg = jws.alg as SigningAlg;
    const tries = Math.min(keys.length, MAX_KEY_ATTEMPTS);
    for (let i = 0; i < tries; i++) {
      const key = keys[i]!;
      // A key holds checks only for the algs it is bound to: any other alg is a failed signature, never a fallback.
      if (!key.checks.get(alg)?.(jws.signingInput, jws.signature)) continue;
      const exp = jws.claims['exp'];
      const expiresAt = typeof exp === 'number' ? exp + issuer.leeway / 1000 : Number.POSITIVE_INFINITY;
      checkClaims(jws.claims, issuer, deps.clock(), maxLifetime);
      // One object, the same shape as every cache hit's (memo included): the answer now and the entry later, so what
      // the pipeline derives for this request is already there on the first hit.
      const verified: VerifiedEntry = {
        issuer,
        alg,
        kid: jws.kid,
        claims: jws.claims,
        key,
        expiresAt,
        memo: undefined,
      };
      // Only tokens that passed every check, and only ordinary sizes: the cache's memory stays bounded.
      if (token.length <= MAX_CACHED_TOKEN) cache.set(token, verified);
      return verified;
    }
    throw new KeywayError(tries === 0 ? 'unknown_key' : 'bad_signature');
  };

  const verifyFresh = (
    token: string,
    issuerNames: readonly string[] | undefined,
  ): VerifiedToken | Promise<VerifiedToken> => {
    const jws = parseJws(token, maxBytes);
    const issuer = pickIssuer(jws.claims['iss'], issuerNames);
    const alg = jws.alg as SigningAlg;
    if (!issuer.algorithms.includes(alg))
      throw new KeywayError('alg_not_allowed', `alg ${jws.alg} not allowed`);
    // Like alg, typ is read from the header before any key is used; a cached token passed this check when cached.
    typeChecks.get(issuer.name)?.(jws.header);
    const store = stores.get(issuer.name);
    if (!store) throw new KeywayError('keys_unavailable', `no key store for ${issuer.name}`);
    const ready = store.candidatesNow(alg, jws.kid);
    if (ready !== undefined) return verifyWith(token, jws, issuer, ready);
    return store.candidates(alg, jws.kid).then((keys) => verifyWith(token, jws, issuer, keys));
  };

  return function verifyToken(token, issuerNames) {
    const cached = fromCache(token, issuerNames);
    if (cached === undefined) return verifyFresh(token, issuerNames);
    if (cached instanceof Promise) return cached.then((hit) => hit ?? verifyFresh(token, issuerNames));
    return cached;
  };
}
