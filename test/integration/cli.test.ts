// keygen → mint → verify through /auth; check-config exit codes and messages.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import { createDeps } from '../../src/deps-create.js';
import { explain, explainInput } from '../../src/explain/explain.js';
import { createGeneration } from '../../src/generation.js';
import { createLogger } from '../../src/infra/log.js';
import { createMetrics } from '../../src/infra/metrics.js';
import { createProcess } from '../../src/process.js';
import { parseForwardedRequest } from '../../src/request/request.js';
import { runCli } from '../helpers/cli.js';
import { createTestKeyway } from '../helpers/keyway.js';
import { startRedis } from '../helpers/redis-server.js';
import { HS_SECRET } from '../helpers/tokens.js';

const dir = mkdtempSync(join(tmpdir(), 'keyway-cli-'));
/** A token minted in process (exit 0 asserted). */
async function mintToken(argv: string[], env: Record<string, string>): Promise<string> {
  const r = await runCli(['mint', ...argv], env);
  expect([r.code, r.stderr]).toEqual([0, '']);
  return r.stdout.trim();
}

describe('keygen + mint', () => {
  it.each(['ES256', 'RS256', 'EdDSA'])(
    '%s: a minted token verifies against the generated JWKS',
    async (alg) => {
      const keyDir = mkdtempSync(join(dir, alg));
      expect((await runCli(['keygen', '--alg', alg, '--kid', `k-${alg}`, '--out', keyDir])).code).toBe(0);
      const jwks = JSON.parse(readFileSync(join(keyDir, 'jwks.json'), 'utf8')) as {
        keys: Record<string, unknown>[];
      };
      expect(jwks.keys[0]).not.toHaveProperty('d');
      const args = [
        '--key',
        join(keyDir, 'private.pem'),
        '--alg',
        alg,
        '--kid',
        `k-${alg}`,
        '--iss',
        'https://cli.test',
      ];
      const token = await mintToken(
        [...args, '--sub', 'bob', '--aud', 'api', '--claim', 'tenant=t1', '--exp', '5m'],
        {},
      );
      const kw = await createTestKeyway({
        issuers: [{ issuer: 'https://cli.test', keys: [{ jwk: jwks.keys[0] }], audiences: ['api'] }],
        policies: [{ name: 'all' }],
      });
      const res = await kw.auth({ authorization: `Bearer ${token}` });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-auth-subject')).toBe('bob');
      await kw.close();
    },
  );

  it('mints with a configured issuer HS secret', async () => {
    const env = { KEYWAY_ISSUER: 'https://hs.test', KEYWAY_HS_SECRET: HS_SECRET };
    const token = await mintToken(['--issuer', 'default', '--sub', 'carol'], env);
    const kw = await createTestKeyway({
      issuers: [{ issuer: 'https://hs.test', hs_secrets: [HS_SECRET] }],
      policies: [{ name: 'p' }],
    });
    expect((await kw.auth({ authorization: `Bearer ${token}` })).headers.get('x-auth-subject')).toBe('carol');
    await kw.close();
  });
});

describe('keyway check-config', () => {
  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'check-config'], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });

  it('exits 0 for a valid file', () => {
    const file = join(dir, 'ok.yaml');
    writeFileSync(
      file,
      `issuers:\n  - issuer: https://idp\n    hs_secrets: ["${HS_SECRET}"]\npolicies:\n  - name: p\n`,
    );
    const r = run({ KEYWAY_CONFIG: file });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('config ok');
  });

  it('exits 1 naming the file, the key path and what was expected', () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      'issuers:\n  - issuer: https://idp\n    hs_secrets: ["short"]\npolicies:\n  - name: p\n',
    );
    const r = run({ KEYWAY_CONFIG: bad });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(bad);
    expect(r.stderr).toContain('issuers[0].hs_secrets[0]: HS secret is 5 bytes; expected at least 32 bytes');
    expect(r.stderr).not.toContain('"short"');
    const typo = join(dir, 'typo.yaml');
    writeFileSync(typo, 'policies:\n  - name: p\n    anonymous: maybe\n');
    const t = run({ KEYWAY_CONFIG: typo });
    expect(t.status).toBe(1);
    expect(t.stderr).toContain(`invalid config ${typo}`);
    expect(t.stderr).toContain('policies[0].anonymous: expected true or false, got a string');
  });
});

describe('keyway print-config', () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'print-config', ...args], {
      env: { PATH: process.env['PATH'] ?? '', KEYWAY_ISSUER: 'https://hs.test', KEYWAY_HS_SECRET: HS_SECRET },
      encoding: 'utf8',
      timeout: 30_000,
    });

  it('--help prints its usage (exit 0); an unknown proxy prints the usage (exit 2); nginx prints a snippet', () => {
    const help = run('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('usage: keyway print-config caddy|nginx|traefik|traefik-two-hop');
    expect(run('apache').status).toBe(2);
    const nginx = run('nginx', '--keyway', '127.0.0.1:9999');
    expect(nginx.status).toBe(0);
    expect(nginx.stdout).toContain('server 127.0.0.1:9999;');
  });
});

describe('keyway serve', () => {
  it('refuses the embedded dev issuer under NODE_ENV=production', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
      env: { PATH: process.env['PATH'] ?? '', NODE_ENV: 'production', PORT: '0' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('the embedded dev issuer is refused when NODE_ENV=production');
    expect(r.stdout).not.toContain('TOKEN=');
  });
});

describe('keyway explain', () => {
  const env = { KEYWAY_ISSUER: 'https://hs.test', KEYWAY_HS_SECRET: HS_SECRET };
  it('prints the allow decision with headers (exit 0) and never the token', async () => {
    const token = await mintToken(['--issuer', 'default', '--sub', 'dave'], env);
    const r = await runCli(['explain', '--token-file', '-', '--host', 'app.test', '--uri', '/x'], env, token);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as { result: string; headers: Record<string, string> };
    expect(result.result).toBe('allow');
    expect(result.headers['X-Auth-Subject']).toBe('dave');
    expect(r.stdout).not.toContain(token);
  });

  it('with a Redis revocation store, waits for its first load (not revocation_unavailable)', async () => {
    const redis = await startRedis();
    try {
      const redisEnv = { ...env, REDIS_URL: redis.url };
      const token = await mintToken(['--issuer', 'default', '--sub', 'erin'], redisEnv);
      const r = await runCli(['explain', '--token', token], redisEnv);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ result: 'allow' });
    } finally {
      await redis.close();
    }
  });

  it('names the stage and reason of a deny (exit 3), and usage errors exit 2', async () => {
    const r = await runCli(['explain', '--token', 'not-a-jwt'], env);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({
      result: 'deny',
      status: 401,
      reason: 'malformed_token',
      stage: 'verify',
    });
    const usage = await runCli(['explain', '--header', 'no-colon'], env);
    expect([usage.code, usage.stdout]).toEqual([2, '']);
    expect(usage.stderr).toContain('usage: keyway explain');
  });
});

describe('explain is a dry run', () => {
  it('does not take rate-limit tokens; real decisions do', async () => {
    const config = parseConfig(
      {
        issuers: [{ issuer: 'https://hs.test', hs_secrets: [HS_SECRET] }],
        policies: [{ name: 'p', rate_limit: { requests: 1, per: '1m' } }],
      },
      'test',
      { readFile: () => '' },
    );
    const deps = createDeps(config, { log: createLogger('silent'), metrics: createMetrics() });
    const proc = createProcess(config, deps);
    const generation = createGeneration(proc, config);
    await Promise.all([generation.start(true), proc.start()]);
    const token = await mintToken(['--issuer', 'default', '--sub', 'erin'], {
      KEYWAY_ISSUER: 'https://hs.test',
      KEYWAY_HS_SECRET: HS_SECRET,
    });
    for (let i = 0; i < 3; i++)
      expect(
        await explain({ ...generation, clock: deps.clock }, explainInput.parse({ token })),
      ).toMatchObject({ result: 'allow' });
    const req = parseForwardedRequest(
      { method: 'GET', query: '', header: (n) => (n === 'authorization' ? `Bearer ${token}` : undefined) },
      () => 'id',
    );
    expect((await generation.decide(req, undefined)).kind).toBe('allow');
    const limited = await generation.decide(req, undefined);
    expect(limited.kind === 'deny' && limited.error.reason).toBe('rate_limited');
    await proc.close();
  });
});
