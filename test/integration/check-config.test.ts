// `keyway check-config` runs exactly the checks `serve` runs before listening: for each broken setup both exit 1 and
// print the same problems (serve before binding anything); a setup check-config accepts, serve starts.
import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'keyway-check-config-'));
const SECRET = 'c'.repeat(40);
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const ISSUER = `issuers: [{ name: corp, issuer: https://c.example/, hs_secrets: ["${SECRET}"] }]\n`;

function keyway(command: string, env: Record<string, string>): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', command], {
    // Port 0 everywhere: a serve that wrongly got past the checks must not collide with anything.
    env: { PATH: process.env['PATH'] ?? '', PORT: '0', ADMIN_PORT: '0', LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

const cases: [string, () => Record<string, string>, string[]][] = [
  ['NODE_ENV=production without any config', () => ({ NODE_ENV: 'production' }), ['NODE_ENV=production']],
  [
    'a config file without issuers',
    () => ({ KEYWAY_CONFIG: file('no-issuers.yaml', 'log: { level: info }\n') }),
    ['issuers: no issuers and no policies', 'keyway dev'],
  ],
  [
    'a missing routing.table_file',
    () => ({
      KEYWAY_CONFIG: file(
        'table.yaml',
        `${ISSUER}policies: [{ name: p }]\nrouting: { table_file: ${dir}/nope.yaml }\n`,
      ),
    }),
    ['routing.table_file: cannot read', 'ENOENT'],
  ],
  [
    'type errors beside cross-field problems, and an environment variable',
    () => ({
      KEYWAY_CONFIG: file(
        'mixed.yaml',
        `${ISSUER}policies:\n  - { name: p, issuers: [corp, missing], anonymous: sometimes }\ndefault_policy: none\nlimits: { max_token_bytes: many }\n`,
      ),
      ADMIN_PORT: 'eighty',
    }),
    [
      'policies[0].anonymous: expected true or false',
      'policies[0].issuers[1]: unknown issuer "missing"',
      'default_policy: unknown policy "none"',
      'limits.max_token_bytes: expected a number',
      'invalid config ADMIN_PORT:\n  - admin.port: expected a number',
    ],
  ],
  [
    'unknown keys',
    () => ({
      KEYWAY_CONFIG: file(
        'typos.yaml',
        'issuers: [{ issuer: https://c.example/, jwks_url: https://c.example/jwks, audience: api }]\npolicies: [{ name: p, match: { path: /x } }]\n',
      ),
    }),
    [
      'issuers[0].jwks_url: unknown key; did you mean "issuers[0].jwks_uri"?',
      'issuers[0].audience: unknown key; did you mean "issuers[0].audiences"?',
      'policies[0].match.path: unknown key; did you mean "policies[0].match.paths"?',
    ],
  ],
  [
    'listen hosts that are not an address (HOST) or do not resolve (admin.host)',
    () => ({
      KEYWAY_CONFIG: file(
        'hosts.yaml',
        `${ISSUER}policies: [{ name: p }]\nadmin: { token: ${'t'.repeat(24)}, host: keyway-admin.invalid }\n`,
      ),
      HOST: '312.4.5.6',
    }),
    [
      'invalid config HOST:\n  - server.host: expected an IPv4 address',
      'admin.host: cannot resolve "keyway-admin.invalid" to listen on (ENOTFOUND)',
    ],
  ],
  [
    'an admin host from ADMIN_HOST that does not resolve, named by its variable',
    () => ({
      KEYWAY_CONFIG: file(
        'admin-host.yaml',
        `${ISSUER}policies: [{ name: p }]\nadmin: { token: ${'t'.repeat(24)} }\n`,
      ),
      ADMIN_HOST: 'keyway-admin-env.invalid',
    }),
    ['ADMIN_HOST', 'admin.host: cannot resolve "keyway-admin-env.invalid" to listen on (ENOTFOUND)'],
  ],
  [
    'broken YAML',
    () => ({ KEYWAY_CONFIG: file('broken.yaml', 'server:\n  port: [1\nlog: {}\n') }),
    ['not valid YAML', 'line', 'column'],
  ],
];

describe('check-config and serve agree', () => {
  it.each(cases)('%s: both exit 1 with the same problems', (_name, env, expected) => {
    const e = env();
    const check = keyway('check-config', e);
    const serve = keyway('serve', e);
    expect(check.status).toBe(1);
    expect(serve.status).toBe(1);
    for (const text of expected) expect(check.stderr).toContain(text);
    // serve prints the ConfigError itself; check-config the same text plus a count.
    expect(serve.stderr.trim()).not.toBe('');
    expect(check.stderr.startsWith(serve.stderr.trimEnd())).toBe(true);
    expect(check.stderr).toMatch(/\n\d+ problems?: `keyway serve` would refuse to start\n$/);
    expect(check.stdout).toBe('');
    expect(serve.stdout).not.toContain('keyway listening');
    expect(serve.stdout + serve.stderr).not.toContain('DEV MODE');
  });

  it('`keyway dev` is refused under NODE_ENV=production, naming NODE_ENV', () => {
    const e = {
      NODE_ENV: 'production',
      KEYWAY_CONFIG: file('prod.yaml', `${ISSUER}policies: [{ name: p }]\n`),
    };
    expect(keyway('check-config', e).status).toBe(0);
    const dev = keyway('dev', e);
    expect(dev.status).toBe(1);
    expect(dev.stderr).toContain('invalid config NODE_ENV:');
  });

  it('a config check-config accepts, serve starts', async () => {
    const table = file('ok-routes.yaml', 'routes:\n  t/s/v: 127.0.0.1:9000\n');
    const env = {
      KEYWAY_CONFIG: file('ok.yaml', `${ISSUER}policies: [{ name: p }]\nrouting: { table_file: ${table} }\n`),
    };
    const check = keyway('check-config', env);
    expect(check.status).toBe(0);
    expect(check.stdout).toMatch(/^config ok: .*ok\.yaml \(1 issuers, 1 policies\)\n$/);
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
      env: { PATH: process.env['PATH'] ?? '', PORT: '0', ADMIN_PORT: '0', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const listening = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 20_000);
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('keyway listening')) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      child.once('exit', () => resolve(false));
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(listening).toBe(true);
    expect(await exited).toBe(0);
  });

  it('with no config source at all, check-config says serve runs dev mode (exit 0)', () => {
    const check = keyway('check-config', {});
    expect(check.status).toBe(0);
    expect(check.stdout).toContain('DEV MODE');
  });
});
