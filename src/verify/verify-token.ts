// createTokenVerifier: parse strictly, pick the issuer by iss, verify the signature with a bound key, check claims.
import { compactVerify } from 'jose';
import type { Issuer, SigningAlg } from '../config/types.js';
import type { Deps } from '../deps.js';
import { KeywayError } from '../errors.js';
import { cryptoKeyFor } from '../keys/crypto-key-cache.js';
import type { IssuerKeyStore } from '../keys/keys.js';
import { checkClaims } from './claims.js';
import { fromJoseError } from './jose-errors.js';
import { parseJws } from './parse-jws.js';
import { compileTypeCheck } from './token-type.js';
import { createVerifiedCache } from './verified-cache.js';

/** A token whose signature and claims verified. */
export interface VerifiedToken {
  readonly issuer: Issuer;
  readonly alg: string;
  readonly kid: string | undefined;
  readonly claims: Readonly<Record<string, unknown>>;
}

export type TokenVerifier = (
  token: string,
  issuerNames: readonly string[] | undefined,
) => Promise<VerifiedToken>;

/** At most this many keys are tried for one token (kid-less tokens against a rotated HS list, for example). */
const MAX_KEY_ATTEMPTS = 4;
/** Tokens longer than this are verified every time (10,000 cached tokens then stay well under 100 MB). */
const MAX_CACHED_TOKEN = 8_192;

/** Build the verifier over the issuers' key stores. The verifier throws KeywayError with the precise reason. */
export function createTokenVerifier(
  issuers: readonly Issuer[],
  stores: ReadonlyMap<string, IssuerKeyStore>,
  deps: Pick<Deps, 'clock' | 'config'>,
): TokenVerifier {
  const byIss = new Map(issuers.filter((i) => i.issuer !== undefined).map((i) => [i.issuer!, i]));
  const wildcard = issuers.find((i) => i.issuer === undefined);
  const maxBytes = deps.config.limits.max_token_bytes;
  const maxLifetime = deps.config.revocation.max_token_lifetime;
  const typeChecks = new Map(issuers.map((i) => [i.name, compileTypeCheck(i)]));

  const pickIssuer = (iss: unknown, allowed: readonly string[] | undefined): Issuer => {
    if (iss !== undefined && typeof iss !== 'string')
      throw new KeywayError('malformed_token', 'iss is not a string');
    const issuer = (iss === undefined ? undefined : byIss.get(iss)) ?? wildcard;
    if (!issuer || (allowed && !allowed.includes(issuer.name))) throw new KeywayError('bad_issuer');
    return issuer;
  };

  const cache = createVerifiedCache(
    deps.config.limits.verified_cache_size,
    deps.config.limits.verified_cache_bytes,
  );

  /** A cached verification counts only while its key is still served for (alg, kid): rotation and forget end it. */
  const fromCache = async (token: string, issuerNames: readonly string[] | undefined) => {
    const now = deps.clock();
    const hit = cache.get(token, Math.floor(now / 1000));
    if (!hit) return undefined;
    const keys = await stores
      .get(hit.issuer.name)
      ?.candidates(hit.alg, hit.kid)
      .catch(() => undefined);
    if (!keys?.slice(0, MAX_KEY_ATTEMPTS).includes(hit.key)) {
      cache.delete(token);
      return undefined;
    }
    if (issuerNames && !issuerNames.includes(hit.issuer.name)) throw new KeywayError('bad_issuer');
    checkClaims(hit.claims, hit.issuer, now, maxLifetime);
    return { issuer: hit.issuer, alg: hit.alg, kid: hit.kid, claims: hit.claims };
  };

  return async function verifyToken(token, issuerNames) {
    const cached = await fromCache(token, issuerNames);
    if (cached) return cached;
    const jws = parseJws(token, maxBytes);
    const issuer = pickIssuer(jws.claims['iss'], issuerNames);
    const alg = jws.alg as SigningAlg;
    if (!issuer.algorithms.includes(alg))
      throw new KeywayError('alg_not_allowed', `alg ${jws.alg} not allowed`);
    // Like alg, typ is read from the header before any key is used; a cached token passed this check when cached.
    typeChecks.get(issuer.name)?.(jws.header);
    const store = stores.get(issuer.name);
    if (!store) throw new KeywayError('keys_unavailable', `no key store for ${issuer.name}`);
    const keys = await store.candidates(alg, jws.kid);
    let lastError: KeywayError = new KeywayError('unknown_key');
    for (const key of keys.slice(0, MAX_KEY_ATTEMPTS)) {
      try {
        await compactVerify(token, await cryptoKeyFor(key, alg), { algorithms: [alg] });
        const exp = jws.claims['exp'];
        const expiresAt = typeof exp === 'number' ? exp + issuer.leeway / 1000 : Number.POSITIVE_INFINITY;
        checkClaims(jws.claims, issuer, deps.clock(), maxLifetime);
        // Only tokens that passed every check, and only ordinary sizes: the cache's memory stays bounded.
        if (token.length <= MAX_CACHED_TOKEN) {
          cache.set(token, { issuer, alg, kid: jws.kid, claims: jws.claims, key, expiresAt });
        }
        return { issuer, alg, kid: jws.kid, claims: jws.claims };
      } catch (err) {
        lastError = fromJoseError(err);
        if (lastError.reason !== 'bad_signature') throw lastError;
      }
    }
    throw lastError;
  };
}
