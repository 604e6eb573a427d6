// The key store of an issuer against a real loopback JWKS: candidates, rotation, unknown-kid floods, fallbacks, status.
import { randomUUID } from 'node:crypto';
import { jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import type { Config } from '../../src/config/types.js';
import type { Deps } from '../../src/deps.js';
import { KeywayError, type Reason } from '../../src/errors.js';
import { createFetchLimiter } from '../../src/keys/fetch-limiter.js';
import { type AdminKeyStore, createIssuerKeyStore } from '../../src/keys/issuer-key-store.js';
import { createManualClock, type ManualClock } from '../../src/lib/clock.js';
import { createTestKey, type JwksServer, json, startJwksServer } from '../helpers/jwks-server.js';
import { createTestDeps } from '../helpers/test-deps.js';
import { waitFor } from '../helpers/wait-for.js';

const T0 = 1_700_000_000_000;
const keyA = createTestKey('a');
const keyB = createTestKey('b');
const staticKey = createTestKey('static');
const HS1 = 'first-secret-first-secret-first-secret!';
const HS2 = 'second-secret-second-secret-second-secret';
const noFiles = {
  readFile(): string {
    throw new Error('no files in this test');
  },
};

let server: JwksServer;
let clock: ManualClock;
const stores: AdminKeyStore[] = [];

beforeEach(async () => {
  server = await startJwksServer();
  server.setKeys([keyA.jwk]);
  clock = createManualClock(T0);
});

afterEach(async () => {
  for (const s of stores.splice(0)) s.close();
  await server.close();
});

function build(issuers: Record<string, unknown>[], limits: Record<string, unknown> = {}) {
  const config: Config = parseConfig({ issuers, limits }, 'test', noFiles);
  const deps: Deps = createTestDeps(config, { clock });
  const limiter = createFetchLimiter(config.limits.max_concurrent_jwks_fetches);
  const all = new Map(
    config.issuers.map((issuer) => [issuer.name, createIssuerKeyStore(issuer, deps, limiter)]),
  );
  stores.push(...all.values());
  return { all, deps };
}

/** One issuer's store; `jwks` options merge over fast retries. */
function setup(issuer: Record<string, unknown> = {}, jwks: Record<string, unknown> = {}) {
  const { all, deps } = build([
    { name: 'idp', jwks_uri: server.jwksUrl, ...issuer, jwks: { retry_backoff: '1ms', ...jwks } },
  ]);
  return { store: all.get('idp')!, deps };
}

async function reasonOf(promise: Promise<unknown>): Promise<Reason | 'resolved'> {
  try {
    await promise;
    return 'resolved';
  } catch (err) {
    if (err instanceof KeywayError) return err.reason;
    throw err;
  }
}

const kidsOf = (keys: readonly { kid: string | undefined }[]) => keys.map((k) => k.kid);

describe('candidates', () => {
  it('finds a known kid without fetching and the key verifies its tokens', async () => {
    const { store } = setup();
    await store.start();
    const keys = await store.candidates('ES256', 'a');
    expect(kidsOf(keys)).toEqual(['a']);
    expect(server.count()).toBe(1);
    const { payload } = await jwtVerify(await keyA.sign(), keys[0]!.key, { algorithms: ['ES256'] });
    expect(payload.sub).toBe('user-1');
  });

  it('finds a rotated-in kid after exactly one refetch', async () => {
    const { store } = setup();
    await store.start();
    server.setKeys([keyA.jwk, keyB.jwk]);
    const keys = await store.candidates('ES256', 'b');
    expect(kidsOf(keys)).toEqual(['b']);
    expect(server.count()).toBe(2);
    await jwtVerify(await keyB.sign(), keys[0]!.key, { algorithms: ['ES256'] });
    await store.candidates('ES256', 'b');
    expect(server.count()).toBe(2);
  });

  it('turns a flood of 1,000 random unknown kids into one fetch, then none within the cooldown', async () => {
    const { store } = setup({}, { unknown_kid_cooldown: '30s' });
    await store.start();
    const flood = await Promise.all(
      Array.from({ length: 1000 }, () => reasonOf(store.candidates('ES256', randomUUID()))),
    );
    expect(new Set(flood)).toEqual(new Set(['unknown_key']));
    expect(server.count()).toBe(2);
    for (let i = 0; i < 1000; i++) await reasonOf(store.candidates('ES256', randomUUID()));
    expect(server.count()).toBe(2);
    clock.advance(30_000);
    expect(await reasonOf(store.candidates('ES256', 'nope'))).toBe('unknown_key');
    expect(server.count()).toBe(3);
  });

  it('refuses an alg the issuer does not allow, and an alg not bound to the kid (no alg confusion)', async () => {
    const { store } = setup({ algorithms: ['ES256', 'HS256'], hs_secrets: [HS1] });
    await store.start();
    expect(await reasonOf(store.candidates('RS256', 'a'))).toBe('alg_not_allowed');
    expect(await reasonOf(store.candidates('HS256', 'a'))).toBe('alg_not_allowed');
    expect(server.count()).toBe(1);
  });

  it('without a kid, returns every key for the alg, HS secrets in config order', async () => {
    const { store } = setup({ hs_secrets: [HS1, { secret: HS2, kid: 'h2' }] });
    await store.start();
    const hs = await store.candidates('HS256', undefined);
    expect(hs.map((k) => Buffer.from(k.key as Uint8Array).toString())).toEqual([HS1, HS2]);
    expect(kidsOf(await store.candidates('ES256', undefined))).toEqual(['a']);
    expect(await reasonOf(store.candidates('ES384', undefined))).toBe('unknown_key');
  });

  it('lets a kid-less configured key answer any kid, after the JWKS had its chance', async () => {
    const { store } = setup({ hs_secrets: [HS1] });
    await store.start();
    const keys = await store.candidates('HS256', 'some-kid');
    expect(keys.map((k) => k.origin)).toEqual(['hs']);
    expect(server.count()).toBe(2);
  });

  it('never uses an oct key published in a JWKS', async () => {
    server.setKeys([keyA.jwk, { kty: 'oct', kid: 'sym', k: Buffer.from(HS1).toString('base64url') }]);
    const { store } = setup({ hs_secrets: [{ secret: HS2, kid: 'h2' }] });
    await store.start();
    expect(await reasonOf(store.candidates('HS256', 'sym'))).toBe('unknown_key');
    expect(store.list().map((k) => k.kid)).toEqual(['a', 'h2']);
  });

  it('skips weak keys in a JWKS individually while the rest works', async () => {
    const weak = createTestKey('weak', 'RS256', 1024);
    const strong = createTestKey('strong', 'RS256');
    server.setKeys([weak.jwk, strong.jwk, keyA.jwk]);
    const { store } = setup();
    await store.start();
    expect(kidsOf(await store.candidates('RS256', 'strong'))).toEqual(['strong']);
    expect(kidsOf(await store.candidates('ES256', 'a'))).toEqual(['a']);
    expect(await reasonOf(store.candidates('RS256', 'weak'))).toBe('unknown_key');
    expect(store.status().keys).toBe(2);
  });
});

describe('availability', () => {
  it('serves a static key when the IdP is down at start, and is ready', async () => {
    server.reply('/jwks', { status: 503 });
    const { store } = setup({ keys: [{ jwk: staticKey.jwk }] }, { retries: 0 });
    await store.start();
    expect(kidsOf(await store.candidates('ES256', 'static'))).toEqual(['static']);
    expect(kidsOf(await store.candidates('ES256', undefined))).toEqual(['static']);
    expect(store.status()).toMatchObject({ issuer: 'idp', ready: true, keys: 1, ageMs: undefined });
    expect(store.status().lastError).toBe('http_error: HTTP 503');
    // A kid the JWKS might hold cannot be decided while it is down: 503, not 401.
    expect(await reasonOf(store.candidates('ES256', 'a'))).toBe('keys_unavailable');
  });

  it('is not ready and answers keys_unavailable when the JWKS never loaded and nothing else is configured', async () => {
    server.reply('/jwks', { status: 500 });
    const { store, deps } = setup({}, { retries: 0 });
    await store.start();
    expect(store.status()).toMatchObject({ ready: false, keys: 0 });
    expect(await reasonOf(store.candidates('ES256', 'a'))).toBe('keys_unavailable');
    expect(await reasonOf(store.candidates('ES256', undefined))).toBe('keys_unavailable');
    expect((await deps.metrics.keysLoaded.get()).values[0]?.value).toBe(0);
  });

  it('serves the last good keys after the IdP goes down, until stale_if_error, then keys_unavailable', async () => {
    const { store, deps } = setup({}, { ttl: '60s', stale_if_error: '10m', retries: 0 });
    await store.start();
    server.reply('/jwks', { status: 500 });
    clock.advance(50_000);
    await store.candidates('ES256', 'a');
    await store.refresh();
    expect(server.count()).toBeGreaterThanOrEqual(2);
    clock.set(T0 + 599_999);
    expect(kidsOf(await store.candidates('ES256', 'a'))).toEqual(['a']);
    expect(store.status()).toMatchObject({ ready: true, keys: 1, lastError: 'http_error: HTTP 500' });
    clock.set(T0 + 600_000);
    expect(await reasonOf(store.candidates('ES256', 'a'))).toBe('keys_unavailable');
    expect(store.status()).toMatchObject({ ready: false, keys: 0, ageMs: 600_000 });
    expect((await deps.metrics.keyAgeSeconds.get()).values[0]?.value).toBe(600);
  });

  it('recovers when the IdP comes back', async () => {
    server.reply('/jwks', { status: 500 });
    const { store } = setup({}, { retries: 0, min_ttl: '30s' });
    await store.start();
    server.reply('/jwks', undefined);
    clock.advance(30_000);
    await store.refresh();
    expect(kidsOf(await store.candidates('ES256', 'a'))).toEqual(['a']);
    expect(store.status()).toMatchObject({ ready: true, lastError: undefined });
  });

  it('loads keys through OIDC discovery', async () => {
    server.reply('/.well-known/openid-configuration', json({ issuer: server.url, jwks_uri: server.jwksUrl }));
    const { store } = setup({ jwks_uri: undefined, issuer: server.url, discovery: true });
    await store.start();
    expect(kidsOf(await store.candidates('ES256', 'a'))).toEqual(['a']);
  });

  it('caps concurrent JWKS fetches across issuers at limits.max_concurrent_jwks_fetches', async () => {
    server.reply('/jwks', { ...json({ keys: [keyA.jwk] }), delayMs: 50 });
    const issuers = ['i1', 'i2', 'i3', 'i4', 'i5'].map((name) => ({
      name,
      issuer: name,
      jwks_uri: server.jwksUrl,
    }));
    const { all } = build(issuers, { max_concurrent_jwks_fetches: 2 });
    await Promise.all([...all.values()].map((s) => s.start()));
    expect(server.count()).toBe(5);
    expect(server.maxInFlight).toBe(2);
    expect([...all.values()].every((s) => s.status().ready)).toBe(true);
  });
});

describe('a forged-kid flood and a real rotation', () => {
  it('a key published right after a flood of forged kids is accepted within unknown_kid_cooldown (default 5 s)', async () => {
    const { store } = setup();
    await store.start();
    const flood = await Promise.all(
      Array.from({ length: 200 }, () => reasonOf(store.candidates('ES256', randomUUID()))),
    );
    expect(new Set(flood)).toEqual(new Set(['unknown_key']));
    expect(server.count()).toBe(2);
    server.setKeys([keyA.jwk, keyB.jwk]);
    // Inside the cooldown the flood keeps costing nothing, and the new kid is not looked up yet.
    clock.advance(2_500);
    expect(await reasonOf(store.candidates('ES256', randomUUID()))).toBe('unknown_key');
    expect(await reasonOf(store.candidates('ES256', 'b'))).toBe('unknown_key');
    expect(server.count()).toBe(2);
    clock.advance(2_500);
    expect(kidsOf(await store.candidates('ES256', 'b'))).toEqual(['b']);
    expect(server.count()).toBe(3);
  });

  it('a kid first seen during an outage is found within the cooldown of the IdP recovering, not min_ttl', async () => {
    const { store } = setup({}, { retries: 0 });
    await store.start();
    server.fault('500');
    expect(await reasonOf(store.candidates('ES256', 'b'))).toBe('keys_unavailable');
    server.fault(undefined);
    server.setKeys([keyA.jwk, keyB.jwk]);
    clock.advance(5_000);
    expect(kidsOf(await store.candidates('ES256', 'b'))).toEqual(['b']);
  });
});

describe('unknown kids during a JWKS outage', () => {
  it.each(['500', 'hang', 'garbage', 'html', 'empty', 'unimportable'] as const)(
    'JWKS %s: an unknown kid is keys_unavailable (it may be in the set that cannot be read); known kids still verify',
    async (fault) => {
      const { store } = setup({}, { retries: 0, timeout: '200ms', request_wait: '5s' });
      await store.start();
      server.fault(fault);
      expect(await reasonOf(store.candidates('ES256', 'rotated-in'))).toBe('keys_unavailable');
      expect(kidsOf(await store.candidates('ES256', 'a'))).toEqual(['a']);
      // Inside the cooldown no refetch runs, and the answer stays keys_unavailable (the last fetch failed).
      expect(await reasonOf(store.candidates('ES256', 'rotated-in'))).toBe('keys_unavailable');
      expect(store.status()).toMatchObject({ ready: true, keys: 1 });
    },
  );

  it('a set past its TTL whose refetch fails: an unknown kid is keys_unavailable', async () => {
    server.setKeys([keyA.jwk], { 'cache-control': 'max-age=60' });
    const { store } = setup({}, { retries: 0, stale_if_error: '1h' });
    await store.start();
    server.fault('500');
    clock.advance(61_000);
    expect(await reasonOf(store.candidates('ES256', 'x'))).toBe('keys_unavailable');
    expect(kidsOf(await store.candidates('ES256', 'a'))).toEqual(['a']);
  });

  it('a fresh set whose refetch succeeded without the kid: unknown_key', async () => {
    const { store } = setup();
    await store.start();
    expect(await reasonOf(store.candidates('ES256', 'x'))).toBe('unknown_key');
    expect(server.count()).toBe(2);
  });
});

describe('the time a request waits for a JWKS fetch (request_wait)', () => {
  it('a hung JWKS: an unknown kid is answered keys_unavailable at request_wait while the fetch goes on', async () => {
    const { store } = setup({}, { retries: 2, timeout: '20s', request_wait: '100ms' });
    await store.start();
    server.fault('hang');
    expect(await reasonOf(store.candidates('ES256', 'b'))).toBe('keys_unavailable');
    expect(server.inFlight).toBe(1);
    // Known kids never wait for it.
    expect(kidsOf(await store.candidates('ES256', 'a'))).toEqual(['a']);
  });

  it('request_wait counts from the start of the fetch: asking again does not wait again', async () => {
    const { store } = setup({}, { retries: 2, timeout: '20s', request_wait: '200ms' });
    await store.start();
    server.fault('hang');
    expect(await reasonOf(store.candidates('ES256', 'b'))).toBe('keys_unavailable');
    // The second look (as verify-token does after a verified-cache miss) must not start another 200 ms wait: the
    // fetch has used up its request_wait, so the answer comes before a 150 ms timer set after it.
    const again = reasonOf(store.candidates('ES256', 'b'));
    const later = new Promise((resolve) => setTimeout(() => resolve('still waiting'), 150));
    expect(await Promise.race([again, later])).toBe('keys_unavailable');
    expect(server.count()).toBe(2);
  });

  it('the fetch finishes in the background and later requests use its result without another fetch', async () => {
    const { store } = setup({}, { request_wait: '50ms' });
    await store.start();
    server.reply('/jwks', { ...json({ keys: [keyA.jwk, keyB.jwk] }), delayMs: 400 });
    expect(await reasonOf(store.candidates('ES256', 'b'))).toBe('keys_unavailable');
    await waitFor('the background fetch to add kid b', () => store.list().length >= 2, 2_000, 20);
    expect(kidsOf(await store.candidates('ES256', 'b'))).toEqual(['b']);
    expect(server.count()).toBe(2);
  });

  it('before the first fetch completes, requests are answered keys_unavailable at request_wait', async () => {
    server.reply('/jwks', { ...json({ keys: [keyA.jwk] }), delayMs: 600 });
    const { store } = setup({}, { request_wait: '50ms' });
    const starting = store.start();
    expect(await reasonOf(store.candidates('ES256', 'a'))).toBe('keys_unavailable');
    expect(await reasonOf(store.candidates('ES256', undefined))).toBe('keys_unavailable');
    expect(server.count()).toBe(1);
    await starting;
    expect(kidsOf(await store.candidates('ES256', 'a'))).toEqual(['a']);
  });

  it('a configured kid-less key still answers an unknown kid when the wait expires', async () => {
    const { store } = setup({ hs_secrets: [HS1] }, { timeout: '20s', request_wait: '50ms' });
    await store.start();
    server.fault('hang');
    expect((await store.candidates('HS256', 'some-kid')).map((k) => k.origin)).toEqual(['hs']);
  });
});

describe('admin helpers', () => {
  it('lists public key info only, never secret bytes', async () => {
    const { store } = setup({ hs_secrets: [HS1], keys: [{ jwk: staticKey.jwk }] });
    await store.start();
    const list = store.list();
    expect(list.map(({ kid, kty, origin }) => ({ kid, kty, origin }))).toEqual([
      { kid: 'a', kty: 'EC', origin: 'jwks' },
      { kid: 'static', kty: 'EC', origin: 'static' },
      { kid: undefined, kty: 'oct', origin: 'hs' },
    ]);
    expect(list[0]?.algs).toEqual(['ES256']);
    const text = JSON.stringify(list);
    expect(text).not.toContain(HS1);
    expect(text).not.toContain(Buffer.from(HS1).toString('base64url'));
    expect(text).not.toContain(String(keyA.jwk['x']));
  });

  it('forgets one kid so the next request refetches it despite the cooldown', async () => {
    const { store } = setup({}, { unknown_kid_cooldown: '30s' });
    await store.start();
    expect(await reasonOf(store.candidates('ES256', 'x'))).toBe('unknown_key');
    expect(server.count()).toBe(2);
    expect(store.forget('a')).toBe(1);
    expect(kidsOf(await store.candidates('ES256', 'a'))).toEqual(['a']);
    expect(server.count()).toBe(3);
  });

  it('forgets the whole set and refetches on the next request', async () => {
    const { store } = setup();
    await store.start();
    expect(store.forget()).toBe(1);
    expect(store.status()).toMatchObject({ ready: false, keys: 0 });
    expect(kidsOf(await store.candidates('ES256', 'a'))).toEqual(['a']);
    expect(server.count()).toBe(2);
  });

  it('refreshes on demand', async () => {
    const { store } = setup();
    await store.start();
    server.setKeys([keyB.jwk]);
    await store.refresh();
    expect(server.count()).toBe(2);
    expect(store.list().map((k) => k.kid)).toEqual(['b']);
  });
});
