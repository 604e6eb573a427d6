// A full resync racing this instance's own write: the snapshot is read before the write, the write is acknowledged
// and applied, then the snapshot replaces the mirror. The write must stay in force throughout (real Redis; the only
// fault injected is a delay on the snapshot's reply).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRevocationGuard, type RevocationGuard } from '../../src/revocation/guard.js';
import { createRedisConnector, type RedisConnector } from '../../src/revocation/redis/redis-connect.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait-for.js';
import { nowSec, outcome, revocationConfig, testDeps } from './revocation-helpers.js';

let redis: RedisServer;
let admin: Redis;
let guard: RevocationGuard | undefined;
beforeAll(async () => {
  redis = await startRedis();
  admin = new Redis(redis.url);
});
afterAll(async () => {
  await guard?.close();
  admin?.disconnect();
  await redis?.close();
});

/** Real connections; while `hold` is set, a snapshot's reply is handed back only once `hold` resolves. */
function delayingConnector(
  real: RedisConnector,
  state: { hold?: Promise<void>; held: number },
): RedisConnector {
  return (purpose) => {
    const client = real(purpose);
    if (purpose !== 'commands') return client;
    for (const method of ['evalsha', 'eval'] as const) {
      const original = client[method].bind(client) as (...args: unknown[]) => Promise<unknown>;
      (client as unknown as Record<string, unknown>)[method] = async (...args: unknown[]) => {
        const reply = await original(...args);
        // SNAPSHOT: 8 keys, the 8th the generation key, 7 arguments (HEARTBEAT has 5).
        const isSnapshot = args.length === 17 && String(args[9]).endsWith(':gen');
        if (isSnapshot && state.hold) {
          state.held += 1;
          await state.hold;
        }
        return reply;
      };
    }
    return client;
  };
}

describe('revocation: a resync racing a local write', () => {
  it('the acknowledged write is never lost from the writer’s mirror, before or after the stale snapshot lands', async () => {
    const config = revocationConfig({ redis_url: redis.url });
    const { deps } = testDeps(config);
    const state: { hold?: Promise<void>; held: number } = { held: 0 };
    guard = createRevocationGuard(config.revocation, deps, {
      connect: delayingConnector(createRedisConnector(deps.redis!, 100), state),
    });
    await guard.start();
    expect(guard.readiness.check().ok).toBe(true);

    let release: () => void = () => {};
    state.hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    // Force a full resync: drop the guard's connections; it reconnects and loads again.
    await admin.client('KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    await waitFor('the resync snapshot to be read and held', () => state.held > 0, 10_000);

    await guard.revokeJti({ jti: 'raced', exp: nowSec() + 600 });
    expect(outcome(guard, { jti: 'raced' }, 'open')).toBe('revoked');

    // Let the stale snapshot replace the mirror, and watch every turn of the event loop until the resync is done.
    const seen = new Set<string>();
    state.hold = undefined;
    release();
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      seen.add(outcome(guard, { jti: 'raced' }, 'open'));
      if (guard.readiness.check().ok && seen.size > 0) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    for (let i = 0; i < 200; i++) {
      seen.add(outcome(guard, { jti: 'raced' }, 'open'));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(guard.readiness.check().ok).toBe(true);
    expect([...seen]).toEqual(['revoked']);
  });
});
