// createKeyStorePool: the process's key stores, keyed by issuer name and key source, shared by every generation.
import type { Issuer } from '../config/types.js';
import type { Deps } from '../deps.js';
import { removeSeriesWith } from '../infra/metric-series.js';
import { createPartPool } from '../lib/part-pool.js';
import { sectionKey } from '../lib/section-key.js';
import type { FetchLimiter } from './fetch-limiter.js';
import { type AdminKeyStore, createIssuerKeyStore } from './issuer-key-store.js';

/** Key stores held across reloads: a reload while the IdP is down keeps the keys of every unchanged key source. */
export interface KeyStorePool {
  /** The running store for `issuer`'s key source, else a new one (not started: its generation starts it). */
  take(issuer: Issuer): { readonly key: string; readonly store: AdminKeyStore; readonly fresh: boolean };
  /**
   * Close every store whose key is not in `keep`, and remove the per-issuer key series (keyway_keys_loaded,
   * keyway_jwks_age_seconds, keyway_jwks_fetches_total, keyway_keys_skipped_total) of each issuer name no kept store
   * serves.
   */
  sweep(keep: ReadonlySet<string>): Promise<void>;
  /** The stores held now (running or just built). */
  stores(): AdminKeyStore[];
}

/**
 * The pool key of an issuer's store: its name and a digest of everything the store is built from — the issuer less
 * the settings only the verifier, the claim checks and readiness read (audiences, leeway, max_token_age,
 * require_exp, required_claims, typ, required), so changing those keeps the store and its cached keys. The digest
 * covers HS secrets (sectionKey): compare keys, never log them.
 */
export function keyStoreKey(issuer: Issuer): string {
  const {
    audiences: _audiences,
    leeway: _leeway,
    max_token_age: _maxAge,
    require_exp: _requireExp,
    required_claims: _required,
    typ: _typ,
    required: _gates,
    ...source
  } = issuer;
  return `${issuer.name}\n${sectionKey(source)}`;
}

/** Build the pool; every store it builds shares `limiter` (limits.max_concurrent_jwks_fetches, for the process). */
export function createKeyStorePool(deps: Deps, limiter: FetchLimiter): KeyStorePool {
  const names = new Map<AdminKeyStore, string>();
  const pool = createPartPool<AdminKeyStore>((store) => {
    try {
      store.close();
    } catch (err) {
      deps.log.warn({ err, issuer: names.get(store) }, 'closing a key store failed');
    }
  });
  return {
    take(issuer) {
      const key = keyStoreKey(issuer);
      const { part, fresh } = pool.take(key, () => createIssuerKeyStore(issuer, deps, limiter));
      names.set(part, issuer.name);
      return { key, store: part, fresh };
    },
    async sweep(keep) {
      const gone = await pool.sweep(keep);
      const served = new Set(pool.parts().map((store) => names.get(store)));
      for (const store of gone) {
        const issuer = names.get(store);
        names.delete(store);
        if (issuer === undefined || served.has(issuer)) continue;
        deps.metrics.keysLoaded.remove({ issuer });
        deps.metrics.keyAgeSeconds.remove({ issuer });
        await removeSeriesWith(deps.metrics.jwksFetches, { issuer });
        await removeSeriesWith(deps.metrics.keysSkipped, { issuer });
      }
    },
    stores: () => pool.parts(),
  };
}
