// The process's key-store pool: a store is reused while its issuer's key source is unchanged, replaced (the old one
// closed) when it changes, and released with its key gauges when no generation uses it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/parse.js';
import type { Issuer } from '../../../src/config/types.js';
import { createDeps } from '../../../src/deps-create.js';
import { createLogger } from '../../../src/infra/log.js';
import { createMetrics } from '../../../src/infra/metrics.js';
import { createFetchLimiter } from '../../../src/keys/fetch-limiter.js';
import { createKeyStorePool, type KeyStorePool, keyStoreKey } from '../../../src/keys/key-store-pool.js';
import { createTestKey, type JwksServer, startJwksServer } from '../../helpers/jwks-server.js';
import { HS_SECRET } from '../../helpers/tokens.js';

const OTHER_SECRET = 'another-hs-secret-0123456789-abcdefghij';

let idp: JwksServer;
let pool: KeyStorePool;
let metricsText: () => Promise<string>;

beforeEach(async () => {
  idp = await startJwksServer();
  idp.setKeys([createTestKey('k1').jwk]);
});

afterEach(async () => {
  await pool?.sweep(new Set());
  await idp.close();
});

/** The issuers of a config with these issuer entries (resolved as parseConfig resolves them). */
function issuers(...entries: Record<string, unknown>[]): readonly Issuer[] {
  return parseConfig({ issuers: entries }, 'test', { readFile: () => '' }).issuers;
}

function newPool(maxFetches = 4): KeyStorePool {
  const config = parseConfig({}, 'test', { readFile: () => '' });
  const deps = createDeps(config, {
    log: createLogger('silent'),
    metrics: createMetrics({ processMetrics: false }),
  });
  metricsText = () => deps.metrics.registry.metrics();
  pool = createKeyStorePool(deps, createFetchLimiter(maxFetches));
  return pool;
}

const fetchCounts = async (issuer: string) =>
  (await metricsText())
    .split('\n')
    .filter((line) => line.includes(`issuer="${issuer}"`) && line.startsWith('keyway_jwks_fetches_total{'));

const gauges = async (issuer: string) =>
  (await metricsText())
    .split('\n')
    .filter(
      (line) => line.includes(`issuer="${issuer}"`) && /^keyway_(keys_loaded|jwks_age_seconds)\{/.test(line),
    );

describe('key-store pool', () => {
  it('reuses the running store while the key source is unchanged (claim-check settings do not count)', () => {
    const p = newPool();
    const [before] = issuers({
      name: 'hs',
      issuer: 'https://hs.test',
      hs_secrets: [HS_SECRET],
      leeway: '0s',
    });
    const [after] = issuers({
      name: 'hs',
      issuer: 'https://hs.test',
      hs_secrets: [HS_SECRET],
      leeway: '5s',
      audiences: ['api'],
      required_claims: ['tenant'],
    });
    const first = p.take(before!);
    const second = p.take(after!);
    expect(first.fresh).toBe(true);
    expect(second.fresh).toBe(false);
    expect(second.store).toBe(first.store);
    expect(second.key).toBe(first.key);
  });

  it('keys a changed HS secret (bytes) as another source, and never puts the secret in the key', () => {
    const [a] = issuers({ name: 'hs', hs_secrets: [HS_SECRET] });
    const [b] = issuers({ name: 'hs', hs_secrets: [OTHER_SECRET] });
    expect(keyStoreKey(a!)).not.toBe(keyStoreKey(b!));
    expect(keyStoreKey(a!)).not.toContain(HS_SECRET);
    expect(keyStoreKey(a!)).not.toContain(Buffer.from(HS_SECRET).toString('base64'));
  });

  it('a changed key source gets a new store; the sweep closes the old one (it fetches no more)', async () => {
    const p = newPool();
    const [before] = issuers({ name: 'idp', jwks_uri: idp.jwksUrl });
    const [after] = issuers({ name: 'idp', jwks_uri: idp.jwksUrl, jwks: { ttl: '10m' } });
    const old = p.take(before!);
    await old.store.start();
    const next = p.take(after!);
    expect(next.fresh).toBe(true);
    expect(next.store).not.toBe(old.store);
    await next.store.start();
    await p.sweep(new Set([next.key]));
    expect(p.stores()).toEqual([next.store]);
    const fetched = idp.count();
    await old.store.refresh();
    expect(idp.count()).toBe(fetched);
    await next.store.refresh();
    expect(idp.count()).toBe(fetched + 1);
    // The issuer is still served (by the new store): its gauges and counters stay.
    expect(await gauges('idp')).toHaveLength(2);
    expect(await fetchCounts('idp')).toEqual(['keyway_jwks_fetches_total{issuer="idp",outcome="ok"} 3']);
  });

  it('a store no generation uses is closed and its issuer gauges and counters are removed', async () => {
    const p = newPool();
    const [kept, gone] = issuers(
      { name: 'kept', issuer: 'https://kept.test', hs_secrets: [HS_SECRET] },
      { name: 'gone', issuer: 'https://gone.test', jwks_uri: idp.jwksUrl },
    );
    const a = p.take(kept!);
    const b = p.take(gone!);
    await Promise.all([a.store.start(), b.store.start()]);
    expect(await gauges('gone')).toHaveLength(2);
    expect(await fetchCounts('gone')).toEqual(['keyway_jwks_fetches_total{issuer="gone",outcome="ok"} 1']);
    await p.sweep(new Set([a.key]));
    expect(p.stores()).toEqual([a.store]);
    expect(await gauges('gone')).toEqual([]);
    expect(await fetchCounts('gone')).toEqual([]);
    expect(await gauges('kept')).toEqual(['keyway_keys_loaded{issuer="kept"} 1']);
    const fetched = idp.count();
    await b.store.refresh();
    expect(idp.count()).toBe(fetched);
  });

  it('a fetch still running when its store is released counts nothing afterwards (no series comes back)', async () => {
    const p = newPool();
    const [gone] = issuers({
      name: 'gone',
      issuer: 'https://gone.test',
      jwks_uri: idp.jwksUrl,
      jwks: { timeout: '5s', retries: 0 },
    });
    const taken = p.take(gone!);
    await taken.store.start();
    // The IdP is slow now: a refresh is in flight when a reload releases the store.
    idp.reply('/jwks', { body: JSON.stringify({ keys: [createTestKey('k2').jwk] }), delayMs: 2_000 });
    const arrived = idp.nextRequest();
    const refreshing = taken.store.refresh().catch(() => {});
    await arrived;
    await p.sweep(new Set());
    await refreshing;
    expect(await fetchCounts('gone')).toEqual([]);
    expect(await gauges('gone')).toEqual([]);
  });

  it('every store it builds shares one fetch limiter (limits.max_concurrent_jwks_fetches)', async () => {
    const p = newPool(1);
    idp.reply('/jwks', { body: JSON.stringify({ keys: [createTestKey('k2').jwk] }), delayMs: 50 });
    const stores = issuers(
      { name: 'one', issuer: 'https://one.test', jwks_uri: idp.jwksUrl },
      { name: 'two', issuer: 'https://two.test', jwks_uri: idp.jwksUrl },
      { name: 'three', issuer: 'https://three.test', jwks_uri: idp.jwksUrl },
    ).map((issuer) => p.take(issuer).store);
    await Promise.all(stores.map((store) => store.start()));
    expect(idp.count()).toBe(3);
    expect(idp.maxInFlight).toBe(1);
  });
});
