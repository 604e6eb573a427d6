// An instance (re)started while Redis is down: without a snapshot file it refuses every token (503, both fail modes) until
// its first full load — including the load right after Redis comes back; with revocation.snapshot_file it still knows
// the revocations. Real redis-server, killed and restarted.
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRevocationGuard } from '../../src/revocation/guard.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait-for.js';
import {
  nowSec,
  outcome,
  revocationConfig,
  startGuard,
  type TestGuard,
  testDeps,
} from './revocation-helpers.js';

const MODES = ['closed', 'open'] as const;
const ISS = 'https://idp.test';

describe('an instance started while Redis is down (real redis-server)', () => {
  let redis: RedisServer;
  let dir: string;
  const guards: TestGuard[] = [];
  const guard = async (revocation: Record<string, unknown> = {}) => {
    const g = await startGuard({
      redis_url: redis.url,
      start_timeout: '1s',
      heartbeat: '100ms',
      ...revocation,
    });
    guards.push(g);
    return g;
  };
  /** A guard started while Redis is up, once loaded: start() only awaits the first attempt, and the first instance on
   *  a new Redis spends the empty-store grace unloaded (a mirror that never loaded writes no snapshot file). */
  const loadedGuard = async (revocation: Record<string, unknown> = {}) => {
    const g = await guard(revocation);
    await waitFor('the first load', () => g.guard.status().state === 'loaded');
    return g;
  };
  /** Sample `claims` in both fail modes every few ms; returns a stop function that yields every outcome seen, keyed
   *  `state:mode:outcome` by the mirror's state at that sample (both read in one synchronous step). */
  const sample = (g: TestGuard, claims: Record<string, unknown>[]) => {
    const seen = new Map<string, number>();
    const timer = setInterval(() => {
      for (const c of claims)
        for (const mode of MODES) {
          const key = `${g.guard.status().state}:${mode}:${outcome(g.guard, c, mode)}`;
          seen.set(key, (seen.get(key) ?? 0) + 1);
        }
    }, 1);
    return () => {
      clearInterval(timer);
      return seen;
    };
  };

  beforeEach(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'keyway-rev-snap-'));
  });
  afterEach(async () => {
    await Promise.all(guards.splice(0).map((g) => g.guard.close()));
    await redis.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('no snapshot: 503 in both fail modes until the first full load, also while that load runs after Redis is back', async () => {
    const a = await guard();
    const exp = nowSec() + 600;
    // Issued before the subject revocations below (which cover tokens issued at or before `before`); taken now, not
    // after B's start, which waits out start_timeout and would make them tokens issued after the revocation.
    const iat = nowSec() - 5;
    // 30,000 entries written straight into the set make the full load take a while (several ZSCAN pages).
    const direct = new Redis(redis.url);
    const members: (string | number)[] = [];
    for (let i = 0; i < 30_000; i++) members.push(exp, `bulk-${i}`);
    await direct.zadd('{keyway:rev}:jtis', ...members);
    direct.disconnect();
    await a.guard.revokeJti({ jti: 'fed', exp });
    await a.guard.revokeSubject({ sub: 'mallory', before: nowSec() });
    await a.guard.revokeSubject({ sub: 'eve', iss: ISS, before: nowSec() });
    await redis.save();
    await redis.stop();

    const b = await guard();
    const revoked = [
      { jti: 'fed' },
      { jti: 'bulk-0' },
      { jti: 'bulk-29999' },
      { sub: 'mallory', iat },
      { sub: 'eve', iss: ISS, iat },
    ];
    for (const mode of MODES) {
      for (const claims of revoked) expect(outcome(b.guard, claims, mode)).toBe('revocation_unavailable');
      expect(outcome(b.guard, { jti: 'innocent' }, mode)).toBe('revocation_unavailable');
    }
    expect(b.guard.status()).toMatchObject({ state: 'never_loaded', source: 'none', entries: 0 });
    expect(b.guard.readiness.check().ok).toBe(false);

    const stopRevoked = sample(b, revoked);
    const stopInnocent = sample(b, [{ jti: 'innocent' }]);
    await redis.start({ keepData: true });
    await waitFor('B to load', () => b.guard.status().state === 'loaded', 15_000, 1);
    const revokedSeen = stopRevoked();
    const innocentSeen = stopInnocent();
    // Every sample of a revoked token, in either mode, was refused: 503 before the load completed, 401 after.
    const allowed = [...revokedSeen].filter(([k]) => !/:(revoked|revocation_unavailable)$/.test(k));
    expect(allowed).toEqual([]);
    expect(revokedSeen.get('never_loaded:open:revocation_unavailable') ?? 0).toBeGreaterThan(0);
    // Nothing was allowed on the unloaded mirror: not even an unknown token in open mode. (Once the load completed, a
    // load that took longer than max_staleness leaves the mirror stale until the next heartbeat: open mode then
    // allows an unknown token, as for any stale mirror.)
    expect(innocentSeen.get('never_loaded:open:revocation_unavailable') ?? 0).toBeGreaterThan(0);
    const unloadedAllowed = [...innocentSeen].filter(
      ([k]) => k.startsWith('never_loaded:') && !k.endsWith(':revocation_unavailable'),
    );
    expect(unloadedAllowed).toEqual([]);
    for (const claims of revoked) expect(outcome(b.guard, claims, 'open')).toBe('revoked');
    expect(outcome(b.guard, { jti: 'innocent' }, 'closed')).toBe('ok');
  });

  it('with a snapshot file: restarted during the outage it still denies what it knew, in both modes; Redis back empty is re-seeded from it', async () => {
    const file = join(dir, 'mirror.json');
    const a = await loadedGuard({ snapshot_file: file });
    const iat = nowSec() - 5;
    await a.guard.revokeJti({ jti: 'stolen', exp: nowSec() + 600 });
    await a.guard.revokeSubject({ sub: 'fired', before: nowSec() });
    await a.guard.revokeSubject({ sub: 'eve', iss: ISS, before: nowSec() });
    await a.guard.close(); // shutdown writes the file a last time
    guards.splice(guards.indexOf(a), 1);
    await redis.stop();

    const b = await guard({ snapshot_file: file });
    const revoked = [{ jti: 'stolen' }, { sub: 'fired', iat }, { sub: 'eve', iss: ISS, iat }];
    expect(b.guard.status()).toMatchObject({
      state: 'stale',
      source: 'snapshot',
      entries: 3,
      connected: false,
    });
    expect(b.guard.readiness.check().ok).toBe(false);
    for (const mode of MODES)
      for (const claims of revoked) expect(outcome(b.guard, claims, mode)).toBe('revoked');
    // What it does not know follows the fail mode, like any stale mirror.
    expect(outcome(b.guard, { jti: 'innocent' }, 'closed')).toBe('revocation_unavailable');
    expect(outcome(b.guard, { jti: 'innocent' }, 'open')).toBe('stale_allowed');
    expect(outcome(b.guard, { sub: 'eve', iss: 'https://other.test', iat }, 'open')).toBe('stale_allowed');
    expect(b.logs.lines.join('\n')).toContain('mirror restored from the snapshot file');

    const stop = sample(b, revoked);
    await redis.start(); // empty: nothing in Redis, the snapshot's history no longer matches
    await waitFor('B to load', () => b.guard.status().state === 'loaded', 15_000, 5);
    const seen = stop();
    expect([...seen.keys()].filter((k) => !k.endsWith(':revoked'))).toEqual([]);
    expect(b.guard.status()).toMatchObject({ source: 'store' });
    expect(b.logs.lines.join('\n')).toContain('Redis lost data; re-seeding it from this mirror');
    // A new instance without a file loads only from Redis: Redis holds the entries again.
    const c = await guard();
    await waitFor('C to load', () => c.guard.status().state === 'loaded');
    for (const claims of revoked) expect(outcome(c.guard, claims)).toBe('revoked');
  });

  it('the file is rewritten after changes while running (a killed instance loses at most snapshot_interval)', async () => {
    const file = join(dir, 'mirror.json');
    const a = await guard({ snapshot_file: file, snapshot_interval: '100ms' });
    await a.guard.revokeJti({ jti: 'recent', exp: nowSec() + 600 });
    await waitFor('the file to hold the revocation', () => {
      try {
        return readFileSync(file, 'utf8').includes('"recent"');
      } catch {
        return false;
      }
    });
    // Take the file as it is now, as if A were SIGKILLed, and start another instance on it during an outage.
    const crashed = join(dir, 'crashed.json');
    copyFileSync(file, crashed);
    await redis.stop();
    const b = await guard({ snapshot_file: crashed });
    for (const mode of MODES) expect(outcome(b.guard, { jti: 'recent' }, mode)).toBe('revoked');
    // Written whole through a temp file and a rename: no temp file is left behind beside it.
    expect(readFileSync(file, 'utf8')).toMatch(/^\{"format":"keyway-revocation-mirror","version":1,/);
    expect(
      readdirSync(dir).filter((name) => name.startsWith('mirror.json.') && name.endsWith('.tmp')),
    ).toEqual([]);
  });

  it.each([
    { name: 'corrupt', text: '{"format":"keyway-revocation-mirror","version":1,"jti' },
    { name: 'foreign', text: '{"keys":[]}' },
    { name: 'another key_prefix', text: null },
  ])(
    'a $name snapshot file is refused with a log line, not a crash: 503 in both modes, moved aside, rewritten after a load',
    async ({ text }) => {
      const file = join(dir, 'mirror.json');
      if (text === null) {
        const other = await loadedGuard({ snapshot_file: file, key_prefix: 'other' });
        await other.guard.revokeJti({ jti: 'x', exp: nowSec() + 600 });
        await other.guard.close();
        guards.splice(guards.indexOf(other), 1);
      } else writeFileSync(file, text);
      const before = readFileSync(file, 'utf8');
      await redis.stop();
      const b = await guard({ snapshot_file: file, snapshot_interval: '50ms' });
      expect(b.logs.lines.join('\n')).toContain('snapshot file refused');
      expect(b.guard.status().state).toBe('never_loaded');
      for (const mode of MODES) expect(outcome(b.guard, { jti: 'x' }, mode)).toBe('revocation_unavailable');
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Moved aside for inspection; a mirror that never loaded writes nothing in its place.
      expect(readFileSync(`${file}.refused`, 'utf8')).toBe(before);
      expect(existsSync(file)).toBe(false);
      await redis.start();
      await waitFor('B to load', () => b.guard.status().state === 'loaded', 15_000, 10);
      await waitFor('the file to be written', () => existsSync(file), 5_000, 10);
      expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
        format: 'keyway-revocation-mirror',
        key_prefix: 'keyway',
      });
    },
  );

  it('memory mode: revocations survive a restart with a snapshot file', async () => {
    const file = join(dir, 'memory.json');
    const a = await startGuard({ snapshot_file: file });
    await a.guard.revokeJti({ jti: 'kept', exp: nowSec() + 600 });
    const before = nowSec();
    await a.guard.revokeSubject({ sub: 'scoped', iss: ISS, before });
    await a.guard.close();
    const b = await startGuard({ snapshot_file: file });
    guards.push(b);
    expect(b.guard.status()).toMatchObject({ state: 'loaded', mode: 'memory', entries: 2 });
    expect(outcome(b.guard, { jti: 'kept' })).toBe('revoked');
    expect(outcome(b.guard, { sub: 'scoped', iss: ISS, iat: before - 1 })).toBe('revoked');
  });

  it('a snapshot_file in a directory keyway cannot write is a config error naming the key', () => {
    const config = revocationConfig({ snapshot_file: join(dir, 'missing', 'mirror.json') });
    const { deps } = testDeps(config);
    expect(() => createRevocationGuard(config.revocation, deps)).toThrow(
      expect.objectContaining({
        issues: [expect.objectContaining({ path: 'revocation.snapshot_file', code: 'unwritable_path' })],
      }),
    );
  });
});
