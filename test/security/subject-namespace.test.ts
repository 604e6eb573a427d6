// Per-subject state is keyed by issuer + sub: one issuer's token cannot drain or steer another issuer's subject.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKeyway, type TestKeyway } from '../helpers/keyway.js';
import { mint } from '../helpers/tokens.js';

const SECRETS = {
  idp: 'idp-secret-0123456789-abcdefghijklmnop',
  internal: 'internal-secret-0123456789-abcdefghijk',
  team: 'team-secret-0123456789-abcdefghijklmnopq',
  teamOps: 'team-ops-secret-0123456789-abcdefghijkl',
};
const UPSTREAMS = Array.from({ length: 8 }, (_, i) => `10.0.0.${i + 1}:8080`);
let kw: TestKeyway;

beforeAll(async () => {
  kw = await createTestKeyway({
    issuers: [
      { name: 'idp', issuer: 'https://idp.test', hs_secrets: [SECRETS.idp] },
      { name: 'internal', issuer: 'https://internal.test', hs_secrets: [SECRETS.internal] },
      // Names and subs that a naive "issuer:sub" key would confuse: team + "ops:alice" vs team:ops + "alice".
      { name: 'team', issuer: 'https://team.test', hs_secrets: [SECRETS.team] },
      { name: 'team:ops', issuer: 'https://team.test/ops', hs_secrets: [SECRETS.teamOps] },
    ],
    policies: [
      { name: 'limited', match: { hosts: ['limited.test'] }, rate_limit: { requests: 2, per: '1m' } },
      {
        name: 'open',
        match: { hosts: ['open.test'] },
        anonymous: true,
        rate_limit: { requests: 1, per: '1m', by: 'subject' },
      },
      { name: 'routed', match: { hosts: ['routed.test'] } },
    ],
    routing: { default_upstreams: UPSTREAMS, health: { enabled: false } },
  });
});
afterAll(() => kw.close());

const as = async (issuer: keyof typeof SECRETS, iss: string, sub: string) =>
  `Bearer ${await mint({ iss, sub }, { secret: SECRETS[issuer] })}`;
const call = (host: string, authorization?: string, ip = '198.51.100.7') =>
  kw.auth({
    'x-forwarded-host': host,
    'x-forwarded-uri': '/items',
    'x-forwarded-for': ip,
    ...(authorization ? { authorization } : {}),
  });
const statuses = async (host: string, authorization: string | undefined, n: number, ip?: string) => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await call(host, authorization, ip)).status);
  return out;
};

describe('rate-limit buckets are per issuer + subject', () => {
  it('another issuer’s token with the same sub does not drain the victim’s bucket', async () => {
    const attacker = await as('internal', 'https://internal.test', 'victim-42');
    const victim = await as('idp', 'https://idp.test', 'victim-42');
    expect(await statuses('limited.test', attacker, 3)).toEqual([200, 200, 429]);
    expect(await statuses('limited.test', victim, 3)).toEqual([200, 200, 429]);
  });

  it('issuer names and subs containing the separator of a naive key stay apart', async () => {
    const a = await as('team', 'https://team.test', 'ops:alice');
    const b = await as('teamOps', 'https://team.test/ops', 'alice');
    expect(await statuses('limited.test', a, 3)).toEqual([200, 200, 429]);
    expect(await statuses('limited.test', b, 2)).toEqual([200, 200]);
  });

  it('a sub spelled like a client IP does not drain that IP’s anonymous bucket', async () => {
    const ip = '203.0.113.9';
    const lookalike = await as('idp', 'https://idp.test', ip);
    expect(await statuses('open.test', lookalike, 2, '192.0.2.1')).toEqual([200, 429]);
    expect(await statuses('open.test', undefined, 2, ip)).toEqual([200, 429]);
  });
});

describe('sticky routing is per issuer + subject', () => {
  const upstreamOf = async (authorization: string) => {
    const res = await call('routed.test', authorization);
    expect(res.status).toBe(200);
    return res.headers.get('x-route-upstream');
  };

  it('equal subs of two issuers are placed independently, each stably', async () => {
    const differ: string[] = [];
    for (let i = 0; i < 16; i++) {
      const sub = `user-${i}`;
      const idp = await as('idp', 'https://idp.test', sub);
      const internal = await as('internal', 'https://internal.test', sub);
      const first = await upstreamOf(idp);
      expect(UPSTREAMS).toContain(first);
      // Stable for one subject: a fresh token of the same issuer and sub lands on the same upstream.
      expect(await upstreamOf(await as('idp', 'https://idp.test', sub))).toBe(first);
      if ((await upstreamOf(internal)) !== first) differ.push(sub);
    }
    // With `sub` alone as the key every pair would share its upstream (16 of 16); keyed by issuer, 1 in 8 do.
    expect(differ.length).toBeGreaterThan(8);
  });
});
