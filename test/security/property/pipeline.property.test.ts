// Property over the whole pipeline (/auth through app.request, real key stores, a real loopback JWKS): for random
// requests — random headers, random and mutated tokens, tokens signed by strangers, tokens we signed — keyway never
// answers 500, every deny is a documented reason, and every 200 that carries an identity (or any 200 on a policy that
// needs a token) was presented a token string this test signed itself, byte for byte.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REASON_CODES } from '../../../src/errors.js';
import { type JwksServer, startJwksServer } from '../../helpers/jwks-server.js';
import { createTestKeyway, type TestKeyway } from '../../helpers/keyway.js';
import { craft, HS256_SECRET, holdKey, NOW, signer } from '../fixture.js';
import { anyString, b64u, claimsObject, headerObject, jwsish } from './arbitraries.js';

const ec = holdKey('ec-1', 'ec');
const rsa = holdKey('rsa-1', 'rsa');
const stranger = holdKey('ec-1', 'ec');
let jwks: JwksServer;
let kw: TestKeyway;
/** Every token string this test signed with a key keyway trusts. */
const signed = new Set<string>();

beforeAll(async () => {
  jwks = await startJwksServer();
  jwks.setKeys([ec.jwk, rsa.jwk]);
  const { createManualClock } = await import('../../../src/lib/clock.js');
  kw = await createTestKeyway(
    {
      issuers: [
        { name: 'hs', issuer: 'https://hs.test', hs_secrets: [HS256_SECRET] },
        {
          name: 'idp',
          issuer: 'https://idp.test',
          jwks_uri: jwks.jwksUrl,
          jwks: { retries: 0, unknown_kid_cooldown: '1h' },
        },
      ],
      policies: [
        {
          name: 'public',
          match: { hosts: ['public.test'] },
          anonymous: true,
          token_sources: ['bearer', 'cookie:s'],
        },
        { name: 'scoped', match: { hosts: ['scoped.test'] }, scopes: ['read'], claims: { tenant: ['t1'] } },
        {
          name: 'api',
          token_sources: ['bearer', 'cookie:s', 'query:t', 'header:X-JWT'],
          headers: { 'X-Name': 'name', 'X-Groups': 'groups' },
        },
      ],
      default_policy: 'api',
    },
    { clock: createManualClock(NOW * 1000) },
  );
});
afterAll(async () => {
  await kw.close();
  await jwks.close();
});

type Key = 'hs' | 'ec' | 'rsa';
const SIGNERS = {
  hs: ['HS256', () => signer('HS256', HS256_SECRET), 'https://hs.test'],
  ec: ['ES256', () => signer('ES256', ec.privateKey), 'https://idp.test'],
  rsa: ['RS256', () => signer('RS256', rsa.privateKey), 'https://idp.test'],
} as const;

/** A token we sign: sane claims with random extras, or fully random claims and header extras. */
const ours = fc
  .tuple(fc.constantFrom<Key>('hs', 'ec', 'rsa'), claimsObject, fc.boolean(), headerObject)
  .map(([key, random, sane, extraHeader]) => {
    const [alg, sign, iss] = SIGNERS[key];
    const valid = { iss, sub: 'alice', exp: NOW + 600, iat: NOW, tenant: 't1', scope: 'read' };
    const claims = sane ? { ...valid, name: random['name'], groups: random['groups'] } : random;
    const header = sane ? { alg, kid: key === 'hs' ? undefined : `${key}-1` } : { ...extraHeader, alg };
    const token = craft(header, claims, sign());
    signed.add(token);
    return token;
  });

/** A mutation of one of our tokens: one character changed, dropped or added, segments swapped, re-spelled, … */
const mutated = fc
  .tuple(ours, fc.nat(), fc.constantFrom(...'AQgw-_.= +/'.split('')), fc.integer({ min: 0, max: 6 }))
  .map(([token, at, ch, kind]) => {
    const i = at % token.length;
    const [h, p, s] = token.split('.') as [string, string, string];
    switch (kind) {
      case 0:
        return token.slice(0, i) + ch + token.slice(i + 1);
      case 1:
        return token.slice(0, i) + token.slice(i + 1);
      case 2:
        return token.slice(0, i) + ch + token.slice(i);
      case 3:
        return `${p}.${h}.${s}`;
      case 4: {
        // Flip the lowest bit of the last signature character: same bytes when that bit is unused.
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
        return `${h}.${p}.${s.slice(0, -1)}${alphabet[alphabet.indexOf(s.at(-1)!) ^ 1]}`;
      }
      case 5:
        return `${b64u('{"alg":"none"}')}.${p}.${s}`;
      default:
        return `${h}.${b64u(JSON.stringify({ iss: 'https://hs.test', sub: 'admin', exp: NOW + 600 }))}.${s}`;
    }
  });

/** A token keyway must never accept: a stranger's key, a wrong HMAC secret, alg none, or random header/claims. */
const foreign = fc
  .tuple(headerObject, claimsObject, fc.constantFrom('stranger', 'wrong-hs', 'none', 'junk'))
  .map(([header, claims, how]) => {
    if (how === 'stranger')
      return craft({ ...header, alg: 'ES256', kid: 'ec-1' }, claims, signer('ES256', stranger.privateKey));
    if (how === 'wrong-hs')
      return craft({ ...header, alg: 'HS256' }, claims, signer('HS256', `${HS256_SECRET}!`));
    if (how === 'none') return craft({ ...header, alg: 'none' }, claims, '');
    return `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(claims))}.${b64u('sig')}`;
  });

const presented = fc.oneof(
  { weight: 3, arbitrary: ours },
  { weight: 4, arbitrary: mutated },
  { weight: 3, arbitrary: foreign },
  { weight: 2, arbitrary: jwsish(120) },
  { weight: 1, arbitrary: anyString(60) },
);

/** Where the token goes, and the rest of the forwarded request. */
const requestArb = fc.record({
  token: fc.option(presented, { nil: undefined }),
  source: fc.constantFrom('bearer', 'bearer-lower', 'cookie', 'query', 'header', 'twice'),
  host: fc.constantFrom('api.test', 'public.test', 'scoped.test', 'PUBLIC.TEST.', 'public.test:443'),
  uri: fc.oneof(
    fc.constantFrom('/items', '/public/../admin', '/%2e%2e/x', '//x'),
    jwsish(30).map((s) => `/${s}`),
  ),
  policy: fc.option(fc.constantFrom('api', 'public', 'scoped', 'nope'), { nil: undefined }),
  extra: fc.dictionary(
    fc.constantFrom('x-auth-subject', 'x-route-upstream', 'x-request-id', 'x-forwarded-method', 'cookie'),
    jwsish(30),
    { maxKeys: 3 },
  ),
});

/** Header values cannot carry CR, LF or NUL (the Fetch API refuses them; Node's parser too): drop such requests. */
const sendable = (v: string) => [...v].every((c) => c.charCodeAt(0) <= 0xff && !'\r\n\u0000'.includes(c));

describe('the whole pipeline (property)', () => {
  it('never a 500; every deny is a documented reason; every identity-bearing 200 was presented a token we signed', async () => {
    const seen = { verified: 0, denied: 0 };
    await fc.assert(
      fc.asyncProperty(requestArb, async (r) => {
        const headers: Record<string, string> = {
          ...r.extra,
          'x-forwarded-host': r.host,
          'x-forwarded-uri': r.uri,
        };
        const t = r.token;
        if (t !== undefined) {
          if (r.source === 'bearer') headers['authorization'] = `Bearer ${t}`;
          if (r.source === 'bearer-lower') headers['authorization'] = `bearer ${t}`;
          if (r.source === 'twice') headers['authorization'] = `Bearer ${t}, Bearer ${t}`;
          if (r.source === 'cookie') headers['cookie'] = `s=${t}`;
          if (r.source === 'header') headers['x-jwt'] = t;
          if (r.source === 'query')
            headers['x-forwarded-uri'] = `/items?t=${Buffer.from(t)
              .toString('latin1')
              .replace(/[^A-Za-z0-9._~-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}`;
        }
        fc.pre(Object.values(headers).every(sendable));
        const res = await kw.auth(headers, r.policy ? `/auth/${r.policy}` : '/auth');
        expect([200, 401, 403, 429, 503]).toContain(res.status);
        if (res.status !== 200) {
          seen.denied++;
          const reason = res.headers.get('x-auth-reason');
          expect(REASON_CODES).toContain(reason);
          expect(await res.json()).toMatchObject({ reason });
          return;
        }
        const subject = res.headers.get('x-auth-subject');
        const identity =
          subject !== '' ||
          res.headers.get('x-auth-issuer') !== '' ||
          res.headers.get('x-auth-token-id') !== '';
        const anonymousPolicy =
          r.policy === 'public' || (r.policy === undefined && /^public\.test\.?(:443)?$/i.test(r.host));
        if (identity) seen.verified++;
        if (identity || !anonymousPolicy) {
          // The only token keyway can have verified is the one we put in the request, exactly as we signed it.
          expect(t !== undefined && r.source !== 'twice' && signed.has(t)).toBe(true);
        }
        // A client's forged identity header is never echoed.
        if (r.extra['x-auth-subject'] !== undefined && !identity) expect(subject).toBe('');
      }),
      { numRuns: 600 },
    );
    // Not vacuous: both verified allows and denies were exercised. About 28 of the 600 runs are verified allows on
    // average (ours × a source the policy reads × a policy that needs a token); > 5 leaves room for chance.
    expect(seen.verified).toBeGreaterThan(5);
    expect(seen.denied).toBeGreaterThan(200);
  });
});
