// The key store of one issuer (HS secrets, static keys, remote JWKS); the process's key-store pool holds them.
import type { Issuer, SigningAlg } from '../config/types.js';
import type { Deps } from '../deps.js';
import { KeywayError } from '../errors.js';
import type { FetchLimiter } from './fetch-limiter.js';
import { createJwksSource, type JwksSource } from './jwks-source.js';
import { importHsSecret, importVerificationKey, isKeyRejection, type KeyRejection } from './key-import.js';
import { createKeySet, type KeySet, kidAlgKey } from './key-set.js';
import type { IssuerKeyStore, VerificationKey } from './keys.js';
import { createSkipReporter } from './skip-reporter.js';

/** What /admin/keys shows of a key: never the key material. */
export interface KeyInfo {
  readonly kid: string | undefined;
  readonly kty: 'RSA' | 'EC' | 'OKP' | 'oct';
  readonly algs: readonly SigningAlg[];
  readonly origin: VerificationKey['origin'];
  readonly id: string;
}

/** An IssuerKeyStore plus the admin helpers. */
export interface AdminKeyStore extends IssuerKeyStore {
  /** Public info on the keys served now (JWKS keys first, then static, then HS in config order). */
  list(): readonly KeyInfo[];
  /** Drop one cached JWKS kid (or the whole cached set) so the next request refetches; returns how many were dropped. */
  forget(kid?: string): number;
}

const KTY = { rsa: 'RSA', ec: 'EC', ed25519: 'OKP' } as const;

/** Create the store of one issuer; static/HS keys are imported now (unusable ones logged and skipped), the JWKS on start(). */
export function createIssuerKeyStore(issuer: Issuer, deps: Deps, limiter: FetchLimiter): AdminKeyStore {
  const configured = createKeySet(importConfiguredKeys(issuer, deps));
  const allowed = new Set(issuer.algorithms);
  let merged = configured;
  const waitMs = issuer.jwks.request_wait;
  const jwks: JwksSource | undefined =
    issuer.jwks_uri || issuer.discovery ? createJwksSource(issuer, deps, limiter, onChange) : undefined;

  function onChange(): void {
    merged = jwks ? createKeySet([...jwks.keys().all, ...configured.all]) : configured;
    updateGauges();
  }

  const active = (): KeySet => (jwks?.usable() ? merged : configured);

  /** Keys for (alg, kid); undefined means "not found yet" (a refetch may help), an error means stop. */
  function lookup(
    alg: SigningAlg,
    kid: string | undefined,
  ): readonly VerificationKey[] | KeywayError | undefined {
    const set = active();
    if (kid === undefined) return set.byAlg.get(alg);
    const exact = set.byKidAlg.get(kidAlgKey(kid, alg));
    if (exact) return exact;
    // The kid exists but is not bound to this alg: never fall through to other keys (alg confusion).
    if (set.byKid.has(kid))
      return new KeywayError('alg_not_allowed', `alg ${alg} is not allowed for kid ${show(kid)}`);
    return undefined;
  }

  /**
   * After the JWKS had its chance (`fetched`: the refetch settled within request_wait): configured kid-less keys
   * accept any kid; otherwise unknown_key — or keys_unavailable when the JWKS cannot say the kid is unknown (fetch
   * still running, last fetch failed, set past its TTL, never loaded): the key may be in the set it cannot read.
   */
  function fallback(alg: SigningAlg, kid: string | undefined, fetched: boolean): readonly VerificationKey[] {
    const found = lookup(alg, kid) ?? (kid === undefined ? undefined : configured.kidlessByAlg.get(alg));
    if (found instanceof KeywayError) throw found;
    if (found) return found;
    const jwksDown = jwks !== undefined && !(fetched && jwks.current()) && !alg.startsWith('HS');
    if (jwksDown || active().all.length === 0) {
      const why = fetched ? 'has no usable keys' : `JWKS still loading after request_wait (${waitMs}ms)`;
      // The fetch goes on: its result may be there in a second.
      const retry = fetched ? undefined : { retryAfter: 1 };
      throw new KeywayError('keys_unavailable', `issuer ${issuer.name} ${why} for ${alg}`, retry);
    }
    throw new KeywayError('unknown_key', `no key for kid ${show(kid)} and alg ${alg}`);
  }

  function updateGauges(): KeySet {
    const set = active();
    deps.metrics.keysLoaded.set({ issuer: issuer.name }, set.all.length);
    const ageMs = jwks?.state().ageMs;
    if (ageMs !== undefined) deps.metrics.keyAgeSeconds.set({ issuer: issuer.name }, ageMs / 1000);
    return set;
  }

  return {
    candidatesNow(alg, kid) {
      if (!allowed.has(alg)) return undefined;
      void jwks?.tick();
      const found = lookup(alg, kid);
      return found instanceof KeywayError ? undefined : found;
    },
    candidates(alg, kid) {
      if (!allowed.has(alg)) {
        return Promise.reject(
          new KeywayError('alg_not_allowed', `alg ${alg} is not allowed for issuer ${issuer.name}`),
        );
      }
      void jwks?.tick();
      const found = lookup(alg, kid);
      if (found instanceof KeywayError) return Promise.reject(found);
      if (found) return Promise.resolve(found);
      if (!jwks) return new Promise((resolve) => resolve(fallback(alg, kid, true)));
      const fetching = jwks.refetchForUnknownKid();
      const since = jwks.fetchingSince();
      if (since === undefined) return fetching.then(() => fallback(alg, kid, true));
      // A hung IdP must not hold a request past the proxy's auth timeout: nobody waits on a fetch past request_wait
      // after it started (so a request that looks twice never waits twice); the fetch goes on in the background.
      return settledWithin(fetching, since + waitMs - performance.now()).then((fetched) =>
        fallback(alg, kid, fetched),
      );
    },
    status() {
      const set = updateGauges();
      const state = jwks?.state();
      return {
        issuer: issuer.name,
        ready: set.all.length > 0,
        keys: set.all.length,
        ageMs: state?.ageMs,
        lastError: state?.lastError,
      };
    },
    start: async () => {
      await jwks?.refresh();
      updateGauges();
    },
    refresh: async () => {
      await jwks?.refresh();
    },
    close: () => jwks?.close(),
    list: () => active().all.map(keyInfo),
    forget(kid) {
      if (!jwks) return 0;
      const before = jwks.keys().all.length;
      jwks.forget(kid);
      return before - jwks.keys().all.length;
    },
  };
}

function importConfiguredKeys(issuer: Issuer, deps: Deps): VerificationKey[] {
  const report = createSkipReporter(issuer.name, deps);
  const keys: VerificationKey[] = [];
  const skipped: KeyRejection[] = [];
  for (const k of issuer.keys) {
    const input = {
      jwk: k.jwk,
      pem: k.pem,
      kid: k.kid,
      issuerAlgorithms: issuer.algorithms,
      keyAlgorithms: k.algorithms,
    };
    const result = importVerificationKey(input, 'static');
    if (isKeyRejection(result)) skipped.push(result);
    else keys.push(result);
  }
  report('static', skipped);
  skipped.length = 0;
  issuer.hs_secrets.forEach((secret, i) => {
    const result = importHsSecret(secret, i, issuer.algorithms);
    if (isKeyRejection(result)) skipped.push(result);
    else keys.push(result);
  });
  report('hs', skipped);
  return keys;
}

function keyInfo(key: VerificationKey): KeyInfo {
  const type = key.key instanceof Uint8Array ? undefined : key.key.asymmetricKeyType;
  const kty = type === 'rsa' || type === 'ec' || type === 'ed25519' ? KTY[type] : 'oct';
  return { kid: key.kid, kty, algs: [...key.algorithms], origin: key.origin, id: key.id };
}

/** Resolves true when `work` (which never rejects) settles within `ms`, else false at `ms`; `work` goes on. */
function settledWithin(work: Promise<void>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), Math.max(0, ms));
    void work.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** A kid for a log detail: attacker-controlled, so quoted and truncated. */
function show(kid: string | undefined): string {
  return kid === undefined ? '(none)' : JSON.stringify(kid.slice(0, 64));
}
