// createRuntime: every part built from one Config (key stores, revocation, router, pipeline); swapped whole on reload.
import type { Config } from './config/types.js';
import type { Deps, ReadinessCheck } from './deps.js';
import { createDecide, type Decide } from './pipeline/decide.js';
import { compilePolicies } from './policy/compile-policies.js';
import { createRevocationGuard, type RevocationGuard } from './revocation/guard.js';
import { createRouter, type Router } from './route/router.js';
import { type AdminKeyStore, createKeyStores, keySourceOf } from './verify/issuer-key-store.js';
import { createTokenVerifier, type TokenVerifier } from './verify/verify-token.js';

export interface Runtime {
  readonly deps: Deps;
  readonly stores: ReadonlyMap<string, AdminKeyStore>;
  readonly revocation: RevocationGuard;
  readonly router: Router;
  readonly verify: TokenVerifier;
  readonly decide: Decide;
  readonly readiness: readonly ReadinessCheck[];
  /**
   * Load the route table (throws ConfigError for an invalid table file) and start key and revocation loading.
   * `awaitKeys` waits for the first key fetches (a reload swaps in only after them) and for the first revocation load
   * of a guard this runtime owns (`keyway explain` decides at once); otherwise they run in the background.
   */
  start(awaitKeys: boolean): Promise<void>;
  /** Stop background work; a revocation guard and key stores handed over to another runtime are kept. */
  close(keepRevocation: boolean, keepStores?: ReadonlySet<AdminKeyStore>): Promise<void>;
}

function keyReadiness(store: AdminKeyStore): ReadinessCheck {
  return {
    name: `keys:${store.status().issuer}`,
    check: () => {
      const s = store.status();
      return { ok: s.ready, detail: s.ready ? `${s.keys} keys` : (s.lastError ?? 'no usable keys') };
    },
  };
}

/** Parts handed in instead of built: the previous runtime's guard and key stores on reload; a faulty router in a test. */
export interface RuntimeParts {
  /** Kept across a reload: its mirror and Redis connections live as long as the process (not started again). */
  readonly revocation?: RevocationGuard;
  /**
   * The runtime being replaced: each of its key stores whose issuer's key source is unchanged is taken over, running,
   * with its cached keys — a reload while the IdP is down must not throw away keys it may still serve.
   */
  readonly previous?: Runtime;
  readonly router?: Router;
}

/** Build a runtime from deps.config, using `parts` where given. */
export function createRuntime(deps: Deps, parts: RuntimeParts = {}): Runtime {
  const config: Config = deps.config;
  const previousIssuers = new Map(parts.previous?.deps.config.issuers.map((i) => [i.name, keySourceOf(i)]));
  const adopted = new Set<AdminKeyStore>();
  const stores = createKeyStores(config, deps, (issuer) => {
    const store = parts.previous?.stores.get(issuer.name);
    if (!store || previousIssuers.get(issuer.name) !== keySourceOf(issuer)) return undefined;
    adopted.add(store);
    return store;
  });
  const reuse = parts.revocation !== undefined;
  const revocation = parts.revocation ?? createRevocationGuard(config.revocation, deps);
  const router = parts.router ?? createRouter(config, deps);
  const verify = createTokenVerifier(config.issuers, stores, deps);
  const decide = createDecide({
    config,
    selectPolicy: compilePolicies(config, deps),
    verify,
    revocation,
    router,
  });
  return {
    deps,
    stores,
    revocation,
    router,
    verify,
    decide,
    readiness: [...[...stores.values()].map(keyReadiness), revocation.readiness, router.readiness],
    async start(awaitKeys) {
      await router.start();
      const keys = Promise.allSettled(
        [...stores.values()].filter((s) => !adopted.has(s)).map((s) => s.start()),
      );
      const revocationLoaded = reuse ? undefined : revocation.start();
      if (awaitKeys) await Promise.allSettled([keys, revocationLoaded]);
    },
    async close(keepRevocation, keepStores = new Set()) {
      for (const store of stores.values()) if (!keepStores.has(store)) store.close();
      await Promise.allSettled([keepRevocation ? undefined : revocation.close(), router.close()]);
    },
  };
}
