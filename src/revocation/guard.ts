// createRevocationGuard: the revocation stage — a memory lookup per request, the fail mode when stale, the admin writes.
import type { Config } from '../config/types.js';
import type { Deps, ReadinessCheck } from '../deps.js';
import { KeywayError } from '../errors.js';
import { createMemoryBackend } from './memory-backend.js';
import { createRevocationMetrics } from './metrics.js';
import { createMirror } from './mirror.js';
import { createRedisBackend } from './redis-backend.js';
import { createRedisConnector, hasRedis, type RedisConnector } from './redis-connect.js';
import type {
  JtiRevocation,
  Retention,
  RevocationBackend,
  RevocationEntry,
  SubjectRevocation,
} from './types.js';

/** One listed revocation (re-exported for the admin API and the CLI). */
export type { RevocationEntry };

/** The revocation stage as the pipeline, the probes and the admin API see it. */
export interface RevocationGuard {
  /** Memory-only check, called AFTER signature verification. Throws KeywayError('revoked') when the jti is revoked or the
   *  subject was revoked at/after the token's iat; when the mirror is not confirmed fresh within max_staleness:
   *  failMode 'closed' → throws KeywayError('revocation_unavailable'); 'open' → returns 'stale_allowed' (caller logs/counts). */
  check(
    claims: { readonly jti?: string; readonly sub?: string; readonly iat?: number; readonly iss?: string },
    failMode: 'closed' | 'open',
  ): 'ok' | 'stale_allowed';
  /** Not ok until the first full load, and while the mirror is stale. */
  readonly readiness: ReadinessCheck;
  /** Connect, full load, follow the feed; resolves after the first load attempt (at most revocation.start_timeout). */
  start(): Promise<void>;
  close(): Promise<void>;
  /** Revoke one token; resolves once the store acknowledged it, throws KeywayError('revocation_unavailable') otherwise. */
  revokeJti(input: JtiRevocation): Promise<void>;
  /** Revoke every token of a subject issued at or before `before`; same acknowledgement and error as revokeJti. */
  revokeSubject(input: SubjectRevocation): Promise<void>;
  /** Remove a jti revocation; resolves true when one existed; throws KeywayError('revocation_unavailable'). */
  unrevokeJti(jti: string): Promise<boolean>;
  /** One page of revocations from the store; throws KeywayError('revocation_unavailable') or AdminInputError('invalid_cursor'). */
  list(
    cursor: string | undefined,
    limit: number,
  ): Promise<{ items: RevocationEntry[]; next: string | undefined }>;
  stats(): { size: number; stalenessSeconds: number; connected: boolean; mode: 'memory' | 'redis' };
}

/** Optional overrides of createRevocationGuard. */
export interface RevocationGuardOptions {
  /** Open Redis connections another way (tests, or a shared connection factory); implies the Redis backend. */
  readonly connect?: RedisConnector;
}

const toSeconds = (ms: number) => Math.ceil(ms / 1000);

/** Build the guard for the `revocation` config section: Redis when one is configured, else the in-memory store. */
export function createRevocationGuard(
  config: Config['revocation'],
  deps: Deps,
  options: RevocationGuardOptions = {},
): RevocationGuard {
  const { clock, log } = deps;
  // Keep entries at least as long past exp as any issuer still accepts the token (its verify leeway).
  const leewayMs = Math.max(config.leeway, ...deps.config.issuers.map((issuer) => issuer.leeway));
  const retention: Retention = {
    leeway: toSeconds(leewayMs),
    lifetime: toSeconds(config.max_token_lifetime),
  };
  const mirror = createMirror(retention);
  let backend: RevocationBackend | undefined;
  const staleness = () => (backend ? backend.stalenessMs() : Number.POSITIVE_INFINITY);
  const metrics = createRevocationMetrics(deps.metrics.registry, () => ({
    size: mirror.size(),
    stalenessSeconds: staleness() / 1000,
    redisConnected: backend?.mode === 'redis' && backend.connected(),
  }));
  if (options.connect !== undefined || hasRedis(config)) {
    const blockMs = Math.max(50, Math.min(config.heartbeat, 1_000));
    backend = createRedisBackend({
      connect: options.connect ?? createRedisConnector(config, blockMs),
      keyPrefix: config.key_prefix,
      feedMaxLen: config.feed_max_len,
      heartbeatMs: config.heartbeat,
      blockMs,
      startTimeoutMs: config.start_timeout,
      mirror,
      retention,
      clock,
      log,
      metrics,
    });
  } else {
    backend = createMemoryBackend(mirror, retention, clock, log);
  }
  const store = backend;
  const fresh = () => store.loaded() && staleness() <= config.max_staleness;

  return {
    check(claims, failMode) {
      if (mirror.isRevoked(claims, Math.floor(clock() / 1000))) throw new KeywayError('revoked');
      if (fresh()) return 'ok';
      if (failMode === 'closed') {
        const why = store.loaded()
          ? `mirror stale for ${Math.round(staleness())} ms`
          : 'mirror not loaded yet';
        throw new KeywayError('revocation_unavailable', why);
      }
      metrics.staleAllowed.inc();
      return 'stale_allowed';
    },
    readiness: {
      name: 'revocation',
      check() {
        const mode = store.mode === 'memory' ? 'in-memory store (single instance)' : 'redis';
        if (!store.loaded())
          return { ok: false, detail: `${mode}: not loaded yet (${store.lastError() ?? 'connecting'})` };
        const seconds = (staleness() / 1000).toFixed(1);
        if (!fresh())
          return {
            ok: false,
            detail: `${mode}: stale ${seconds}s (${store.lastError() ?? 'no confirmation'})`,
          };
        return { ok: true, detail: `${mode}: ${mirror.size()} entries, confirmed ${seconds}s ago` };
      },
    },
    start: () => store.start(),
    close: () => store.close(),
    async revokeJti(input) {
      await store.revokeJti(input);
      log.info(
        { jti: input.jti, exp: input.exp, reason: input.reason, actor: input.actor },
        'revocation: jti revoked',
      );
    },
    async revokeSubject(input) {
      await store.revokeSubject(input);
      log.info(
        { sub: input.sub, before: input.before, reason: input.reason, actor: input.actor },
        'revocation: subject revoked',
      );
    },
    async unrevokeJti(jti) {
      const removed = await store.unrevokeJti(jti);
      log.info({ jti, removed }, 'revocation: jti un-revoked');
      return removed;
    },
    list: (cursor, limit) => store.list(cursor, limit),
    stats: () => ({
      size: mirror.size(),
      stalenessSeconds: Number.isFinite(staleness()) ? staleness() / 1000 : -1,
      connected: store.connected(),
      mode: store.mode,
    }),
  };
}
