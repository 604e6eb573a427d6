// A heartbeat answered while a full resync runs: compared with the history from before that resync it calls the
// generation the resync is adopting a change, and its invalidation voided the load (start() then returned with the
// mirror never_loaded). Real Redis; the only fault injected is holding each snapshot reply until a heartbeat answered.
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRevocationGuard, type RevocationGuard } from '../../src/revocation/guard.js';
import { createRedisConnector, type RedisConnector } from '../../src/revocation/redis/redis-connect.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait-for.js';
import { nowSec, outcome, revocationConfig, type TestGuard, testDeps } from './revocation-helpers.js';

/** Counts of held snapshots and answered heartbeats; `holding` turns the hold on; `waiting` are the held replies. */
interface Interleave {
  holding: boolean;
  held: number;
  heartbeats: number;
  readonly waiting: (() => void)[];
}

const interleave = (holding: boolean): Interleave => ({ holding, held: 0, heartbeats: 0, waiting: [] });

/** Real connections; while `holding`, a SNAPSHOT reply is handed back only after the next HEARTBEAT reply was processed. */
function heartbeatFirstConnector(real: RedisConnector, state: Interleave): RedisConnector {
  const { waiting } = state;
  return (purpose) => {
    const client = real(purpose);
    if (purpose !== 'commands') return client;
    for (const method of ['evalsha', 'eval'] as const) {
      const original = client[method].bind(client) as (...args: unknown[]) => Promise<unknown>;
      (client as unknown as Record<string, unknown>)[method] = async (...args: unknown[]) => {
        const reply = await original(...args);
        // KEYS 8 is the generation key for both; SNAPSHOT has 7 arguments (17 in all), HEARTBEAT 5 (15).
        const onGen = String(args[9]).endsWith(':gen');
        if (onGen && args.length === 15) {
          state.heartbeats += 1;
          for (const wake of waiting.splice(0)) setImmediate(wake); // after the heartbeat's caller has run
        }
        if (onGen && args.length === 17 && state.holding) {
          state.held += 1;
          await new Promise<void>((resolve) => waiting.push(resolve));
        }
        return reply;
      };
    }
    return client;
  };
}

/** Completed resyncs of one cause, from the guard's metrics. */
async function resyncs(g: TestGuard, cause: string): Promise<number> {
  const metric = g.deps.metrics.registry.getSingleMetric('keyway_revocation_resyncs_total');
  const values = (await metric?.get())?.values ?? [];
  return values.filter((v) => v.labels['cause'] === cause).reduce((sum, v) => sum + v.value, 0);
}

describe('revocation: a heartbeat answered during a full resync (real Redis)', () => {
  let redis: RedisServer;
  let guard: RevocationGuard | undefined;
  let state = interleave(false);
  beforeEach(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    // No heartbeat answers after close: hand back whatever is still held, so close() is not left waiting on it.
    state.holding = false;
    for (const wake of state.waiting.splice(0)) wake();
    await guard?.close();
    guard = undefined;
    await redis.close();
  });

  const create = (): TestGuard => {
    const config = revocationConfig({ redis_url: redis.url, heartbeat: '100ms', start_timeout: '10s' });
    const { deps, logs } = testDeps(config);
    guard = createRevocationGuard(config.revocation, deps, {
      connect: heartbeatFirstConnector(createRedisConnector(deps.redis!, 100), state),
    });
    return { guard, deps, logs };
  };

  it('the first instance on a new Redis: a heartbeat during every read of the empty-store grace, start() returns loaded', async () => {
    state = interleave(true);
    const g = create();
    await g.guard.start();
    // The grace reads Redis more than once, and a heartbeat answered before each read's reply came back.
    expect(state.held).toBeGreaterThanOrEqual(2);
    expect(g.guard.status()).toMatchObject({ state: 'loaded', source: 'store' });
    expect(g.guard.readiness.check().ok).toBe(true);
    expect(outcome(g.guard, { jti: 'anything' })).toBe('ok');
    expect(await resyncs(g, 'start')).toBe(1);
    expect(await resyncs(g, 'generation')).toBe(0);
  });

  it('Redis flushed under a loaded instance: one generation resync re-seeds and confirms it; heartbeats meanwhile add none', async () => {
    state = interleave(false);
    const g = create();
    await g.guard.start();
    await waitFor('the first load', () => g.guard.readiness.check().ok);
    await g.guard.revokeJti({ jti: 'kept', exp: nowSec() + 600 });

    state.holding = true;
    const admin = new Redis(redis.url);
    await admin.flushall();
    admin.disconnect();
    await waitFor('the generation resync', async () => (await resyncs(g, 'generation')) >= 1);
    const done = state.heartbeats;
    // The snapshot before the re-seed and the one after it were both answered after a heartbeat.
    expect(state.held).toBe(2);
    expect(g.logs.lines.join('\n')).toContain('Redis lost data; re-seeding it from this mirror');
    expect(outcome(g.guard, { jti: 'kept' })).toBe('revoked');
    // Three more heartbeats answered: none of them (nor those during the resync) asked for another one.
    await waitFor('three more heartbeats', () => state.heartbeats >= done + 3);
    expect(g.guard.readiness.check().ok).toBe(true);
    expect(await resyncs(g, 'generation')).toBe(1);
  });
});
