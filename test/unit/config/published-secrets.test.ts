// Secrets published in this repository are refused in a config (start, reload and check-config all parse it), except
// for an explicit loopback-only demo; and every secret value the repository publishes is on the list keyway checks.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig, readConfigFile } from '../../../src/config/load.js';
import { parseConfig } from '../../../src/config/parse.js';
import { PUBLISHED_SECRETS } from '../../../src/config/published-secrets.js';
import { ConfigError } from '../../../src/errors.js';
import { registerSecret } from '../../helpers/audit.js';
import { EXAMPLE_ENV } from '../../helpers/example-env.js';

for (const s of PUBLISHED_SECRETS) registerSecret(s, 'published demo secret');

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const noFiles = { readFile: () => '' };

function problems(input: unknown, io = noFiles): string {
  try {
    parseConfig(input, 'keyway.yaml', io);
    return '';
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message;
  }
}

const base = (over: Record<string, unknown> = {}) => ({
  issuers: [{ issuer: 'https://idp.test', hs_secrets: ['own-secret-0123456789-0123456789-abcdef'] }],
  policies: [{ name: 'p' }],
  ...over,
});

describe('a published secret in the config is refused', () => {
  const [adminDemo, hsDemo] = PUBLISHED_SECRETS as [string, string];
  it.each([
    ['admin.token', { admin: { token: adminDemo } }],
    ['admin.metrics_token', { admin: { token: 'own-admin-token-0123456789', metrics_token: adminDemo } }],
    ['server.proxy_secret', { server: { proxy_secret: adminDemo } }],
    ['issuers[0].hs_secrets[0]', { issuers: [{ issuer: 'https://idp.test', hs_secrets: [hsDemo] }] }],
    [
      'issuers[0].hs_secrets[1]',
      {
        issuers: [
          {
            issuer: 'https://idp.test',
            hs_secrets: [
              'own-secret-0123456789-0123456789-abcdef',
              { secret: Buffer.from(hsDemo).toString('base64'), encoding: 'base64' },
            ],
          },
        ],
      },
    ],
  ])('%s', (path, over) => {
    const message = problems(base(over));
    expect(message).toContain(`${path}: this value is published in keyway's repository`);
    expect(message).toContain('openssl rand -hex 32');
    for (const s of PUBLISHED_SECRETS) expect(message).not.toContain(s);
  });

  it('an HS secret read from a file counts by its content', () => {
    const message = problems(
      base({ issuers: [{ issuer: 'https://idp.test', hs_secrets: [{ file: '/run/secrets/hs' }] }] }),
      { readFile: () => hsDemo },
    );
    expect(message).toContain('issuers[0].hs_secrets[0]: this value is published');
  });

  it('the examples as they were (public fallbacks), started without the variables: refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyway-published-'));
    const file = join(dir, 'keyway.yaml');
    writeFileSync(
      file,
      'server: { host: 127.0.0.1, port: 18081 }\n' +
        'admin:\n  host: 127.0.0.1\n  token: ${KEYWAY_ADMIN_TOKEN:-demo-admin-token-0123456789}\n' +
        'issuers:\n  - name: demo\n    hs_secrets:\n      - ${KEYWAY_DEMO_SECRET:-demo-secret-for-examples-only-0123456789abcdef}\n' +
        'policies:\n  - name: shop\n',
    );
    let message = '';
    try {
      loadConfig({ KEYWAY_CONFIG: file });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('admin.token: this value is published');
    expect(message).toContain('issuers[0].hs_secrets[0]: this value is published');
    // check-config refuses it too (exit 1), naming the keys and never the values.
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'check-config'], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '', KEYWAY_CONFIG: file },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('admin.token: this value is published');
    for (const s of PUBLISHED_SECRETS) expect(run.stderr + run.stdout).not.toContain(s);
  });
});

describe('server.allow_published_secrets: a loopback-only demo', () => {
  const demo = { admin: { host: '127.0.0.1', token: PUBLISHED_SECRETS[0] } };
  it('allowed when the main and admin listeners bind loopback', () => {
    expect(problems(base({ ...demo, server: { host: '127.0.0.1', allow_published_secrets: true } }))).toBe(
      '',
    );
    expect(
      problems(
        base({
          admin: { host: '::1', token: PUBLISHED_SECRETS[0] },
          server: { host: 'localhost', allow_published_secrets: true },
        }),
      ),
    ).toBe('');
  });

  it.each([
    ['main listener on 0.0.0.0', { ...demo, server: { host: '0.0.0.0', allow_published_secrets: true } }],
    ['main listener on ::', { ...demo, server: { host: '::', allow_published_secrets: true } }],
    [
      'admin listener on 0.0.0.0',
      {
        admin: { host: '0.0.0.0', token: PUBLISHED_SECRETS[0] },
        server: { host: '127.0.0.1', allow_published_secrets: true },
      },
    ],
  ])('refused with the %s', (_name, over) => {
    expect(problems(base(over))).toContain(
      'server.allow_published_secrets only applies when server.host and admin.host are loopback',
    );
  });

  it('HOST=0.0.0.0 from the environment is applied before the check', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyway-published-'));
    const file = join(dir, 'keyway.yaml');
    writeFileSync(
      file,
      'server: { host: 127.0.0.1, allow_published_secrets: true }\n' +
        'issuers:\n  - hs_secrets: ["${HS}"]\npolicies:\n  - name: p\n',
    );
    expect(() => loadConfig({ KEYWAY_CONFIG: file, HS: PUBLISHED_SECRETS[1] })).not.toThrow();
    expect(() => loadConfig({ KEYWAY_CONFIG: file, HS: PUBLISHED_SECRETS[1], HOST: '0.0.0.0' })).toThrow(
      /issuers\[0\]\.hs_secrets\[0\]: this value is published/,
    );
  });
});

// ---- every published secret is on the list -------------------------------------------------------------------

const SCANNED = ['examples', 'deploy', 'README.md', 'SECURITY.md', 'CONTRIBUTING.md', 'fly.toml'];
const SECRET_NAME = /(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY)$/i;
const SECRET_KEYS = new Set(['token', 'metrics_token', 'proxy_secret', 'password', 'secret']);
/** Not values: placeholders, references, computed shell values. */
const isPlaceholder = (v: string) =>
  v === '' || /^[$<…]|…|\.\.\.|^\{|^\[/.test(v) || /^(true|false|null|~)$/.test(v);

function filesUnder(path: string): string[] {
  const full = join(ROOT, path);
  if (!statSync(full, { throwIfNoEntry: false })) return [];
  if (statSync(full).isFile()) return [full];
  return readdirSync(full).flatMap((name) => filesUnder(join(path, name)));
}

/** Every literal a text publishes as a secret value: `${SECRET_VAR:-value}` fallbacks, `SECRET_VAR=value`
 *  assignments, and `token|secret|password…: value` keys. */
function publishedLiterals(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*):-([^}]*)\}/g))
    if (SECRET_NAME.test(m[1]!) && !isPlaceholder(m[2]!)) found.push(m[2]!);
  for (const m of text.matchAll(/\b([A-Z][A-Z0-9_]*)=("?)([^\s"'`;)]+)\2/g))
    if (SECRET_NAME.test(m[1]!) && !isPlaceholder(m[3]!)) found.push(m[3]!);
  // A YAML key: at the start of a line (or a list item), or inside a flow mapping.
  for (const m of text.matchAll(
    /(?:^[ \t]*(?:-[ \t]+)?|[{,][ \t]*)([a-z_]+)[ \t]*:[ \t]+["']?([^\s"',}#]+)/gm,
  ))
    if (SECRET_KEYS.has(m[1]!) && !isPlaceholder(m[2]!)) found.push(m[2]!);
  return found;
}

/** HS secrets written literally in a YAML config (hs_secrets entries), after ${VAR:-default} with an empty env. */
function yamlHsSecrets(file: string): string[] {
  if (!readFileSync(file, 'utf8').includes('hs_secrets')) return [];
  // A required ${VAR} without a fallback reads as a placeholder: that secret is not in the file.
  const doc = readConfigFile(file, new Proxy({}, { get: () => '${unset}' }));
  const issuers = (doc as { issuers?: { hs_secrets?: unknown[] }[] } | null)?.issuers ?? [];
  return issuers
    .flatMap((i) => i.hs_secrets ?? [])
    .map((s) => (typeof s === 'string' ? s : String((s as { secret?: string }).secret ?? '')))
    .filter((s) => !isPlaceholder(s));
}

describe('PUBLISHED_SECRETS covers the repository', () => {
  it('the scanner finds secret literals in the shapes the repository uses', () => {
    const sample = [
      'token: ${KEYWAY_ADMIN_TOKEN:-a-new-published-admin-token}',
      'curl -H "Authorization: Bearer ${ADMIN_TOKEN:-another-one-0123}"',
      'KEYWAY_HS_SECRET=literal-in-a-readme-0123456789 npm start',
      '  proxy_secret: "quoted-proxy-secret-0123"',
      'KEYWAY_HS_SECRET=$(openssl rand -hex 32)   token: ${KEYWAY_ADMIN_TOKEN}   password: ${REDIS_PASSWORD}',
    ].join('\n');
    expect(publishedLiterals(sample)).toEqual([
      'a-new-published-admin-token',
      'another-one-0123',
      'literal-in-a-readme-0123456789',
      'quoted-proxy-secret-0123',
    ]);
  });

  it('every secret literal in examples/, deploy/, README.md, SECURITY.md and fly.toml is listed', () => {
    const missing: string[] = [];
    const files = SCANNED.flatMap(filesUnder);
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const literals = [...publishedLiterals(text), ...(/\.ya?ml$/.test(file) ? yamlHsSecrets(file) : [])];
      for (const value of literals)
        if (!PUBLISHED_SECRETS.includes(value)) missing.push(`${relative(ROOT, file)}: ${value}`);
    }
    expect(missing).toEqual([]);
  });

  it('the example configs start with the secrets run.sh generates', () => {
    for (const dir of ['caddy', 'nginx', 'traefik']) {
      const doc = readConfigFile(join(ROOT, 'examples', dir, 'keyway.yaml'), EXAMPLE_ENV);
      (doc as { routing: Record<string, unknown> }).routing['table_file'] = undefined;
      expect(problems(doc)).toBe('');
    }
  });
});
