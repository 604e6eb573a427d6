// createGeneration: what one config builds (policies, verifier, decide, readiness) over parts taken from the process.
import type { Config } from './config/types.js';
import type { ReadinessCheck } from './deps.js';
import type { AdminKeyStore } from './keys/issuer-key-store.js';
import { createDecide, type Decide } from './pipeline/decide.js';
import { compilePolicies } from './policy/compile-policies.js';
import type { KeywayProcess, PoolKeys } from './process.js';
import { createReadinessChecks } from './readiness.js';
import type { Router } from './route/router.js';
import { createTokenVerifier, type TokenVerifier } from './verify/verify-token.js';

/** One config's view of keyway: swapped whole on reload; its long-lived parts belong to the process's pools. */
export interface Generation {
  readonly config: Config;
  /** The key store of each issuer, by issuer name (from the process's key-store pool). */
  readonly stores: ReadonlyMap<string, AdminKeyStore>;
  /** The router for the routing section (from the process's router pool). */
  readonly router: Router;
  readonly verify: TokenVerifier;
  readonly decide: Decide;
  readonly readiness: readonly ReadinessCheck[];
  /** The pool keys of the parts it uses: a sweep after it is swapped in keeps these and releases the rest. */
  readonly poolKeys: PoolKeys;
  /**
   * Start the parts built for it (parts taken running are left alone): load the route table (throws ConfigError for
   * an invalid table file), then start key loading; `awaitKeys` waits for the first key fetches (a reload swaps in
   * only after them), otherwise they run in the background.
   */
  start(awaitKeys: boolean): Promise<void>;
}

/**
 * Build the generation for `config` on `proc` (the process part): its key stores and router are taken from the pools
 * (running ones when their key source / routing section is unchanged). The revocation guard, its fail mode and
 * max_token_lifetime are the process's (a reload cannot change the revocation section). Throws ConfigError. Holds no
 * reference to any other generation, so a replaced one is garbage once nothing serves it.
 */
export function createGeneration(proc: KeywayProcess, config: Config): Generation {
  const revocation = proc.revocation;
  const { fail: revocationFail, max_token_lifetime: maxTokenLifetime } = proc.started.revocation;
  const stores = new Map<string, AdminKeyStore>();
  const storeKeys = new Set<string>();
  const fresh: AdminKeyStore[] = [];
  for (const issuer of config.issuers) {
    const taken = proc.keyStores.take(issuer);
    stores.set(issuer.name, taken.store);
    storeKeys.add(taken.key);
    if (taken.fresh) fresh.push(taken.store);
  }
  const routing = proc.routers.take(config.routing);
  const router = routing.router;
  const verify = createTokenVerifier(
    config.issuers,
    stores,
    { limits: config.limits, maxTokenLifetime },
    proc.deps,
  );
  const decide = createDecide({
    config,
    revocationFail,
    selectPolicy: compilePolicies(config, proc.deps),
    verify,
    revocation,
    router,
  });
  return {
    config,
    stores,
    router,
    verify,
    decide,
    readiness: createReadinessChecks({ issuers: config.issuers, revocationFail }, stores, revocation, router),
    poolKeys: { stores: storeKeys, router: routing.key },
    async start(awaitKeys) {
      if (routing.fresh) await router.start();
      const keys = Promise.allSettled(fresh.splice(0).map((store) => store.start()));
      if (awaitKeys) await keys;
    },
  };
}
