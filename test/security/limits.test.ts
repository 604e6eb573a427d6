// Limits and their defaults: limits.max_token_bytes, server.max_header_bytes / request_timeout bounds, and
// limits.max_concurrent_jwks_fetches (one FIFO cap across every issuer, through a real loopback JWKS server).
// The socket-level effects of max_header_bytes and request_timeout are in socket.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import { ConfigError } from '../../src/errors.js';
import { createManualClock } from '../../src/lib/clock.js';
import { type JwksServer, json, startJwksServer } from '../helpers/jwks-server.js';
import { createTestKeyway } from '../helpers/keyway.js';
import {
  b64u,
  claims,
  craft,
  expectAllow,
  expectDeny,
  HS256_SECRET,
  holdKey,
  NOW,
  signer,
} from './fixture.js';

const noFiles = { readFile: () => '' };
const parse = (input: unknown) => parseConfig(input, 'limits-test', noFiles);
const issuer = { name: 'hs', issuer: 'https://hs.test', hs_secrets: [HS256_SECRET] };

/** A validly signed HS256 token of exactly `length` characters. */
function tokenOfLength(length: number): string {
  const header = { alg: 'HS256' };
  const fixed = `${b64u(JSON.stringify(header))}..${'x'.repeat(43)}`.length;
  for (let n = 0; n < length; n++) {
    const payload = JSON.stringify(claims('https://hs.test', { pad: 'x'.repeat(n) }));
    if (fixed + Math.ceil((Buffer.byteLength(payload) * 4) / 3) === length) {
      return craft(header, payload, signer('HS256', HS256_SECRET));
    }
  }
  throw new Error(`no token of length ${length}`);
}

describe('defaults (documented in SECURITY.md and the README)', () => {
  it('max_token_bytes 16384, max_header_bytes 32768, request_timeout 10 s, 4 concurrent JWKS fetches, 1 MiB JWKS bodies, 3 s JWKS timeout', () => {
    const config = parse({ issuers: [{ ...issuer, jwks_uri: 'https://idp.example/jwks' }] });
    expect({
      maxToken: config.limits.max_token_bytes,
      maxHeader: config.server.max_header_bytes,
      requestTimeout: config.server.request_timeout,
      jwksFetches: config.limits.max_concurrent_jwks_fetches,
      jwksBytes: config.issuers[0]!.jwks.max_bytes,
      jwksTimeout: config.issuers[0]!.jwks.timeout,
    }).toEqual({
      maxToken: 16_384,
      maxHeader: 32_768,
      requestTimeout: 10_000,
      jwksFetches: 4,
      jwksBytes: 1_048_576,
      jwksTimeout: 3_000,
    });
  });

  it.each([
    ['limits.max_token_bytes below 256', { limits: { max_token_bytes: 255 } }, 'limits.max_token_bytes'],
    [
      'limits.max_token_bytes above 1 MiB',
      { limits: { max_token_bytes: 1_048_577 } },
      'limits.max_token_bytes',
    ],
    ['server.max_header_bytes below 1024', { server: { max_header_bytes: 1023 } }, 'server.max_header_bytes'],
    [
      'server.max_header_bytes above 1 MiB',
      { server: { max_header_bytes: 1_048_577 } },
      'server.max_header_bytes',
    ],
    [
      'limits.max_concurrent_jwks_fetches 0',
      { limits: { max_concurrent_jwks_fetches: 0 } },
      'limits.max_concurrent_jwks_fetches',
    ],
    [
      'limits.max_concurrent_jwks_fetches above 64',
      { limits: { max_concurrent_jwks_fetches: 65 } },
      'limits.max_concurrent_jwks_fetches',
    ],
  ])('refuses %s, naming the key', (_name, input, key) => {
    expect(() => parse({ ...input, issuers: [issuer] })).toThrow(ConfigError);
    expect(() => parse({ ...input, issuers: [issuer] })).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ path: key, code: 'invalid_value' })] }),
    );
  });
});

describe('limits.max_token_bytes', () => {
  it('a configured 512: a 512-character token → 200, 513 → 401 token_too_large', async () => {
    const kw = await createTestKeyway(
      { limits: { max_token_bytes: 512 }, issuers: [issuer], policies: [{ name: 'api' }] },
      { clock: createManualClock(NOW * 1000) },
    );
    try {
      await expectAllow(await kw.auth({ authorization: `Bearer ${tokenOfLength(512)}` }));
      await expectDeny(
        await kw.auth({ authorization: `Bearer ${tokenOfLength(513)}` }),
        401,
        'token_too_large',
      );
    } finally {
      await kw.close();
    }
  });
});

describe('limits.max_concurrent_jwks_fetches', () => {
  let server: JwksServer;
  const key = holdKey('k', 'ec');
  beforeAll(async () => {
    server = await startJwksServer();
  });
  afterAll(() => server.close());

  it.each([
    [2, 6],
    [1, 4],
  ])('cap %i: %i issuers loading at once never have more fetches in flight', async (cap, issuers) => {
    const before = server.maxInFlight;
    expect(before).toBe(0);
    const names = Array.from({ length: issuers }, (_, i) => `idp${cap}-${i}`);
    // Each issuer's JWKS answers after 150 ms, so uncapped fetches would all overlap.
    for (const name of names)
      server.reply(`/${name}`, { ...json({ keys: [{ ...key.jwk, kid: name }] }), delayMs: 150 });
    const kw = await createTestKeyway(
      {
        limits: { max_concurrent_jwks_fetches: cap },
        issuers: names.map((name) => ({
          name,
          issuer: `https://${name}.test`,
          jwks_uri: `${server.url}/${name}`,
          jwks: { retries: 0 },
        })),
        policies: [{ name: 'api' }],
      },
      { clock: createManualClock(NOW * 1000) },
    );
    try {
      expect(server.maxInFlight).toBeLessThanOrEqual(cap);
      expect(names.map((n) => server.count(`/${n}`))).toEqual(names.map(() => 1));
      for (const name of names) {
        const token = craft(
          { alg: 'ES256', kid: name },
          claims(`https://${name}.test`),
          signer('ES256', key.privateKey),
        );
        await expectAllow(await kw.auth({ authorization: `Bearer ${token}` }));
      }
    } finally {
      await kw.close();
      await server.close();
      server = await startJwksServer();
    }
  });

  it('a flood of 300 concurrent tokens with random kids costs one refetch, within the cap', async () => {
    server.setKeys([key.jwk]);
    server.reply('/jwks', undefined);
    const kw = await createTestKeyway(
      {
        issuers: [
          { name: 'idp', issuer: 'https://idp.test', jwks_uri: server.jwksUrl, jwks: { retries: 0 } },
        ],
        policies: [{ name: 'api' }],
      },
      { clock: createManualClock(NOW * 1000) },
    );
    try {
      const sign = signer('ES256', key.privateKey);
      const tokens = Array.from({ length: 300 }, (_, i) =>
        craft({ alg: 'ES256', kid: `random-${i}` }, claims('https://idp.test'), sign),
      );
      const answers = await Promise.all(tokens.map((t) => kw.auth({ authorization: `Bearer ${t}` })));
      expect(new Set(answers.map((r) => r.headers.get('x-auth-reason')))).toEqual(new Set(['unknown_key']));
      expect(server.count()).toBe(2); // the first load and one refetch shared by all 300
      expect(server.maxInFlight).toBeLessThanOrEqual(4);
    } finally {
      await kw.close();
    }
  });
});
