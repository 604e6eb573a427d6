// createRuntime: every part built from one Config (key stores, revocation, router, pipeline); swapped whole on reload.
import type { Config } from './config/types.js';
import type { Deps, ReadinessCheck } from './deps.js';
import { createFetchLimiter, type FetchLimiter } from './keys/fetch-limiter.js';
import { type AdminKeyStore, createKeyStores, keySourceOf } from './keys/issuer-key-store.js';
import { createDecide, type Decide } from './pipeline/decide.js';
import { compilePolicies } from './policy/compile-policies.js';
import { createReadinessChecks } from './readiness.js';
import { createRevocationGuard, type RevocationGuard } from './revocation/guard.js';
import { createRouter, type Router } from './route/router.js';
import { createTokenVerifier, type TokenVerifier } from './verify/verify-token.js';

export interface Runtime {
  readonly deps: Deps;
  readonly stores: ReadonlyMap<string, AdminKeyStore>;
  /** The cap on concurrent JWKS/discovery fetches, shared by every key store of the process. */
  readonly jwksLimiter: FetchLimiter;
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
  /** Stop background work, except the parts in `keep` (handed over to, or back to, another runtime). */
  close(keep?: ReadonlySet<unknown>): Promise<void>;
}

/** Parts handed in instead of built: the previous runtime's guard and key stores on reload; a faulty router in a test. */
export interface RuntimeParts {
  /** Kept across a reload: its mirror and Redis connections live as long as the process (not started again). */
  readonly revocation?: RevocationGuard;
  /**
   * The runtime being replaced: each of its key stores whose issuer's key source is unchanged, and its router when
   * the routing section is unchanged, are taken over running — a reload while the IdP or Redis is down must not throw
   * away keys it may still serve, the route table, health states or last-known upstreams.
   */
  readonly previous?: Runtime;
  readonly router?: Router;
}

/**
 * What a new runtime takes over from the one it replaces: the key stores whose issuer's key source is unchanged, the
 * router when the routing section is unchanged, and the process's JWKS fetch limiter. Computed here, apart from
 * createRuntime, so that none of createRuntime's closures can reach the previous runtime: V8 gives the closures of
 * one function a shared context, and a reference to `previous` held there would keep every predecessor alive.
 */
interface Inheritance {
  readonly stores: ReadonlyMap<string, AdminKeyStore>;
  readonly router: Router | undefined;
  readonly jwksLimiter: FetchLimiter | undefined;
}

function inherit(previous: Runtime | undefined, config: Config): Inheritance {
  if (previous === undefined) return { stores: new Map(), router: undefined, jwksLimiter: undefined };
  const before = new Map(previous.deps.config.issuers.map((i) => [i.name, keySourceOf(i)]));
  const stores = new Map<string, AdminKeyStore>();
  for (const issuer of config.issuers) {
    const store = previous.stores.get(issuer.name);
    if (store !== undefined && before.get(issuer.name) === keySourceOf(issuer))
      stores.set(issuer.name, store);
  }
  const sameRouting = JSON.stringify(previous.deps.config.routing) === JSON.stringify(config.routing);
  return { stores, router: sameRouting ? previous.router : undefined, jwksLimiter: previous.jwksLimiter };
}

/** Build a runtime from deps.config, using `parts` where given. */
export function createRuntime(deps: Deps, parts: RuntimeParts = {}): Runtime {
  const config: Config = deps.config;
  const inherited = inherit(parts.previous, config);
  const adopted = new Set<AdminKeyStore>(inherited.stores.values());
  // One fetch limiter for the life of the process: stores taken over keep using it, new ones join it, so the cap on
  // concurrent JWKS fetches holds across reloads (a changed cap needs a restart).
  const jwksLimiter = inherited.jwksLimiter ?? createFetchLimiter(config.limits.max_concurrent_jwks_fetches);
  const stores = createKeyStores(config, deps, (issuer) => inherited.stores.get(issuer.name), jwksLimiter);
  const reuse = parts.revocation !== undefined;
  const revocation = parts.revocation ?? createRevocationGuard(config.revocation, deps);
  const keepRouter = parts.router === undefined && inherited.router !== undefined;
  const router = parts.router ?? inherited.router ?? createRouter(config, deps);
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
    jwksLimiter,
    stores,
    revocation,
    router,
    verify,
    decide,
    readiness: createReadinessChecks(config, stores, revocation, router),
    async start(awaitKeys) {
      if (!keepRouter) await router.start();
      const keys = Promise.allSettled(
        [...stores.values()].filter((s) => !adopted.has(s)).map((s) => s.start()),
      );
      const revocationLoaded = reuse ? undefined : revocation.start();
      if (awaitKeys) await Promise.allSettled([keys, revocationLoaded]);
    },
    async close(keep = new Set()) {
      for (const store of stores.values()) if (!keep.has(store)) store.close();
      await Promise.allSettled([
        keep.has(revocation) ? undefined : revocation.close(),
        keep.has(router) ? undefined : router.close(),
      ]);
    },
  };
}

/** The parts of a runtime that another one may take over (its guard, router and key stores). */
export function runtimeParts(runtime: Runtime): ReadonlySet<unknown> {
  return new Set<unknown>([runtime.revocation, runtime.router, ...runtime.stores.values()]);
}
