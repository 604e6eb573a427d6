// createProcess: what lives as long as the process — the revocation guard and its Redis, the JWKS fetch limiter, and
// the pools of key stores and routers the config generations take their parts from.
import type { Config } from './config/types.js';
import type { Deps } from './deps.js';
import { createFetchLimiter, type FetchLimiter } from './keys/fetch-limiter.js';
import { createKeyStorePool, type KeyStorePool } from './keys/key-store-pool.js';
import { createRevocationGuard, type RevocationGuard } from './revocation/guard.js';
import type { RedisConnector } from './revocation/redis/redis-connect.js';
import { createRouterPool, type RouterFactory, type RouterPool } from './route/router-pool.js';

/** The pool keys of the parts one generation uses (what a sweep keeps). */
export interface PoolKeys {
  readonly stores: ReadonlySet<string>;
  readonly router: string;
}

/** The process part of keyway: built once from the start config, shared by every generation. */
export interface KeywayProcess {
  readonly deps: Deps;
  /**
   * The config the process started with. Its restart-only settings (server, admin, log, revocation,
   * limits.max_concurrent_jwks_fetches) hold for the life of the process, whatever a reload reads.
   */
  readonly started: Config;
  /** Its mirror and Redis connections live as long as the process. */
  readonly revocation: RevocationGuard;
  /** The cap on concurrent JWKS/discovery fetches, shared by every key store the process builds. */
  readonly jwksLimiter: FetchLimiter;
  readonly keyStores: KeyStorePool;
  readonly routers: RouterPool;
  /** Start the revocation guard (snapshot, connect, first load); resolves after its first load attempt. */
  start(): Promise<void>;
  /** Release every pooled part the serving generation (its `poolKeys`) does not use, with its metric series. */
  sweep(serving: PoolKeys): Promise<void>;
  /** Stop every pooled part and the guard (shutdown). */
  close(): Promise<void>;
}

/** Options of createProcess (tests). */
export interface ProcessOptions {
  /** Build routers another way (fault injection). */
  readonly createRouter?: RouterFactory;
  /** Open the guard's Redis connections another way. */
  readonly connect?: RedisConnector;
}

/** Build the process part for the start `config`; registers its metrics once. Throws ConfigError. */
export function createProcess(config: Config, deps: Deps, options: ProcessOptions = {}): KeywayProcess {
  const jwksLimiter = createFetchLimiter(config.limits.max_concurrent_jwks_fetches);
  const keyStores = createKeyStorePool(deps, jwksLimiter);
  const routers = createRouterPool(deps, config.source, options.createRouter);
  const revocation = createRevocationGuard(config.revocation, deps, {
    source: config.source,
    ...(options.connect ? { connect: options.connect } : {}),
  });
  const sweep = async (keep: {
    readonly stores: ReadonlySet<string>;
    readonly router: string | undefined;
  }) => {
    await Promise.allSettled([
      keyStores.sweep(keep.stores),
      routers.sweep(new Set(keep.router === undefined ? [] : [keep.router])),
    ]);
  };
  return {
    deps,
    started: config,
    revocation,
    jwksLimiter,
    keyStores,
    routers,
    start: () => revocation.start(),
    sweep,
    async close() {
      await Promise.allSettled([sweep({ stores: new Set(), router: undefined }), revocation.close()]);
    },
  };
}
