// explain names the failed check as expected vs actual for every claim check (aud, iss, exp/nbf/iat with the clock
// and leeway, typ, required claims, claim allowlists, scopes, alg, kid, signature) — never the token or a secret —
// through the in-process runtime, POST /admin/explain and the CLI.
import { afterAll, describe, expect, it } from 'vitest';
import { type ExplainContext, explain, explainInput } from '../../src/explain/explain.js';
import { recordOutput } from '../helpers/audit.js';
import { spawnCli } from '../helpers/cli.js';
import { createTestKeyway } from '../helpers/keyway.js';
import { createKeyPair, HS_SECRET, mint } from '../helpers/tokens.js';

const NOW = 1_800_000_000;
const at = (s: number) => new Date(s * 1000).toISOString();
const TYPED_SECRET = 'typed-hs-secret-0123456789-abcdefghij';

const es = await createKeyPair('ES256', 'es-1');
const stranger = await createKeyPair('ES256', 'es-1');
const kw = await createTestKeyway(
  {
    issuers: [
      {
        name: 'hs',
        issuer: 'https://hs.test',
        hs_secrets: [HS_SECRET],
        audiences: ['orders', 'billing'],
        required_claims: ['tenant'],
        max_token_age: '1h',
        leeway: '30s',
      },
      { name: 'typed', issuer: 'https://typed.test', hs_secrets: [TYPED_SECRET], typ: 'at+jwt' },
      { name: 'es', issuer: 'https://es.test', keys: [{ jwk: es.publicJwk }], algorithms: ['ES256'] },
    ],
    policies: [
      { name: 'p', issuers: ['hs'], claims: { role: ['admin', 'ops'] }, scopes: ['orders:read'] },
      { name: 'billing', issuers: ['hs'], audiences: ['billing'] },
      { name: 'typed', issuers: ['typed'] },
      { name: 'es', issuers: ['es'] },
      { name: 'cookie', issuers: ['hs'], token_sources: ['cookie:session'] },
    ],
  },
  { clock: () => NOW * 1000 },
);
const context: ExplainContext = kw.runtime;
afterAll(() => kw.close());

const hs = (claims: Record<string, unknown>) =>
  mint(
    {
      iss: 'https://hs.test',
      aud: 'orders',
      tenant: 't1',
      role: 'admin',
      scope: 'orders:read',
      iat: NOW,
      exp: NOW + 600,
      ...claims,
    },
    { secret: HS_SECRET },
  );

interface Case {
  readonly name: string;
  readonly token: () => Promise<string>;
  readonly policy: string;
  readonly reason: string;
  readonly checks: readonly Record<string, unknown>[];
}

const CASES: readonly Case[] = [
  {
    name: 'aud against the issuer’s audiences',
    token: () => hs({ aud: ['a'] }),
    policy: 'p',
    reason: 'bad_audience',
    checks: [
      {
        check: 'aud',
        actual: ['a'],
        expected: { any_of: ['orders', 'billing'] },
        note: 'issuer hs: audiences',
      },
    ],
  },
  {
    name: 'aud against the policy’s audiences',
    token: () => hs({ aud: 'orders' }),
    policy: 'billing',
    reason: 'bad_audience',
    checks: [
      {
        check: 'aud',
        actual: ['orders'],
        expected: { any_of: ['billing'] },
        note: "policy billing: audiences (within issuer hs's)",
      },
    ],
  },
  {
    name: 'iss',
    token: () => hs({ iss: 'https://other.test' }),
    policy: 'p',
    reason: 'bad_issuer',
    checks: [
      {
        check: 'iss',
        actual: 'https://other.test',
        expected: { any_of: ['https://hs.test'] },
        note: 'policy p: issuers',
      },
    ],
  },
  {
    name: 'exp, with the clock and the leeway',
    token: () => hs({ iat: NOW - 200, exp: NOW - 100 }),
    policy: 'p',
    reason: 'expired',
    checks: [
      {
        check: 'exp',
        actual: `${at(NOW - 100)} (${NOW - 100})`,
        expected: `after ${at(NOW - 30)} (now − leeway)`,
        now: at(NOW),
        leeway: '30s',
      },
    ],
  },
  {
    name: 'nbf',
    token: () => hs({ nbf: NOW + 100 }),
    policy: 'p',
    reason: 'not_yet_valid',
    checks: [
      {
        check: 'nbf',
        actual: `${at(NOW + 100)} (${NOW + 100})`,
        expected: `at or before ${at(NOW + 30)} (now + leeway)`,
        now: at(NOW),
        leeway: '30s',
      },
    ],
  },
  {
    name: 'iat in the future',
    token: () => hs({ iat: NOW + 100 }),
    policy: 'p',
    reason: 'issued_in_future',
    checks: [
      {
        check: 'iat',
        actual: `${at(NOW + 100)} (${NOW + 100})`,
        expected: `at or before ${at(NOW + 30)} (now + leeway)`,
      },
    ],
  },
  {
    name: 'iat older than max_token_age',
    token: () => hs({ iat: NOW - 7200, exp: NOW + 60 }),
    policy: 'p',
    reason: 'token_too_old',
    checks: [
      {
        check: 'iat',
        actual: `${at(NOW - 7200)} (${NOW - 7200})`,
        expected: `at or after ${at(NOW - 30 - 3600)} (now − leeway − max_token_age 3600s)`,
      },
    ],
  },
  {
    name: 'exp − iat over max_token_lifetime',
    token: () => hs({ exp: NOW + 2 * 86_400 }),
    policy: 'p',
    reason: 'lifetime_too_long',
    checks: [
      { check: 'exp − iat', actual: '172800s', expected: 'at most 86400s (revocation.max_token_lifetime)' },
    ],
  },
  {
    name: 'typ',
    token: () => mint({ iss: 'https://typed.test', iat: NOW, exp: NOW + 60 }, { secret: TYPED_SECRET }),
    policy: 'typed',
    reason: 'bad_type',
    checks: [{ check: 'typ', actual: 'JWT', expected: { any_of: ['at+jwt'] } }],
  },
  {
    name: 'a required claim',
    token: () => hs({ tenant: undefined }),
    policy: 'p',
    reason: 'missing_claim',
    checks: [
      { check: 'claim tenant', actual: null, expected: 'present', note: 'issuer hs: required_claims' },
    ],
  },
  {
    name: 'a claim allowlist',
    token: () => hs({ role: 'guest' }),
    policy: 'p',
    reason: 'claim_mismatch',
    checks: [{ check: 'claim role', actual: 'guest', expected: { any_of: ['admin', 'ops'] } }],
  },
  {
    name: 'scopes',
    token: () => hs({ scope: 'orders:write profile' }),
    policy: 'p',
    reason: 'insufficient_scope',
    checks: [
      {
        check: 'scope',
        actual: ['orders:write', 'profile'],
        expected: { all_of: ['orders:read'] },
        note: 'missing: orders:read',
      },
    ],
  },
  {
    name: 'alg against the issuer’s algorithms',
    token: () => mint({ iss: 'https://es.test', iat: NOW, exp: NOW + 60 }, { secret: HS_SECRET }),
    policy: 'es',
    reason: 'alg_not_allowed',
    checks: [
      { check: 'alg', actual: 'HS256', expected: { any_of: ['ES256'] }, note: 'issuer es: algorithms' },
    ],
  },
  {
    name: 'kid against the known kids',
    token: () => mint({ iss: 'https://es.test', iat: NOW, exp: NOW + 60 }, { ...es, kid: 'rotated-away' }),
    policy: 'es',
    reason: 'unknown_key',
    checks: [
      { check: 'kid', actual: { kid: 'rotated-away', alg: 'ES256' }, expected: { any_of: ['es-1: ES256'] } },
    ],
  },
  {
    name: 'a signature by another key with the same kid',
    token: () => mint({ iss: 'https://es.test', iat: NOW, exp: NOW + 60 }, stranger),
    policy: 'es',
    reason: 'bad_signature',
    checks: [
      {
        check: 'signature',
        actual: { kid: 'es-1', alg: 'ES256' },
        expected: 'a signature by one of: es-1: ES256',
      },
    ],
  },
];

describe('explain: the failed check as expected vs actual', () => {
  it.each(CASES)('$name → $reason', async ({ token, policy, reason, checks }) => {
    const t = await token();
    const result = await explain(context, explainInput.parse({ token: t, policy }));
    const text = JSON.stringify(result);
    recordOutput('response', text);
    expect(result).toMatchObject({ result: 'deny', reason });
    expect(result['checks']).toHaveLength(checks.length);
    expect(result['checks']).toMatchObject(checks);
    expect(text).not.toContain(t);
    expect(text).not.toContain(t.split('.')[2]!);
  });

  it('reports the token’s alg/kid/typ and registered claims with times, on allow and deny', async () => {
    const t = await hs({});
    const result = await explain(context, explainInput.parse({ token: t, policy: 'p' }));
    recordOutput('response', JSON.stringify(result));
    expect(result).toMatchObject({
      result: 'allow',
      token: {
        alg: 'HS256',
        typ: 'JWT',
        iss: 'https://hs.test',
        aud: 'orders',
        exp: `${at(NOW + 600)} (${NOW + 600})`,
        issuer: 'hs',
      },
    });
  });

  it('reads the token where the policy does (a cookie), as the decision did', async () => {
    const t = await hs({ aud: 'elsewhere' });
    const result = await explain(
      context,
      explainInput.parse({ policy: 'cookie', headers: { Cookie: `session=${t}` } }),
    );
    const text = JSON.stringify(result);
    recordOutput('response', text);
    expect(result).toMatchObject({
      reason: 'bad_audience',
      checks: [{ check: 'aud', actual: ['elsewhere'], expected: { any_of: ['orders', 'billing'] } }],
      token: { iss: 'https://hs.test', aud: 'elsewhere' },
    });
    expect(text).not.toContain(t);
  });

  it('a token too large to parse: its size against limits.max_token_bytes', async () => {
    const t = `${await hs({ pad: 'x'.repeat(20_000) })}`;
    const result = await explain(context, explainInput.parse({ token: t, policy: 'p' }));
    recordOutput('response', JSON.stringify(result));
    expect(result).toMatchObject({
      reason: 'token_too_large',
      checks: [
        {
          check: 'size',
          actual: `${t.length} bytes`,
          expected: 'at most 16384 bytes (limits.max_token_bytes)',
        },
      ],
    });
    expect(result).not.toHaveProperty('token');
  });

  it('POST /admin/explain shows the same checks', async () => {
    const { createExplainAdminRoutes } = await import('../../src/http/admin-explain.js');
    const app = createExplainAdminRoutes(() => context);
    const t = await hs({ aud: ['a'] });
    const res = await app.request('/', {
      method: 'POST',
      body: JSON.stringify({ token: t, policy: 'p' }),
      headers: { 'content-type': 'application/json' },
    });
    const text = await res.text();
    recordOutput('response', text);
    expect(res.status).toBe(200);
    expect(JSON.parse(text)).toMatchObject({
      reason: 'bad_audience',
      checks: [{ check: 'aud', actual: ['a'], expected: { any_of: ['orders', 'billing'] } }],
    });
    expect(text).not.toContain(t);
  });
});

describe('keyway explain (the CLI) shows the checks', () => {
  it('aud expected vs actual, exit 3, without the token', async () => {
    const t = await mint({ iss: 'https://cli.test', aud: ['a'] }, { secret: HS_SECRET });
    const r = await spawnCli(
      ['explain', '--token-file', '-'],
      {
        KEYWAY_ISSUER: 'https://cli.test',
        KEYWAY_HS_SECRET: HS_SECRET,
        KEYWAY_AUDIENCE: 'b',
      },
      t,
    );
    recordOutput('response', r.stdout + r.stderr);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({
      reason: 'bad_audience',
      checks: [{ check: 'aud', actual: ['a'], expected: { any_of: ['b'] } }],
    });
    expect(r.stdout).not.toContain(t);
  });
});
