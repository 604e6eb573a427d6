// A flood of bad signatures against a real loopback JWKS: each token costs exactly one signature check (counted on
// the keys' own compiled checks) and the JWKS is never fetched again; failures are not cached, and not retried.
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import type { Config } from '../../src/config/types.js';
import { KeywayError } from '../../src/errors.js';
import { createFetchLimiter } from '../../src/keys/fetch-limiter.js';
import { createIssuerKeyStore } from '../../src/keys/issuer-key-store.js';
import type { IssuerKeyStore, VerificationKey } from '../../src/keys/keys.js';
import { createManualClock } from '../../src/lib/clock.js';
import { createTokenVerifier, type TokenVerifier } from '../../src/verify/verify-token.js';
import { createTestKey, type JwksServer, startJwksServer } from '../helpers/jwks-server.js';
import { createTestDeps } from '../helpers/test-deps.js';
import { HS_SECRET, mint } from '../helpers/tokens.js';

const T0 = 1_700_000_000_000;
const ISS = 'https://idp.flood.test';
const HS_ISS = 'https://hs.flood.test';
const es = createTestKey('es-1');
const rs = createTestKey('rs-1', 'RS256');
const attacker = createTestKey('es-1');

let idp: JwksServer;
const closers: (() => void)[] = [];
beforeEach(async () => {
  idp = await startJwksServer();
  idp.setKeys([es.jwk, rs.jwk]);
});
afterEach(async () => {
  for (const close of closers.splice(0)) close();
  await idp.close();
});

/** The store, with every key's compiled checks counted (the real checks still run). */
function counted(store: IssuerKeyStore, counter: { checks: number }): IssuerKeyStore {
  const wrapped = new WeakMap<VerificationKey, VerificationKey>();
  const wrap = (keys: readonly VerificationKey[]) =>
    keys.map((key) => {
      let out = wrapped.get(key);
      if (!out) {
        const checks = new Map(
          [...key.checks].map(([alg, check]) => [
            alg,
            (input: Uint8Array, signature: Uint8Array) => {
              counter.checks++;
              return check(input, signature);
            },
          ]),
        );
        out = { ...key, checks };
        wrapped.set(key, out);
      }
      return out;
    });
  return {
    ...store,
    candidates: (alg, kid) => store.candidates(alg, kid).then(wrap),
    candidatesNow: (alg, kid) => {
      const keys = store.candidatesNow(alg, kid);
      return keys && wrap(keys);
    },
  };
}

async function setup(): Promise<{ verify: TokenVerifier; counter: { checks: number } }> {
  const config: Config = parseConfig(
    {
      issuers: [
        { name: 'idp', issuer: ISS, jwks_uri: idp.jwksUrl, algorithms: ['ES256', 'RS256'] },
        { name: 'hs', issuer: HS_ISS, hs_secrets: [HS_SECRET] },
      ],
    },
    'test',
    { readFile: () => '' },
  );
  const deps = createTestDeps(config, { clock: createManualClock(T0) });
  const limiter = createFetchLimiter(config.limits.max_concurrent_jwks_fetches);
  const stores = new Map(config.issuers.map((i) => [i.name, createIssuerKeyStore(i, deps, limiter)]));
  for (const store of stores.values()) closers.push(() => store.close());
  await Promise.all([...stores.values()].map((s) => s.start()));
  const counter = { checks: 0 };
  const wrapped = new Map([...stores].map(([name, store]) => [name, counted(store, counter)]));
  return {
    verify: createTokenVerifier(
      config.issuers,
      wrapped,
      { limits: config.limits, maxTokenLifetime: config.revocation.max_token_lifetime },
      deps,
    ),
    counter,
  };
}

const claims = (iss: string) => ({ iss, sub: 'mallory', iat: T0 / 1000, exp: T0 / 1000 + 600 });

/** `token` with its signature replaced by `bytes`. */
const resigned = (token: string, bytes: Buffer) =>
  `${token.slice(0, token.lastIndexOf('.'))}.${bytes.toString('base64url')}`;

async function reason(verify: TokenVerifier, token: string): Promise<string> {
  try {
    await verify(token, undefined);
    return 'allowed';
  } catch (err) {
    return err instanceof KeywayError ? err.reason : 'not a KeywayError';
  }
}

describe('a flood of bad signatures', () => {
  it('costs one check per token and no JWKS fetch: random, short, borrowed and other-key signatures', async () => {
    const { verify, counter } = await setup();
    const fetched = idp.count();
    expect(fetched).toBe(1);
    const esToken = await es.sign(claims(ISS));
    const rsToken = await rs.sign(claims(ISS));
    const hsToken = await mint(claims(HS_ISS), { secret: HS_SECRET });
    const flood = [
      ...Array.from({ length: 100 }, () => resigned(esToken, randomBytes(64))),
      ...Array.from({ length: 50 }, () => resigned(rsToken, randomBytes(256))),
      ...Array.from({ length: 50 }, () => resigned(hsToken, randomBytes(32))),
      ...Array.from({ length: 20 }, (_, i) => resigned(esToken, randomBytes(1 + i))),
      resigned(esToken, Buffer.from(rsToken.split('.')[2]!, 'base64url')),
      ...(await Promise.all(Array.from({ length: 20 }, () => attacker.sign(claims(ISS))))),
    ];
    const reasons = await Promise.all(flood.map((t) => reason(verify, t)));
    expect(new Set(reasons)).toEqual(new Set(['bad_signature']));
    expect(counter.checks).toBe(flood.length);
    expect(idp.count()).toBe(fetched);
  });

  it('the same bad token sent again is checked again, once each time (failures are not cached)', async () => {
    const { verify, counter } = await setup();
    const bad = resigned(await es.sign(claims(ISS)), randomBytes(64));
    for (let i = 1; i <= 5; i++) {
      expect(await reason(verify, bad)).toBe('bad_signature');
      expect(counter.checks).toBe(i);
    }
    expect(idp.count()).toBe(1);
  });

  it('control: a good token is checked once, then answered from the cache without a check', async () => {
    const { verify, counter } = await setup();
    const good = await es.sign(claims(ISS));
    for (let i = 0; i < 5; i++) expect(await reason(verify, good)).toBe('allowed');
    expect(counter.checks).toBe(1);
    // A cache hit needs no promise at all: the decision is a memory lookup.
    expect(verify(good, undefined)).not.toBeInstanceOf(Promise);
  });
});
