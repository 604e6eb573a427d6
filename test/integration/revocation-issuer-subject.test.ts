// Revoking one issuer's subject ({"iss","sub"}) next to the issuer-wide subject revocation, through /auth, the admin API
// and `keyway revoke`, on a real Redis: issuer A's token denied, issuer B's token with the same sub allowed.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRevokeCommand } from '../../src/cli/revoke.js';
import { buildAdminApp } from '../../src/http/admin-app.js';
import { createRevocationAdminRoutes } from '../../src/http/admin-revocations.js';
import type { RevocationGuard } from '../../src/revocation/guard.js';
import type { TestKeyway } from '../helpers/keyway.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';
import { mint, nowSeconds } from '../helpers/tokens.js';
import { waitFor } from '../helpers/wait-for.js';
import { startKeywayWithGuard } from './revocation-helpers.js';

const ADMIN = 'issuer-subject-admin-token-0123456789';
// Issuer names chosen so that a naive "iss:sub" key would collide: ("a:b", "c") vs ("a", "b:c").
const ISS_A = 'https://a.test/t:x';
const ISS_B = 'https://a.test/t';
const SECRET_A = 'issuer-a-secret-0123456789-abcdefghij';
const SECRET_B = 'issuer-b-secret-0123456789-abcdefghij';

describe('subject revocation of one issuer (real Redis, /auth)', () => {
  let redis: RedisServer;
  let kw: TestKeyway;
  let guard: RevocationGuard;
  let other: { kw: TestKeyway; guard: RevocationGuard };
  const auth = async (token: string, on: TestKeyway = kw) =>
    on.auth({ 'x-forwarded-host': 'app.test', 'x-forwarded-uri': '/', authorization: `Bearer ${token}` });
  const tokenOf = (iss: string, sub: string, iat = nowSeconds() - 30) =>
    mint({ iss, sub, aud: 'api', iat }, { secret: iss === ISS_A ? SECRET_A : SECRET_B });
  const admin = () =>
    buildAdminApp({ adminToken: ADMIN }, [
      { path: 'revocations', app: createRevocationAdminRoutes(guard, kw.deps, async () => ({})) },
    ]);
  const post = (body: unknown) =>
    admin().request('/admin/revocations', {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const reason = async (token: string, on?: TestKeyway) =>
    (await auth(token, on)).headers.get('x-auth-reason');
  const start = () =>
    startKeywayWithGuard({
      issuers: [
        { name: 'a', issuer: ISS_A, hs_secrets: [SECRET_A], audiences: ['api'] },
        { name: 'b', issuer: ISS_B, hs_secrets: [SECRET_B], audiences: ['api'] },
      ],
      policies: [{ name: 'app', match: { hosts: ['app.test'] } }],
      revocation: { redis_url: redis.url, heartbeat: '100ms', max_staleness: '1s' },
    });

  beforeAll(async () => {
    redis = await startRedis();
    ({ kw, guard } = await start());
    other = await start();
  });
  afterAll(async () => {
    for (const g of [guard, other?.guard]) await g?.close();
    await kw?.close();
    await other?.kw.close();
    await redis?.close();
  });

  it('admin API {"iss","sub"}: A\'s token of that sub is 401 revoked on both instances, B\'s token of the same sub 200', async () => {
    const res = await post({ iss: ISS_A, sub: 'b:c', reason: 'compromised at A' });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { revoked: unknown }).revoked).toMatchObject({
      type: 'sub',
      iss: ISS_A,
      sub: 'b:c',
    });
    const a = await tokenOf(ISS_A, 'b:c');
    const b = await tokenOf(ISS_B, 'b:c');
    expect(await reason(a)).toBe('revoked');
    expect((await auth(b)).status).toBe(200);
    // The colliding pair ("https://a.test/t", "x:b:c") is another subject.
    expect((await auth(await tokenOf(ISS_B, 'x:b:c'))).status).toBe(200);
    // The other instance learns it from the feed.
    await waitFor('the other instance to deny A’s token', () => {
      try {
        other.guard.check({ iss: ISS_A, sub: 'b:c', iat: nowSeconds() - 30 }, 'closed');
        return false;
      } catch {
        return true;
      }
    });
    expect(await reason(a, other.kw)).toBe('revoked');
    expect((await auth(b, other.kw)).status).toBe(200);
    // A token of A issued after `before` passes.
    expect((await auth(await tokenOf(ISS_A, 'b:c', nowSeconds() + 1))).status).toBe(200);
  });

  it('issuer-wide {"sub"} still denies the subject of every issuer', async () => {
    expect((await post({ sub: 'everywhere' })).status).toBe(201);
    expect(await reason(await tokenOf(ISS_A, 'everywhere'))).toBe('revoked');
    expect(await reason(await tokenOf(ISS_B, 'everywhere'))).toBe('revoked');
  });

  it('keyway revoke --sub --iss (direct to Redis) revokes only that issuer’s subject; --list shows iss', async () => {
    const lines: string[] = [];
    const env = { REDIS_URL: redis.url, USER: 'tester' };
    const code = await runRevokeCommand(['--sub', 'carol', '--iss', ISS_B], env, (l) => lines.push(l));
    expect({ code, out: lines.join('\n') }).toMatchObject({
      code: 0,
      out: expect.stringContaining(`of issuer ${ISS_B}`),
    });
    await waitFor('the instance to learn it', () => {
      try {
        guard.check({ iss: ISS_B, sub: 'carol', iat: nowSeconds() - 30 }, 'closed');
        return false;
      } catch {
        return true;
      }
    });
    expect(await reason(await tokenOf(ISS_B, 'carol'))).toBe('revoked');
    expect((await auth(await tokenOf(ISS_A, 'carol'))).status).toBe(200);
    const listed: string[] = [];
    expect(await runRevokeCommand(['--list'], env, (l) => listed.push(l))).toBe(0);
    const items = listed
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(items).toContainEqual(
      expect.objectContaining({ type: 'sub', sub: 'carol', iss: ISS_B, actor: 'cli:tester' }),
    );
    expect(items).toContainEqual(expect.objectContaining({ type: 'sub', sub: 'everywhere' }));
    expect(items.find((i) => i['sub'] === 'everywhere')).not.toHaveProperty('iss');
    // --iss without --sub is a usage error, not a jti revocation scoped to nothing.
    const bad: string[] = [];
    expect(
      await runRevokeCommand(['--jti', 'j', '--exp', '2000000000', '--iss', ISS_A], env, (l) => bad.push(l)),
    ).toBe(2);
  });

  it('bad iss answers 400 invalid_iss', async () => {
    for (const iss of ['', 7, 'x\u0000y', 'i'.repeat(1025)]) {
      const res = await post({ iss, sub: 'x' });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { reason: string }).reason).toBe('invalid_iss');
    }
  });

  it('Redis lost the entry: the mirror writes it back (re-seed) and a new instance denies it again', async () => {
    const direct = new Redis(redis.url);
    const key = '{keyway:rev}:isubs';
    try {
      await direct.flushall();
      await waitFor(
        'the re-seed',
        async () => (await direct.zscore(key, JSON.stringify([ISS_A, 'b:c']))) !== null,
        10_000,
        20,
      );
    } finally {
      direct.disconnect();
    }
    const fresh = await start();
    try {
      expect(await reason(await tokenOf(ISS_A, 'b:c'), fresh.kw)).toBe('revoked');
      expect((await auth(await tokenOf(ISS_B, 'b:c'), fresh.kw)).status).toBe(200);
    } finally {
      await fresh.guard.close();
      await fresh.kw.close();
    }
  });
});
