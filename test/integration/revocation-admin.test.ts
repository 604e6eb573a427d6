// Admin revocation API via buildAdminApp and app.request(): auth, 400s, 201/200/404, paging, Redis down (503, no write).
import { execFileSync } from 'node:child_process';
import { decodeJwt, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAdminApp } from '../../src/http/admin-app.js';
import { createRevocationAdminRoutes } from '../../src/http/admin-revocations.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait-for.js';
import { nowSec, outcome, startGuard, type TestGuard } from './revocation-helpers.js';

const ADMIN_TOKEN = 'admin-token-0123456789abcdef';
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
const json = { ...auth, 'content-type': 'application/json' };
// The pipeline owner passes a verifying function; parsing is enough to exercise the route.
const parseToken = async (token: string) => {
  const c = decodeJwt(token);
  return { jti: c.jti, exp: c.exp, sub: c.sub };
};
/** What open mode answers for claims the mirror does not deny: 'ok', or 'stale_allowed' while the heartbeats are behind
 *  (a busy CPU, or the synchronous redis-cli calls below): whether a token is revoked does not depend on freshness. */
const NOT_REVOKED = /^(ok|stale_allowed)$/;
const token = (claims: Record<string, unknown>) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('k'.repeat(32)));

describe('admin revocation API (real Redis)', () => {
  let redis: RedisServer;
  let a: TestGuard;
  let b: TestGuard;
  let app: ReturnType<typeof buildAdminApp>;
  const post = (body: unknown, headers: Record<string, string> = json) =>
    app.request('/admin/revocations', {
      method: 'POST',
      headers,
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  beforeAll(async () => {
    redis = await startRedis();
    a = await startGuard({ redis_url: redis.url });
    b = await startGuard({ redis_url: redis.url });
    // start() awaits only the first attempt: the first instance on a new Redis may still be in the empty-store grace.
    await waitFor('both loaded', () => a.guard.readiness.check().ok && b.guard.readiness.check().ok);
    app = buildAdminApp({ adminToken: ADMIN_TOKEN }, [
      { path: 'revocations', app: createRevocationAdminRoutes(a.guard, a.deps, parseToken) },
    ]);
  });
  afterAll(async () => {
    await a?.guard.close();
    await b?.guard.close();
    await redis?.close();
  });

  it.each<{ name: string; method: string; headers: Record<string, string> }>([
    { name: 'POST without a token', method: 'POST', headers: { 'content-type': 'application/json' } },
    {
      name: 'POST with a wrong token',
      method: 'POST',
      headers: { authorization: 'Bearer wrong-token-0123456789' },
    },
    { name: 'GET with a wrong scheme', method: 'GET', headers: { authorization: `Basic ${ADMIN_TOKEN}` } },
    { name: 'DELETE without a token', method: 'DELETE', headers: {} },
  ])('$name → 401, nothing written', async ({ method, headers }) => {
    const path = method === 'DELETE' ? '/admin/revocations/x' : '/admin/revocations';
    const res = await app.request(path, {
      method,
      headers,
      body: method === 'POST' ? '{"sub":"nobody"}' : undefined,
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'unauthorized', reason: 'admin_token_required' });
    expect(outcome(a.guard, { sub: 'nobody', iat: 0 }, 'open')).toMatch(NOT_REVOKED);
  });

  it.each([
    { name: 'not JSON', body: 'jti=abc', reason: 'invalid_json' },
    { name: 'a JSON array', body: [], reason: 'invalid_body' },
    { name: 'no target', body: { reason: 'x' }, reason: 'missing_target' },
    { name: 'two targets', body: { jti: 'x', exp: 1, sub: 'y' }, reason: 'ambiguous_target' },
    { name: 'unknown key', body: { sub: 'y', iat: 1 }, reason: 'invalid_body' },
    { name: 'jti without exp', body: { jti: 'x' }, reason: 'invalid_exp' },
    { name: 'exp as a date string', body: { jti: 'x', exp: '2030-01-01' }, reason: 'invalid_exp' },
    { name: 'empty jti', body: { jti: '', exp: 1 }, reason: 'invalid_jti' },
    { name: 'sub as a number', body: { sub: 42 }, reason: 'invalid_sub' },
    { name: 'iss as a number', body: { iss: 1, sub: 'y' }, reason: 'invalid_iss' },
    { name: 'before in the wrong unit', body: { sub: 'y', before: 1.5 }, reason: 'invalid_before' },
    { name: 'token that does not parse', body: { token: 'not-a-jwt' }, reason: 'token_not_verified' },
  ])('POST $name → 400 $reason', async ({ body, reason }) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    const payload = (await res.json()) as Record<string, unknown>;
    expect(payload).toMatchObject({ error: 'bad_request', reason });
    expect(typeof payload['detail']).toBe('string');
  });

  it('POST a token without jti → 400 token_without_jti; an oversized body → 413', async () => {
    const res = await post({ token: await token({ sub: 'x', exp: nowSec() + 60 }) });
    expect(await res.json()).toMatchObject({ reason: 'token_without_jti' });
    const big = await post({ sub: 'x', reason: 'r'.repeat(200_000) });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ reason: 'body_too_large' });
  });

  it('POST {jti, exp} → 201 after Redis acknowledged; the other instance denies it', async () => {
    const exp = nowSec() + 600;
    const res = await post({ jti: 'api-1', exp, reason: 'leaked', actor: 'alice' });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ revoked: { type: 'jti', jti: 'api-1', exp } });
    expect(outcome(a.guard, { jti: 'api-1' })).toBe('revoked');
    await waitFor('B to deny api-1', () => outcome(b.guard, { jti: 'api-1' }) === 'revoked');
  });

  it('POST {token} revokes its jti until its exp; POST {sub} without before means now', async () => {
    const exp = nowSec() + 300;
    const res = await post({ token: await token({ jti: 'tok-1', sub: 'u', exp }) });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ revoked: { type: 'jti', jti: 'tok-1', exp } });
    const t0 = nowSec();
    const sub = await post({ sub: 'erin' });
    const t1 = nowSec();
    expect(sub.status).toBe(201);
    const { revoked } = (await sub.json()) as { revoked: { before: number } };
    expect(revoked.before).toBeGreaterThanOrEqual(t0);
    expect(revoked.before).toBeLessThanOrEqual(t1);
    await waitFor(
      'B to deny erin',
      () => outcome(b.guard, { sub: 'erin', iat: revoked.before }) === 'revoked',
    );
  });

  it('GET pages through every entry with audit details; bad limit or cursor → 400', async () => {
    for (let i = 0; i < 5; i++)
      expect((await post({ jti: `page-${i}`, exp: nowSec() + 900 + i })).status).toBe(201);
    const seen: Record<string, unknown>[] = [];
    let cursor = '';
    for (let i = 0; i < 20; i++) {
      const res = await app.request(`/admin/revocations?limit=3&cursor=${cursor}`, { headers: auth });
      expect(res.status).toBe(200);
      const page = (await res.json()) as { items: Record<string, unknown>[]; next: string | null };
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items);
      if (page.next === null) break;
      cursor = page.next;
    }
    expect(seen.filter((e) => String(e['jti']).startsWith('page-'))).toHaveLength(5);
    expect(seen.find((e) => e['jti'] === 'api-1')).toMatchObject({
      type: 'jti',
      reason: 'leaked',
      actor: 'alice',
    });
    expect(seen.find((e) => e['sub'] === 'erin')).toMatchObject({ type: 'sub' });
    for (const [query, reason] of [
      ['limit=0', 'invalid_limit'],
      ['limit=abc', 'invalid_limit'],
      ['limit=5000', 'invalid_limit'],
      ['cursor=bogus', 'invalid_cursor'],
    ]) {
      const res = await app.request(`/admin/revocations?${query}`, { headers: auth });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'bad_request', reason });
    }
  });

  it('DELETE /:jti → 200 and the token works again everywhere; a second DELETE → 404', async () => {
    expect((await post({ jti: 'odd/jti with space', exp: nowSec() + 60 })).status).toBe(201);
    const path = `/admin/revocations/${encodeURIComponent('odd/jti with space')}`;
    const res = await app.request(path, { method: 'DELETE', headers: auth });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ jti: 'odd/jti with space', removed: true });
    const again = await app.request(path, { method: 'DELETE', headers: auth });
    expect(again.status).toBe(404);
    expect(await again.json()).toMatchObject({ error: 'not_found', reason: 'not_revoked' });
    await waitFor('B to allow it again', () => outcome(b.guard, { jti: 'odd/jti with space' }) === 'ok');
  });

  it('DELETE of a jti no POST could have written (control characters, over 1,024 characters) → 400 invalid_jti', async () => {
    for (const jti of ['bad\u0001jti', 'x'.repeat(1025)]) {
      const res = await app.request(`/admin/revocations/${encodeURIComponent(jti)}`, {
        method: 'DELETE',
        headers: auth,
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'bad_request', reason: 'invalid_jti' });
    }
  });

  it('Redis down during a write → 503 revocation_unavailable, and nothing was written anywhere', async () => {
    await redis.save();
    const seqBefore = redisCli(redis.port, 'get', '{keyway:rev}:seq');
    await redis.stop();
    const res = await post({ jti: 'during-outage', exp: nowSec() + 600 });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      error: 'revocation_unavailable',
      reason: 'revocation_unavailable',
    });
    const sub = await post({ sub: 'during-outage' });
    expect(sub.status).toBe(503);
    for (const [method, path] of [
      ['GET', '/admin/revocations'],
      ['DELETE', '/admin/revocations/api-1'],
    ] as const) {
      const r = await app.request(path, { method, headers: auth });
      expect(r.status).toBe(503);
    }
    // The writer did not apply it locally either: under open it is allowed as stale, never denied as revoked.
    expect(outcome(a.guard, { jti: 'during-outage' }, 'open')).not.toBe('revoked');
    await redis.start({ keepData: true });
    await waitFor(
      'both ready',
      () => a.guard.readiness.check().ok && b.guard.readiness.check().ok,
      10_000,
      10,
    );
    expect(redisCli(redis.port, 'zscore', '{keyway:rev}:jtis', 'during-outage')).toBe('');
    expect(redisCli(redis.port, 'exists', '{keyway:rev}:meta:jti:during-outage')).toBe('0');
    expect(redisCli(redis.port, 'zscore', '{keyway:rev}:subs', 'during-outage')).toBe('');
    expect(redisCli(redis.port, 'get', '{keyway:rev}:seq')).toBe(seqBefore);
    for (const g of [a, b]) {
      expect(outcome(g.guard, { jti: 'during-outage' }, 'open')).toMatch(NOT_REVOKED);
      expect(outcome(g.guard, { sub: 'during-outage', iat: 0 }, 'open')).toMatch(NOT_REVOKED);
      expect(outcome(g.guard, { jti: 'api-1' })).toBe('revoked');
    }
  });
});

describe('admin revocation API (in-memory store)', () => {
  it('revokes, lists and deletes without Redis', async () => {
    const m = await startGuard({});
    const app = buildAdminApp({ adminToken: ADMIN_TOKEN }, [
      { path: 'revocations', app: createRevocationAdminRoutes(m.guard, m.deps, parseToken) },
    ]);
    const res = await app.request('/admin/revocations', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ jti: 'mem-1', exp: nowSec() + 60 }),
    });
    expect(res.status).toBe(201);
    expect(outcome(m.guard, { jti: 'mem-1' })).toBe('revoked');
    const list = (await (await app.request('/admin/revocations', { headers: auth })).json()) as {
      items: unknown[];
    };
    expect(list.items).toHaveLength(1);
    expect((await app.request('/admin/revocations/mem-1', { method: 'DELETE', headers: auth })).status).toBe(
      200,
    );
    await m.guard.close();
  });
});

function redisCli(port: number, ...args: string[]): string {
  return execFileSync('redis-cli', ['-p', String(port), ...args], {
    encoding: 'utf8',
    timeout: 10_000,
  }).trim();
}
