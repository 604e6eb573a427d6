// Retention is computed once (retentionOf) and Redis prunes with the largest retention any writer announced: a
// `keyway revoke` configured with a shorter leeway than the servers never deletes an entry they still need.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRevokeCommand } from '../../src/cli/revoke.js';
import { parseConfig } from '../../src/config/parse.js';
import { retentionOf } from '../../src/config/retention.js';
import { createRevocationGuard } from '../../src/revocation/guard.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';
import { HS_SECRET } from '../helpers/tokens.js';
import { waitFor } from '../helpers/wait-for.js';
import { FAST, nowSec, outcome, resyncCount, type TestGuard, testDeps } from './revocation-helpers.js';

// An issuer accepting tokens 300 s past exp, above revocation.leeway (60 s by default).
const issuerYaml = (redisUrl: string) => `
issuers:
  - name: idp
    issuer: https://idp.test
    hs_secrets: ["${HS_SECRET}"]
    audiences: [api]
    leeway: 300s
revocation:
  redis_url: ${redisUrl}
`;

async function run(argv: string[], env: Record<string, string>): Promise<{ code: number; out: string[] }> {
  const out: string[] = [];
  const code = await runRevokeCommand(argv, env, (line) => out.push(line));
  return { code, out };
}

describe('revocation retention (real Redis)', () => {
  let redis: RedisServer;
  let server: TestGuard;
  let direct: Redis;

  beforeAll(async () => {
    redis = await startRedis();
    direct = new Redis(redis.url);
    const config = parseConfig(
      {
        issuers: [
          {
            name: 'idp',
            issuer: 'https://idp.test',
            hs_secrets: [HS_SECRET],
            audiences: ['api'],
            leeway: '300s',
          },
        ],
        revocation: { ...FAST, redis_url: redis.url },
      },
      'test',
      { readFile: () => '' },
    );
    const { deps, logs } = testDeps(config);
    const guard = createRevocationGuard(config.revocation, deps);
    await guard.start();
    server = { guard, deps, logs };
  });
  afterAll(async () => {
    await server?.guard.close();
    direct?.disconnect();
    await redis?.close();
  });

  const forceResync = async () => {
    const before = await resyncCount(server);
    await direct.client('KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    await waitFor('a resync', async () => (await resyncCount(server)) > before, 10_000, 10);
    await waitFor('loaded again', () => server.guard.status().state === 'loaded');
  };

  it('retentionOf takes the largest of revocation.leeway and every issuer leeway, in whole seconds', () => {
    const config = parseConfig(
      { issuers: [{ name: 'a', issuer: 'https://a', hs_secrets: [HS_SECRET], leeway: '90500ms' }] },
      'test',
      {
        readFile: () => '',
      },
    );
    expect(retentionOf(config)).toEqual({ leeway: 91, lifetime: 86_400 });
    // Computed once, when the config is resolved: every reader takes this one.
    expect(config.revocation.retention).toEqual({ leeway: 91, lifetime: 86_400 });
    expect(retentionOf({ ...config, issuers: [] })).toEqual({ leeway: 60, lifetime: 86_400 });
  });

  it.each([
    { name: 'REDIS_URL only (no issuer list: leeway 60 s)', env: (url: string) => ({ REDIS_URL: url }) },
    {
      name: "the servers' config (KEYWAY_CONFIG_YAML)",
      env: (url: string) => ({ KEYWAY_CONFIG_YAML: issuerYaml(url) }),
    },
  ])(
    'a CLI write with $name, then a server resync: a token expired 120 s ago is still denied',
    async ({ name, env }) => {
      const jti = `expired-120s-${name.length}`;
      const exp = nowSec() - 120; // past revocation.leeway (60 s), inside the issuer's leeway (300 s)
      await server.guard.revokeJti({ jti, exp });
      expect(outcome(server.guard, { jti })).toBe('revoked');
      const cli = await run(['--jti', `cli-${jti}`, '--exp', String(nowSec() + 600)], {
        ...env(redis.url),
        USER: 't',
      });
      expect(cli.code).toBe(0);
      // The CLI's script pruned: with its own 60 s it would have removed the entry; the retention hash kept it.
      expect(await direct.zscore('{keyway:rev}:jtis', jti)).toBe(String(exp));
      await forceResync();
      expect(outcome(server.guard, { jti })).toBe('revoked');
      // The CLI lists it, with the retention Redis keeps.
      const listed = await run(['--list', '--limit', '1000'], { ...env(redis.url), USER: 't' });
      const item = listed.out
        .map((l) => (l.startsWith('{') ? JSON.parse(l) : undefined))
        .find((i) => i?.jti === jti);
      expect(item).toMatchObject({ type: 'jti', exp, expiresAt: exp + 300 });
    },
  );

  it('past the largest retention the entry is pruned by any writer', async () => {
    const jti = 'expired-400s';
    await direct.zadd('{keyway:rev}:jtis', nowSec() - 400, jti);
    expect(await direct.hmget('{keyway:rev}:retention', 'leeway', 'lifetime')).toEqual(['300', '86400']);
    expect(
      (await run(['--jti', 'another', '--exp', String(nowSec() + 60)], { REDIS_URL: redis.url, USER: 't' }))
        .code,
    ).toBe(0);
    expect(await direct.zscore('{keyway:rev}:jtis', jti)).toBeNull();
  });
});
