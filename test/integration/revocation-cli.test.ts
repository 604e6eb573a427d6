// `keyway revoke` (runRevokeCommand) against Redis directly and against the admin API, with exit codes and output.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRevokeCommand } from '../../src/cli/revoke.js';
import { buildAdminApp } from '../../src/http/admin-app.js';
import { createRevocationAdminRoutes } from '../../src/http/admin-revocations.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait-for.js';
import { nowSec, outcome, startGuard, type TestGuard } from './revocation-helpers.js';

const ADMIN_TOKEN = 'cli-admin-token-0123456789';
const token = (claims: Record<string, unknown>) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('k'.repeat(32)));

async function run(argv: string[], env: Record<string, string | undefined>, io = {}) {
  const lines: string[] = [];
  const code = await runRevokeCommand(argv, env, (line) => lines.push(line), io);
  return { code, out: lines.join('\n') };
}

describe('keyway revoke', () => {
  let redis: RedisServer;
  let g: TestGuard;
  let env: Record<string, string>;
  let dir: string;

  beforeAll(async () => {
    redis = await startRedis();
    g = await startGuard({ redis_url: redis.url });
    env = { REDIS_URL: redis.url, USER: 'tester' };
    dir = mkdtempSync(join(tmpdir(), 'keyway-revoke-cli-'));
  });
  afterAll(async () => {
    await g?.guard.close();
    await redis?.close();
  });

  describe('directly against Redis (REDIS_URL)', () => {
    it('--jti --exp revokes; a running instance denies it', async () => {
      const exp = nowSec() + 600;
      const r = await run(['--jti', 'cli-1', '--exp', String(exp), '--reason', 'leak'], env);
      expect(r).toEqual({
        code: 0,
        out: `revoked jti cli-1 (kept until its exp ${new Date(exp * 1000).toISOString()})`,
      });
      await waitFor('the instance to deny cli-1', () => outcome(g.guard, { jti: 'cli-1' }) === 'revoked');
    });

    it('an entry already past (--jti with an old exp, --sub with a --before older than max_token_lifetime): revoked, and a note says it is pruned at once', async () => {
      const old = nowSec() - 3600;
      const jti = await run(['--jti', 'cli-past', '--exp', String(old)], env);
      expect(jti.code).toBe(0);
      expect(jti.out).toContain('revoked jti cli-past');
      expect(jti.out).toContain(`note: exp ${new Date(old * 1000).toISOString()} is already past`);
      expect(jti.out).toContain('pruned at once');
      const longAgo = new Date((nowSec() - 400 * 86_400) * 1000).toISOString().slice(0, 10);
      const sub = await run(['--sub', 'old-user', '--before', longAgo], env);
      expect(sub.code).toBe(0);
      expect(sub.out).toContain('is older than revocation.max_token_lifetime');
      // A live entry gets no note.
      const live = await run(['--jti', 'cli-live', '--exp', String(nowSec() + 600)], env);
      expect(live.out).not.toContain('note:');
    });

    it.each([
      [['--jti', 'j1', '--exp', 'soon'], '--exp soon: expected whole seconds since the epoch'],
      [
        ['--jti', 'j1', '--exp', 'tomorrow'],
        '--exp tomorrow: expected whole seconds since the epoch (a NumericDate',
      ],
      [
        ['--sub', 'u1', '--before', 'yesterday'],
        '--before yesterday: expected whole seconds since the epoch',
      ],
    ])('%j is a usage error: exit 2, the problem and the usage', async (argv, says) => {
      const r = await run(argv, env);
      expect(r.code).toBe(2);
      expect(r.out).toContain(`keyway revoke: ${says}`);
      expect(r.out).toContain('or an ISO 8601 date (like 2026-01-01T00:00:00Z)');
      expect(r.out).toContain('usage: keyway revoke');
    });

    it('--sub --before (ISO date) revokes the subject; --token - reads stdin (parsed, not verified)', async () => {
      const r = await run(['--sub', 'frank', '--before', '2030-01-01T00:00:00Z'], env);
      expect(r.code).toBe(0);
      expect(r.out).toContain('tokens issued at or before 2030-01-01T00:00:00.000Z');
      await waitFor('frank denied', () => outcome(g.guard, { sub: 'frank', iat: nowSec() }) === 'revoked');
      const jwt = await token({ jti: 'cli-stdin', exp: nowSec() + 60 });
      const s = await run(['--token', '-'], env, { readStdin: async () => `${jwt}\n` });
      expect(s.code).toBe(0);
      expect(s.out).toContain('without verifying its signature');
      expect(s.out).toContain('revoked jti cli-stdin');
    });

    it('with KEYWAY_CONFIG, --iss must be one of its issuers (exit 2, unknown_issuer, nothing written); REDIS_URL alone knows none', async () => {
      const config = join(dir, 'issuers.yaml');
      writeFileSync(
        config,
        `issuers:\n  - issuer: https://idp.cli.test/\n    hs_secrets: ["${'s'.repeat(32)}"]\npolicies: [{ name: p }]\nrevocation: { redis_url: "${redis.url}" }\n`,
      );
      const withConfig = { KEYWAY_CONFIG: config, USER: 'tester' };
      const wrong = await run(['--sub', 'cli-iss', '--iss', 'https://idp.cli.test'], withConfig);
      expect(wrong.code).toBe(2);
      expect(wrong.out).toContain('unknown_issuer');
      expect(wrong.out).toContain('"https://idp.cli.test/"');
      const right = await run(['--sub', 'cli-iss', '--iss', 'https://idp.cli.test/'], withConfig);
      expect(right).toMatchObject({ code: 0 });
      expect(right.out).toContain('revoked sub cli-iss of issuer https://idp.cli.test/');
      const anyIss = await run(['--sub', 'cli-iss-2', '--iss', 'https://elsewhere.test'], env);
      expect(anyIss.code).toBe(0);
    });

    it('--token-file revokes the token in the file', async () => {
      const file = join(dir, 'token');
      writeFileSync(file, await token({ jti: 'cli-file', exp: nowSec() + 60 }));
      expect((await run(['--token-file', file], env)).code).toBe(0);
      await waitFor('cli-file denied', () => outcome(g.guard, { jti: 'cli-file' }) === 'revoked');
    });

    it('--list prints one JSON line per entry; --delete removes (exit 1 when there was nothing)', async () => {
      const list = await run(['--list', '--limit', '2'], env);
      expect(list.code).toBe(0);
      const [first] = list.out.split('\n');
      expect(JSON.parse(first!)).toMatchObject({ type: 'jti' });
      expect(list.out).toMatch(/next: --cursor \S+/);
      expect(await run(['--delete', 'cli-1'], env)).toEqual({ code: 0, out: 'deleted jti cli-1' });
      expect(await run(['--delete', 'cli-1'], env)).toEqual({ code: 1, out: 'jti cli-1 was not revoked' });
      await waitFor('cli-1 allowed again', () => outcome(g.guard, { jti: 'cli-1' }) === 'ok');
    });
  });

  describe('through the admin API (--admin-url)', () => {
    const admin = () =>
      buildAdminApp({ adminToken: ADMIN_TOKEN }, [
        {
          path: 'revocations',
          app: createRevocationAdminRoutes(g.guard, g.deps, async (t) => {
            const c = decodeJwt(t);
            return { jti: c.jti, exp: c.exp, sub: c.sub };
          }),
        },
      ]);
    const io = () => {
      const app = admin();
      return { fetch: (async (url: string, init?: RequestInit) => app.request(url, init)) as typeof fetch };
    };

    it('revokes with KEYWAY_ADMIN_TOKEN and lists', async () => {
      const e = { KEYWAY_ADMIN_URL: 'http://admin.test', KEYWAY_ADMIN_TOKEN: ADMIN_TOKEN };
      const r = await run(['--jti', 'via-api', '--exp', String(nowSec() + 60)], e, io());
      expect(r.code).toBe(0);
      expect(outcome(g.guard, { jti: 'via-api' })).toBe('revoked');
      const list = await run(['--list'], e, io());
      expect(list.out).toContain('"jti":"via-api"');
      expect(list.out).toContain('"actor":"cli:unknown"');
    });

    it('reads the admin token from --admin-token-file; a wrong one exits 1 with the API reason', async () => {
      const file = join(dir, 'admin-token');
      writeFileSync(file, `${ADMIN_TOKEN}\n`);
      const ok = await run(
        ['--admin-url', 'http://admin.test/', '--admin-token-file', file, '--delete', 'via-api'],
        {},
        io(),
      );
      expect(ok).toEqual({ code: 0, out: 'deleted jti via-api' });
      const bad = await run(
        ['--admin-url', 'http://admin.test', '--sub', 'x'],
        { KEYWAY_ADMIN_TOKEN: 'wrong-token-0123456789' },
        io(),
      );
      expect(bad.code).toBe(1);
      expect(bad.out).toContain('admin API 401 admin_token_required');
    });

    it('a 400 from the API exits 2 with its reason', async () => {
      const r = await run(
        ['--admin-url', 'http://admin.test', '--token', 'not-a-jwt'],
        { KEYWAY_ADMIN_TOKEN: ADMIN_TOKEN },
        io(),
      );
      expect(r.code).toBe(2);
      expect(r.out).toContain('token_not_verified');
    });
  });

  it.each([
    { name: 'no action', argv: [], code: 2, out: 'usage: keyway revoke' },
    { name: 'two actions', argv: ['--list', '--delete', 'x'], code: 2, out: 'usage: keyway revoke' },
    {
      name: 'unknown flag',
      argv: ['--jti', 'x', '--expires', '1'],
      code: 2,
      out: 'unknown flag --expires (did you mean --exp?)',
    },
    { name: 'exp not a time', argv: ['--jti', 'x', '--exp', 'soon'], code: 2, out: '--exp soon: expected' },
    { name: 'jti without exp', argv: ['--jti', 'x'], code: 2, out: '--jti x needs --exp T' },
    { name: 'bad limit', argv: ['--list', '--limit', '0'], code: 2, out: 'invalid_limit' },
    { name: 'help', argv: ['--help'], code: 0, out: 'usage: keyway revoke' },
  ])('$name → exit $code', async ({ argv, code, out }) => {
    const r = await run(argv, env);
    expect(r.code).toBe(code);
    expect(r.out).toContain(out);
  });

  it('without REDIS_URL or --admin-url → exit 2 naming both; admin URL without a token → exit 2', async () => {
    const r = await run(['--sub', 'x'], {});
    expect(r.code).toBe(2);
    expect(r.out).toContain('--admin-url');
    const t = await run(['--admin-url', 'http://admin.test', '--sub', 'x'], {});
    expect(t.code).toBe(2);
    expect(t.out).toContain('KEYWAY_ADMIN_TOKEN');
  });

  it('Redis unreachable → exit 1', async () => {
    const r = await run(['--sub', 'x'], { REDIS_URL: 'redis://127.0.0.1:1' });
    expect(r.code).toBe(1);
    expect(r.out).toContain('Redis unreachable');
  });
});
