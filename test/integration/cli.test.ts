// keygen → mint → verify through /auth; check-config exit codes and messages.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExplain } from '../../src/cli/explain.js';
import { runKeygen } from '../../src/cli/keygen.js';
import { runMint } from '../../src/cli/mint.js';
import { parseConfig } from '../../src/config/parse.js';
import { createDeps } from '../../src/deps-create.js';
import { explain, explainInput } from '../../src/explain/explain.js';
import { createLogger } from '../../src/infra/log.js';
import { createMetrics } from '../../src/infra/metrics.js';
import { parseForwardedRequest } from '../../src/request/request.js';
import { createRuntime } from '../../src/runtime.js';
import { createTestKeyway } from '../helpers/keyway.js';
import { startRedis } from '../helpers/redis-server.js';
import { HS_SECRET } from '../helpers/tokens.js';

const dir = mkdtempSync(join(tmpdir(), 'keyway-cli-'));
const capture = () => {
  const out: string[] = [];
  return { out, write: (t: string) => void out.push(t) };
};

describe('keygen + mint', () => {
  it.each(['ES256', 'RS256', 'EdDSA'])(
    '%s: a minted token verifies against the generated JWKS',
    async (alg) => {
      const keyDir = mkdtempSync(join(dir, alg));
      const k = capture();
      expect(await runKeygen(['--alg', alg, '--kid', `k-${alg}`, '--out', keyDir], k.write)).toBe(0);
      const jwks = JSON.parse(readFileSync(join(keyDir, 'jwks.json'), 'utf8')) as {
        keys: Record<string, unknown>[];
      };
      expect(jwks.keys[0]).not.toHaveProperty('d');
      const m = capture();
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
      expect(
        await runMint(
          [...args, '--sub', 'bob', '--aud', 'api', '--claim', 'tenant=t1', '--exp', '5m'],
          {},
          m.write,
        ),
      ).toBe(0);
      const token = m.out.join('').trim();
      const kw = await createTestKeyway({
        issuers: [{ issuer: 'https://cli.test', keys: [{ jwk: jwks.keys[0] }], audiences: ['api'] }],
        policies: [{ name: 'all' }],
      });
      const res = await kw.auth({ authorization: `Bearer ${token}` });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-auth-subject')).toBe('bob');
      kw.close();
    },
  );

  it('refuses weak RSA sizes and unknown algs', async () => {
    const k = capture();
    expect(await runKeygen(['--alg', 'RS256', '--bits', '1024'], k.write)).toBe(2);
    expect(await runKeygen(['--alg', 'none'], k.write)).toBe(2);
  });

  it('mints with a configured issuer HS secret', async () => {
    const m = capture();
    const env = { KEYWAY_ISSUER: 'https://hs.test', KEYWAY_HS_SECRET: HS_SECRET };
    expect(await runMint(['--issuer', 'default', '--sub', 'carol'], env, m.write)).toBe(0);
    const kw = await createTestKeyway({
      issuers: [{ issuer: 'https://hs.test', hs_secrets: [HS_SECRET] }],
      policies: [{ name: 'p' }],
    });
    expect(
      (await kw.auth({ authorization: `Bearer ${m.out.join('').trim()}` })).headers.get('x-auth-subject'),
    ).toBe('carol');
    kw.close();
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
    expect(t.stderr).toContain('policies[0].anonymous: Invalid input: expected boolean');
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
    const m = capture();
    await runMint(['--issuer', 'default', '--sub', 'dave'], env, m.write);
    const token = m.out.join('').trim();
    const out = capture();
    const code = await runExplain(
      ['--token-file', '-', '--host', 'app.test', '--uri', '/x'],
      env,
      out.write,
      () => token,
    );
    expect(code).toBe(0);
    const result = JSON.parse(out.out.join('')) as { result: string; headers: Record<string, string> };
    expect(result.result).toBe('allow');
    expect(result.headers['X-Auth-Subject']).toBe('dave');
    expect(out.out.join('')).not.toContain(token);
  });

  it('with a Redis revocation store, waits for its first load (not revocation_unavailable)', async () => {
    const redis = await startRedis();
    try {
      const redisEnv = { ...env, REDIS_URL: redis.url };
      const m = capture();
      await runMint(['--issuer', 'default', '--sub', 'erin'], redisEnv, m.write);
      const out = capture();
      expect(await runExplain(['--token', m.out.join('').trim()], redisEnv, out.write)).toBe(0);
      expect(JSON.parse(out.out.join(''))).toMatchObject({ result: 'allow' });
    } finally {
      await redis.close();
    }
  });

  it('names the stage and reason of a deny (exit 3), and usage errors exit 2', async () => {
    const out = capture();
    expect(await runExplain(['--token', 'not-a-jwt'], env, out.write)).toBe(3);
    expect(JSON.parse(out.out.join(''))).toMatchObject({
      result: 'deny',
      status: 401,
      reason: 'malformed_token',
      stage: 'verify',
    });
    expect(await runExplain(['--header', 'no-colon'], env, capture().write)).toBe(2);
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
    const runtime = createRuntime(
      createDeps(config, { log: createLogger('silent'), metrics: createMetrics() }),
    );
    await runtime.start(true);
    const m = capture();
    await runMint(
      ['--issuer', 'default', '--sub', 'erin'],
      { KEYWAY_ISSUER: 'https://hs.test', KEYWAY_HS_SECRET: HS_SECRET },
      m.write,
    );
    const token = m.out.join('').trim();
    for (let i = 0; i < 3; i++)
      expect(await explain(runtime.decide, explainInput.parse({ token }))).toMatchObject({ result: 'allow' });
    const req = parseForwardedRequest(
      { method: 'GET', query: '', header: (n) => (n === 'authorization' ? `Bearer ${token}` : undefined) },
      () => 'id',
    );
    expect((await runtime.decide(req, undefined)).kind).toBe('allow');
    const limited = await runtime.decide(req, undefined);
    expect(limited.kind === 'deny' && limited.error.reason).toBe('rate_limited');
    await runtime.close();
  });
});

describe('keyway mint --help', () => {
  it('prints the usage and exits 0', async () => {
    const out = capture();
    expect(await runMint(['--help'], {}, out.write)).toBe(0);
    expect(out.out.join('')).toContain('usage: keyway mint');
  });
});
