// The remote JWKS of one issuer against a real loopback server: fetch failures, limits, TTLs, stale-if-error, discovery.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import type { Deps } from '../../src/deps.js';
import { createLogger } from '../../src/infra/log.js';
import { createFetchLimiter } from '../../src/keys/fetch-limiter.js';
import { createJwksSource, type JwksSource } from '../../src/keys/jwks-source.js';
import { createManualClock, type ManualClock } from '../../src/lib/clock.js';
import { createTestKey, type JwksServer, json, startJwksServer } from '../helpers/jwks-server.js';
import { createLogCapture } from '../helpers/log-capture.js';
import { createTestDeps } from '../helpers/test-deps.js';

const T0 = 1_700_000_000_000;
const keyA = createTestKey('a');
const keyB = createTestKey('b');
const noFiles = {
  readFile(): string {
    throw new Error('no files in this test');
  },
};

let server: JwksServer;
let clock: ManualClock;
let logLines: string[];
const sources: JwksSource[] = [];

beforeEach(async () => {
  server = await startJwksServer();
  server.setKeys([keyA.jwk]);
  clock = createManualClock(T0);
  logLines = [];
});

afterEach(async () => {
  for (const s of sources.splice(0)) s.close();
  await server.close();
});

/** A JWKS source for one issuer built from a realistic parsed config. */
function setup(issuer: Record<string, unknown> = {}, jwks: Record<string, unknown> = {}) {
  const config = parseConfig(
    {
      issuers: [
        { name: 'idp', jwks_uri: server.jwksUrl, ...issuer, jwks: { retry_backoff: '1ms', ...jwks } },
      ],
    },
    'test',
    noFiles,
  );
  // Captured for assertions and for the suite-wide secrets audit.
  const capture = createLogCapture();
  const stream = {
    write(line: string) {
      logLines.push(line);
      capture.write(line);
    },
  };
  const deps: Deps = createTestDeps(config, { clock, log: createLogger('debug', stream) });
  const source = createJwksSource(config.issuers[0]!, deps, createFetchLimiter(4), () => {});
  sources.push(source);
  return { source, deps, config };
}

async function outcomes(deps: Deps): Promise<Record<string, number>> {
  const { values } = await deps.metrics.jwksFetches.get();
  return Object.fromEntries(values.map((v) => [String(v.labels.outcome), v.value]));
}

const kids = (source: JwksSource): (string | undefined)[] => source.keys().all.map((k) => k.kid);

describe('JWKS fetch', () => {
  it('loads the keys and counts an ok fetch', async () => {
    const { source, deps } = setup();
    await source.refresh();
    expect(kids(source)).toEqual(['a']);
    expect(source.usable()).toBe(true);
    expect(source.state()).toEqual({ ageMs: 0, lastError: undefined });
    expect(await outcomes(deps)).toEqual({ ok: 1 });
  });

  it('retries 5xx with backoff, then gives up and reports http_error', async () => {
    server.reply('/jwks', { status: 500 });
    const { source, deps } = setup({}, { retries: 2 });
    await source.refresh();
    expect(server.count()).toBe(3);
    expect(await outcomes(deps)).toEqual({ http_error: 3 });
    expect(source.state().lastError).toBe('http_error: HTTP 500');
    expect(source.usable()).toBe(false);
  });

  it('does not retry a 404', async () => {
    server.reply('/jwks', { status: 404 });
    const { source } = setup({}, { retries: 3 });
    await source.refresh();
    expect(server.count()).toBe(1);
  });

  it.each(['headers', 'body'] as const)(
    'times out a server that hangs (%s) and reports timeout',
    async (hang) => {
      server.reply('/jwks', { ...json({ keys: [keyA.jwk] }), hang });
      const { source, deps } = setup({}, { timeout: '150ms', retries: 1 });
      await source.refresh();
      expect(await outcomes(deps)).toEqual({ timeout: 2 });
      expect(source.state().lastError).toMatch(/^timeout: /);
      expect(kids(source)).toEqual([]);
    },
  );

  it.each([
    ['garbage JSON', { ...json(null), body: '{"keys": [' }],
    ['not {keys: [...]}', json({ keys: 'nope' })],
    ['a JSON array', json([keyA.jwk])],
    ['text/html', { ...json({ keys: [keyB.jwk] }), headers: { 'content-type': 'text/html' } }],
    ['no content-type', { body: JSON.stringify({ keys: [keyB.jwk] }) }],
  ])('treats %s as invalid and keeps the previous set', async (_name, reply) => {
    const { source, deps } = setup({}, { retries: 2 });
    await source.refresh();
    server.reply('/jwks', reply);
    await source.refresh();
    expect(kids(source)).toEqual(['a']);
    expect(await outcomes(deps)).toEqual({ ok: 1, invalid: 1 });
    expect(source.state().lastError).toMatch(/^invalid: /);
  });

  it.each(['application/jwk-set+json', 'application/vnd.example+json; charset=utf-8'])(
    'accepts content-type %s',
    async (type) => {
      server.reply('/jwks', { ...json({ keys: [keyB.jwk] }), headers: { 'content-type': type } });
      const { source } = setup();
      await source.refresh();
      expect(kids(source)).toEqual(['b']);
    },
  );

  it.each([
    ['with Content-Length', false],
    ['chunked, without Content-Length', true],
  ])('aborts a body over max_bytes (%s)', async (_name, chunked) => {
    const padding = 'x'.repeat(4096);
    server.reply('/jwks', { ...json({ keys: [keyA.jwk], padding }), chunked });
    const { source, deps } = setup({}, { max_bytes: 2048 });
    await source.refresh();
    expect(await outcomes(deps)).toEqual({ too_large: 1 });
    expect(kids(source)).toEqual([]);
  });

  it('refuses a declared Content-Length over max_bytes before reading the body', async () => {
    const headers = { 'content-type': 'application/json', 'content-length': '5000000' };
    server.reply('/jwks', { headers, body: '{"keys": [', hang: 'body' });
    const { source, deps } = setup({}, { max_bytes: 2048, timeout: '5s', retries: 0 });
    await source.refresh();
    expect(await outcomes(deps)).toEqual({ too_large: 1 });
  });

  it('never follows a redirect', async () => {
    server.reply('/jwks', { status: 302, headers: { location: '/moved' } });
    server.reply('/moved', json({ keys: [keyA.jwk] }));
    const { source, deps } = setup({}, { retries: 0 });
    await source.refresh();
    expect(server.count('/moved')).toBe(0);
    expect(kids(source)).toEqual([]);
    expect((await outcomes(deps))['ok']).toBeUndefined();
  });

  it('skips weak and symmetric keys one by one, logging and counting each once', async () => {
    const weak = createTestKey('weak', 'RS256', 1024);
    const oct = { kty: 'oct', kid: 'sym', k: Buffer.alloc(32, 1).toString('base64url') };
    const enc = { ...keyB.jwk, kid: 'enc', use: 'enc' };
    server.setKeys([weak.jwk, keyA.jwk, oct, enc]);
    const { source, deps } = setup({ hs_secrets: ['s'.repeat(32)] });
    await source.refresh();
    await source.refresh();
    expect(kids(source)).toEqual(['a']);
    const { values } = await deps.metrics.keysSkipped.get();
    expect(Object.fromEntries(values.map((v) => [v.labels.why, v.value]))).toEqual({
      rsa_too_small: 1,
      symmetric_key: 1,
      use_not_sig: 1,
    });
    const skipLines = logLines.filter((l) => l.includes('key skipped'));
    expect(skipLines).toHaveLength(3);
    expect(skipLines.join('')).not.toContain(String(oct.k));
  });

  it('caps concurrent fetches with the shared limiter', async () => {
    server.reply('/jwks', { ...json({ keys: [keyA.jwk] }), delayMs: 50 });
    const { deps, config } = setup();
    const limiter = createFetchLimiter(2);
    const many = Array.from({ length: 6 }, () =>
      createJwksSource(config.issuers[0]!, deps, limiter, () => {}),
    );
    sources.push(...many);
    await Promise.all(many.map((s) => s.refresh()));
    expect(server.count()).toBe(6);
    expect(server.maxInFlight).toBe(2);
  });

  it('shares one in-flight fetch between concurrent callers', async () => {
    server.reply('/jwks', { ...json({ keys: [keyA.jwk] }), delayMs: 30 });
    const { source } = setup();
    await Promise.all([source.refresh(), source.refresh(), source.refetchForUnknownKid(), source.refresh()]);
    expect(server.count()).toBe(1);
  });

  it('aborts an in-flight fetch on close', async () => {
    server.reply('/jwks', { hang: 'headers' });
    const { source } = setup({}, { timeout: '60s' });
    const pending = source.refresh();
    await new Promise((r) => setTimeout(r, 20));
    source.close();
    await pending;
    expect(kids(source)).toEqual([]);
  });
});

describe('JWKS cache policy', () => {
  const bounds = { ttl: '5m', min_ttl: '30s', max_ttl: '1h', refresh_ahead: 0.5 };
  it.each([
    ['max-age=120', 120_000],
    ['public, max-age=5', 30_000],
    ['max-age=999999', 3_600_000],
    ['no-store', 30_000],
    ['no-cache, max-age=600', 30_000],
    [undefined, 300_000],
  ])('Cache-Control %s → TTL %i ms (refresh due at refresh_ahead × TTL)', async (header, ttl) => {
    server.setKeys([keyA.jwk], header ? { 'cache-control': header } : {});
    const { source } = setup({}, bounds);
    await source.refresh();
    clock.advance(ttl * 0.5 - 1);
    expect(source.tick()).toBeUndefined();
    clock.advance(1);
    const refresh = source.tick();
    expect(refresh).toBeInstanceOf(Promise);
    await refresh;
    expect(server.count()).toBe(2);
  });

  it('serves the last good set within stale_if_error after the last success, then none', async () => {
    const { source } = setup({}, { ttl: '60s', stale_if_error: '10m', retries: 0 });
    await source.refresh();
    server.reply('/jwks', { status: 503 });
    clock.advance(48_000);
    await source.tick();
    expect(source.state().lastError).toBe('http_error: HTTP 503');
    clock.set(T0 + 600_000 - 1);
    expect(source.usable()).toBe(true);
    clock.set(T0 + 600_000);
    expect(source.usable()).toBe(false);
    expect(logLines.some((l) => l.includes('stale past stale_if_error'))).toBe(true);
  });

  it('retries a failed fetch after failure_backoff, doubling per failure up to min_ttl, not on every tick', async () => {
    server.fault('500');
    const { source } = setup({}, { min_ttl: '30s', failure_backoff: '1s', retries: 0 });
    await source.refresh();
    for (const wait of [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]) {
      const before = server.count();
      clock.advance(wait - 1);
      expect(source.tick()).toBeUndefined();
      clock.advance(1);
      await source.tick();
      expect(server.count()).toBe(before + 1);
    }
    // Recovery is seen by the next retry, and a success resets the backoff.
    server.fault(undefined);
    clock.advance(30_000);
    await source.tick();
    expect(kids(source)).toEqual(['a']);
    server.fault('500');
    clock.advance(240_000);
    await source.tick();
    clock.advance(1_000);
    const retry = source.tick();
    expect(retry).toBeInstanceOf(Promise);
    await retry;
  });

  it('refetches for unknown kids at most once per unknown_kid_cooldown (default 5 s) after a fetch one waited for', async () => {
    const { source } = setup();
    await source.refetchForUnknownKid();
    await source.refetchForUnknownKid();
    clock.advance(4_999);
    await source.refetchForUnknownKid();
    expect(server.count()).toBe(1);
    clock.advance(1);
    await source.refetchForUnknownKid();
    expect(server.count()).toBe(2);
  });

  it('a scheduled or admin refresh does not hold back the next unknown-kid refetch', async () => {
    const { source } = setup();
    await source.refresh();
    await source.refetchForUnknownKid();
    expect(server.count()).toBe(2);
  });

  it('a failed fetch holds back unknown-kid refetches for the cooldown only, not min_ttl', async () => {
    // Defaults: min_ttl 30 s, unknown_kid_cooldown 5 s.
    const { source } = setup({}, { retries: 0 });
    await source.refresh();
    server.fault('500');
    await source.refetchForUnknownKid();
    expect(source.current()).toBe(false);
    server.fault(undefined);
    server.setKeys([keyA.jwk, keyB.jwk]);
    clock.advance(5_000);
    await source.refetchForUnknownKid();
    expect(kids(source)).toEqual(['a', 'b']);
    expect(source.current()).toBe(true);
  });
});

describe('JWKS fault settings', () => {
  const parse = (jwks: Record<string, unknown>) =>
    parseConfig({ issuers: [{ name: 'idp', jwks_uri: server.jwksUrl, jwks }] }, 'keyway.yaml', noFiles);

  it('defaults: unknown_kid_cooldown 5 s, failure_backoff 1 s, request_wait 500 ms', () => {
    expect(parse({}).issuers[0]!.jwks).toMatchObject({
      unknown_kid_cooldown: 5_000,
      failure_backoff: 1_000,
      request_wait: 500,
      min_ttl: 30_000,
    });
  });

  it('refuses a failure_backoff under 100 ms, naming the file and the key', () => {
    expect(() => parse({ failure_backoff: '10ms' })).toThrow(
      /keyway\.yaml[\s\S]*issuers\[0\]\.jwks\.failure_backoff: expected at least 100ms/,
    );
  });
});

describe('a JWKS answer with no usable key', () => {
  it.each(['empty', 'unimportable'] as const)(
    'a %s set keeps the last good set (within stale_if_error), is counted as no_usable_keys and logged',
    async (fault) => {
      const { source, deps } = setup({}, { ttl: '60s', stale_if_error: '10m', retries: 2 });
      await source.refresh();
      server.fault(fault);
      clock.advance(48_000);
      await source.tick();
      expect(kids(source)).toEqual(['a']);
      expect(source.usable()).toBe(true);
      expect(source.current()).toBe(false);
      expect(source.state().lastError).toMatch(/^no_usable_keys: /);
      // Not retried at once: the same deploy would answer the same.
      expect(await outcomes(deps)).toEqual({ ok: 1, no_usable_keys: 1 });
      const warn = logLines.map((l) => JSON.parse(l)).find((l) => String(l.msg).includes('no usable key'));
      expect(warn).toMatchObject({ level: 'warn', outcome: 'no_usable_keys', servingKeys: 1 });
      expect(logLines.join('')).not.toContain(Buffer.alloc(32, 7).toString('base64url'));
      // Still bounded by stale_if_error after the last good fetch.
      clock.set(T0 + 600_000);
      expect(source.usable()).toBe(false);
      // The IdP publishing keys again ends it.
      server.fault(undefined);
      await source.refresh();
      expect(source.current()).toBe(true);
      expect(source.state().lastError).toBeUndefined();
    },
  );

  it('a first fetch with no usable key loads nothing', async () => {
    server.fault('empty');
    const { source } = setup();
    await source.refresh();
    expect(kids(source)).toEqual([]);
    expect(source.usable()).toBe(false);
    expect(source.state().lastError).toBe('no_usable_keys: the set has no keys');
  });

  it('names why every key of an all-unimportable set was skipped', async () => {
    server.fault('unimportable');
    const { source } = setup();
    await source.refresh();
    expect(source.state().lastError).toMatch(/^no_usable_keys: all 4 keys skipped \(.*symmetric_key.*\)$/);
  });
});

describe('OIDC discovery', () => {
  const discovery = (s: JwksServer, doc: Record<string, unknown> = {}) =>
    s.reply('/.well-known/openid-configuration', json({ issuer: s.url, jwks_uri: s.jwksUrl, ...doc }));

  it('finds jwks_uri in the discovery document', async () => {
    discovery(server);
    const { source } = setup({ jwks_uri: undefined, issuer: server.url, discovery: true });
    await source.refresh();
    expect(kids(source)).toEqual(['a']);
    expect(server.count('/.well-known/openid-configuration')).toBe(1);
    await source.refresh();
    expect(server.count('/.well-known/openid-configuration')).toBe(1);
  });

  it.each([
    ['an issuer that differs from the configured one', { issuer: 'https://evil.example' }],
    ['a plain-http, non-loopback jwks_uri', { jwks_uri: 'http://idp.example/jwks' }],
    ['no jwks_uri', { jwks_uri: undefined }],
  ])('refuses %s', async (_name, doc) => {
    discovery(server, doc);
    const { source, deps } = setup({ jwks_uri: undefined, issuer: server.url, discovery: true });
    await source.refresh();
    expect(server.count()).toBe(0);
    expect(kids(source)).toEqual([]);
    expect(await outcomes(deps)).toEqual({ invalid: 1 });
  });
});

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!hasOpenssl)('custom CA', () => {
  it('trusts an https JWKS signed by issuer.ca and refuses it without', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyway-ca-'));
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1'],
        ...['-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'],
        ...['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      ],
      { stdio: 'ignore', timeout: 30_000 },
    );
    const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    const tls = await startJwksServer({ key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert });
    try {
      tls.setKeys([keyB.jwk]);
      const io = { readFile: () => cert };
      const config = parseConfig(
        { issuers: [{ name: 'idp', jwks_uri: tls.jwksUrl, ca_file: 'ca.pem', jwks: { retries: 0 } }] },
        'test',
        io,
      );
      const deps: Deps = createTestDeps(config, { clock });
      const withCa = createJwksSource(config.issuers[0]!, deps, createFetchLimiter(1), () => {});
      const withoutCa = createJwksSource(
        { ...config.issuers[0]!, ca: undefined },
        deps,
        createFetchLimiter(1),
        () => {},
      );
      sources.push(withCa, withoutCa);
      await withCa.refresh();
      await withoutCa.refresh();
      expect(kids(withCa)).toEqual(['b']);
      expect(kids(withoutCa)).toEqual([]);
      expect(withoutCa.state().lastError).toMatch(/^network: /);
    } finally {
      await tls.close();
    }
  });
});
