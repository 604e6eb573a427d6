// The Redis backend: writes go to Redis first (one script each) and reach this mirror on ack; the sync keeps it current.
import type { Logger } from 'pino';
import { KeywayError } from '../../errors.js';
import type { Clock } from '../../lib/clock.js';
import { AdminInputError } from '../admin-input-error.js';
import { createFreshness } from '../freshness.js';
import { issuerSubjectKey, revocationKeys } from '../keys.js';
import type { RevocationMetrics } from '../metrics.js';
import type { Mirror } from '../mirror.js';
import type { Retention, RevocationBackend } from '../types.js';
import type { RedisConnector } from './redis-connect.js';
import { listRedisRevocations } from './redis-list.js';
import { createRedisStore } from './redis-store.js';
import { createRedisSync } from './redis-sync.js';

/** What the Redis backend needs from the guard. */
export interface RedisBackendOptions {
  readonly connect: RedisConnector;
  readonly keyPrefix: string;
  readonly feedMaxLen: number;
  readonly heartbeatMs: number;
  readonly blockMs: number;
  readonly startTimeoutMs: number;
  readonly mirror: Mirror;
  readonly retention: Retention;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: RevocationMetrics;
}

/** Wrap a Redis failure as revocation_unavailable (a write that failed was not applied: each is one atomic script);
 * bad input (an invalid cursor) passes through. */
async function orUnavailable<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (err) {
    if (err instanceof AdminInputError) throw err;
    throw new KeywayError(
      'revocation_unavailable',
      `revocation store unavailable: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}

/** Create the Redis backend; nothing connects until start(). */
export function createRedisBackend(o: RedisBackendOptions): RevocationBackend {
  const commands = o.connect('commands');
  const feed = o.connect('feed');
  const freshness = createFreshness(o.clock);
  const storeOptions = {
    keys: revocationKeys(o.keyPrefix),
    retention: o.retention,
    feedMaxLen: o.feedMaxLen,
    clock: o.clock,
  };
  const store = createRedisStore(commands, storeOptions);
  const sync = createRedisSync({ ...o, store, commands, feed, freshness });
  const { mirror } = o;

  return {
    mode: 'redis',
    start: () => sync.start(),
    close: () => sync.close(),
    connected: () => sync.connected(),
    loaded: () => freshness.isLoaded(),
    stalenessMs: () => freshness.stalenessMs(),
    lastError: () => sync.lastError(),
    history: () => sync.history(),
    adoptHistory: (history) => sync.adoptHistory(history),
    async revokeJti(input) {
      const seq = await orUnavailable(store.revokeJti(input));
      sync.applyLocal(seq, () => mirror.setJti(input.jti, input.exp));
    },
    async revokeSubject(input) {
      const seq = await orUnavailable(store.revokeSubject(input));
      const { sub, iss, before } = input;
      if (iss === undefined) sync.applyLocal(seq, () => mirror.setSubject(sub, before));
      else sync.applyLocal(seq, () => mirror.setIssuerSubject(issuerSubjectKey(iss, sub), before));
    },
    async unrevokeJti(jti) {
      const { removed, seq } = await orUnavailable(store.unrevokeJti(jti));
      sync.applyLocal(seq, () => mirror.removeJti(jti));
      return removed;
    },
    list: (cursor, limit) => orUnavailable(listRedisRevocations(commands, storeOptions, cursor, limit)),
  };
}
