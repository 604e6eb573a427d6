// createRevocationGuard: the revocation stage — a memory lookup per request, the fail mode when stale, the admin writes.
import type { RevocationSettings } from '../config/types.js';
import type { Deps, ReadinessCheck } from '../deps.js';
import { KeywayError } from '../errors.js';
import { createMemoryBackend } from './memory-backend.js';
import { createRevocationMetrics } from './metrics.js';
import { createMirror } from './mirror.js';
import { mirrorState, type RevocationStatus, readinessOf } from './mirror-state.js';
import { createRedisBackend } from './redis/redis-backend.js';
import { createRedisConnector, type RedisConnector } from './redis/redis-connect.js';
import { assertSnapshotDir, createSnapshotKeeper } from './snapshot-file.js';
import type { JtiRevocation, RevocationBackend, RevocationEntry, SubjectRevocation } from './types.js';

/** One listed revocation (re-exported for the admin API and the CLI). */
export type { RevocationEntry, RevocationStatus };

/** The revocation stage as the pipeline, the probes and the admin API see it. */
export interface RevocationGuard {
  /** Memory-only check, called AFTER signature verification. Throws KeywayError('revoked') when the jti is revoked or the
   *  subject (of every issuer, or of the token's iss) was revoked at/after the token's iat. Otherwise by status().state:
   *  'loaded' → 'ok'; 'never_loaded' → throws KeywayError('revocation_unavailable') in BOTH fail modes (an empty mirror
   *  knows nothing, it is not merely stale); 'stale' → failMode 'closed' throws KeywayError('revocation_unavailable'),
   *  'open' returns 'stale_allowed' (caller logs/counts). */
  check(
    claims: { readonly jti?: string; readonly sub?: string; readonly iat?: number; readonly iss?: string },
    failMode: 'closed' | 'open',
  ): 'ok' | 'stale_allowed';
  /** The mirror's state (never_loaded / loaded / stale), where its entries came from, staleness and connection: what
   *  readiness and status build on. Cheap; no I/O. */
  status(): RevocationStatus;
  /** Ok only while status().state is 'loaded'. */
  readonly readiness: ReadinessCheck;
  /** Restore the snapshot file (when configured), connect, full load, follow the feed; resolves after the first load
   *  attempt (at most revocation.start_timeout). */
  start(): Promise<void>;
  /** Stop, writing the snapshot file a last time. */
  close(): Promise<void>;
  /** Revoke one token; resolves once the store acknowledged it, throws KeywayError('revocation_unavailable') otherwise. */
  revokeJti(input: JtiRevocation): Promise<void>;
  /** Revoke every token of a subject (of every issuer, or of `iss` only) issued at or before `before`; same
   *  acknowledgement and error as revokeJti. */
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
  /** Where the config came from, named by a ConfigError (default "config"). */
  readonly source?: string;
}

/** Build the guard for the resolved `revocation` section (entries kept for its `retention`): Redis when deps.redis is
 *  configured, else the in-memory store. Throws ConfigError when snapshot_file cannot be written. */
export function createRevocationGuard(
  config: RevocationSettings,
  deps: Deps,
  options: RevocationGuardOptions = {},
): RevocationGuard {
  const { clock, log } = deps;
  if (config.snapshot_file !== undefined) assertSnapshotDir(config.snapshot_file, options.source ?? 'config');
  const retention = config.retention;
  const mirror = createMirror(retention);
  let store: RevocationBackend | undefined;
  let restored: { confirmedAt: number | undefined } | undefined;
  let started = false;
  const state = () =>
    store
      ? mirrorState({ store, maxStalenessMs: config.max_staleness, restored, now: clock() })
      : { state: 'never_loaded' as const, source: 'none' as const, stalenessMs: Number.POSITIVE_INFINITY };
  const metrics = createRevocationMetrics(deps.metrics.registry, () => ({
    size: mirror.size(),
    stalenessSeconds: state().stalenessMs / 1000,
    redisConnected: store?.mode === 'redis' && store.connected(),
  }));
  const blockMs = Math.max(50, Math.min(config.heartbeat, 1_000));
  const connect = options.connect ?? (deps.redis && createRedisConnector(deps.redis, blockMs));
  if (connect !== undefined) {
    store = createRedisBackend({
      connect,
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
    store = createMemoryBackend(mirror, retention, clock, log, config.snapshot_file !== undefined);
  }
  const backend = store;
  const snapshot =
    config.snapshot_file === undefined
      ? undefined
      : createSnapshotKeeper({
          path: config.snapshot_file,
          intervalMs: config.snapshot_interval,
          owner: { keyPrefix: config.key_prefix, store: backend.mode },
          mirror,
          retention,
          describe() {
            const now = state();
            // Before start() restored the file, even a memory store's mirror is not the whole story: never write then.
            if (!started || now.state === 'never_loaded') return undefined;
            const confirmedAt =
              now.source === 'snapshot'
                ? restored?.confirmedAt
                : Number.isFinite(now.stalenessMs)
                  ? clock() - now.stalenessMs
                  : undefined;
            return { confirmedAt, history: backend.history() };
          },
          clock,
          log,
        });
  const status = (): RevocationStatus => {
    const now = state();
    return {
      ...now,
      mode: backend.mode,
      failMode: config.fail,
      entries: mirror.size(),
      connected: backend.connected(),
      lastError: backend.lastError(),
    };
  };
  // After the first load the mirror follows the store; from then on the snapshot's own confirmation is not used.
  const restoredAndUnconfirmed = () => restored !== undefined && !backend.loaded();

  return {
    check(claims, failMode) {
      if (mirror.isRevoked(claims, Math.floor(clock() / 1000))) throw new KeywayError('revoked');
      const now = state();
      if (now.state === 'loaded') return 'ok';
      if (now.state === 'never_loaded')
        throw new KeywayError('revocation_unavailable', 'revocation mirror never loaded (no snapshot file)');
      if (failMode === 'closed')
        throw new KeywayError(
          'revocation_unavailable',
          restoredAndUnconfirmed()
            ? 'revocation mirror restored from the snapshot file, not confirmed by the store yet'
            : `revocation mirror stale for ${Math.round(now.stalenessMs)} ms`,
        );
      metrics.staleAllowed.inc();
      return 'stale_allowed';
    },
    status,
    readiness: { name: 'revocation', check: () => readinessOf(status()) },
    async start() {
      const found = await snapshot?.restore();
      if (found) {
        mirror.replace(found.entries);
        restored = { confirmedAt: found.confirmedAt };
        if (found.history) backend.adoptHistory(found.history);
      }
      started = true;
      await backend.start();
      snapshot?.start();
      void snapshot?.flush();
    },
    async close() {
      await snapshot?.close();
      await backend.close();
    },
    async revokeJti(input) {
      await backend.revokeJti(input);
      log.info(
        { jti: input.jti, exp: input.exp, reason: input.reason, actor: input.actor },
        'revocation: jti revoked',
      );
    },
    async revokeSubject(input) {
      await backend.revokeSubject(input);
      log.info(
        { sub: input.sub, iss: input.iss, before: input.before, reason: input.reason, actor: input.actor },
        input.iss === undefined ? 'revocation: subject revoked' : "revocation: one issuer's subject revoked",
      );
    },
    async unrevokeJti(jti) {
      const removed = await backend.unrevokeJti(jti);
      log.info({ jti, removed }, 'revocation: jti un-revoked');
      return removed;
    },
    list: (cursor, limit) => backend.list(cursor, limit),
    stats: () => {
      const { stalenessMs } = state();
      return {
        size: mirror.size(),
        stalenessSeconds: Number.isFinite(stalenessMs) ? stalenessMs / 1000 : -1,
        connected: backend.connected(),
        mode: backend.mode,
      };
    },
  };
}
