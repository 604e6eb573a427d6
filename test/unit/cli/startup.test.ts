// resolveStartup: dev mode only without any config source (or `keyway dev`), never under NODE_ENV=production; an
// empty config source is an error; the files the config names are checked with the rest, in one pass.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveStartup } from '../../../src/cli/startup.js';

const dir = mkdtempSync(join(tmpdir(), 'keyway-startup-'));
const SECRET = 'k'.repeat(40);
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const ISSUER = `issuers: [{ issuer: https://s.example/, hs_secrets: ["${SECRET}"] }]\npolicies: [{ name: all }]\n`;

async function problems(env: Record<string, string>, forceDev = false) {
  const startup = await resolveStartup(env, { forceDev });
  if (startup.ok) return [];
  return startup.error.issues.map(({ source, path, code }) => ({ source, path, code }));
}

describe('dev mode', () => {
  it('starts when no config source exists at all (env overrides such as PORT are not a source)', async () => {
    const startup = await resolveStartup({ PORT: '0', LOG_LEVEL: 'warn' });
    expect(startup.ok && startup.devReason).toBe('no_config');
    expect(startup.ok && startup.config.devMode).toBe(true);
    expect(startup.ok && startup.config.issuers.map((i) => i.name)).toEqual(['dev']);
  });

  it('listens on loopback unless HOST or server.host names an address; PORT is kept', async () => {
    const host = async (env: Record<string, string>, forceDev = false) => {
      const startup = await resolveStartup(env, { forceDev });
      return startup.ok ? [startup.config.server.host, startup.config.server.port] : startup.error.issues;
    };
    expect(await host({ PORT: '18977' })).toEqual(['127.0.0.1', 18977]);
    expect(await host({ HOST: '::1' })).toEqual(['::1', 8081]);
    const bound = file('bound.yaml', `${ISSUER}server: { host: 0.0.0.0, port: 18978 }\n`);
    expect(await host({ KEYWAY_CONFIG: bound }, true)).toEqual(['0.0.0.0', 18978]);
    expect(await host({ KEYWAY_CONFIG: file('plain.yaml', ISSUER) }, true)).toEqual(['127.0.0.1', 8081]);
    // Not in dev mode, the schema's default stands.
    expect(await host({ KEYWAY_CONFIG: file('served.yaml', ISSUER) })).toEqual(['0.0.0.0', 8081]);
  });

  it('starts with `keyway dev` over a config file, replacing its issuers', async () => {
    const startup = await resolveStartup({ KEYWAY_CONFIG: file('forced.yaml', ISSUER) }, { forceDev: true });
    expect(startup.ok && startup.devReason).toBe('forced');
    expect(startup.ok && startup.config.issuers.map((i) => i.name)).toEqual(['dev']);
  });

  it.each([
    ['a file with no issuers and no policies', { KEYWAY_CONFIG: '' }],
    ['an empty file', { KEYWAY_CONFIG: '' }],
  ])('is not entered for %s: that is a config error naming the file', async (name, env) => {
    const path = file(
      `${name.replace(/\W/g, '_')}.yaml`,
      name === 'an empty file' ? '' : 'server: { port: 9 }\n',
    );
    expect(await problems({ ...env, KEYWAY_CONFIG: path })).toEqual([
      { source: path, path: 'issuers', code: 'no_issuers' },
    ]);
  });

  it('is not entered for inline YAML with no issuers', async () => {
    expect(await problems({ KEYWAY_CONFIG_YAML: 'log: { level: warn }' })).toEqual([
      { source: 'KEYWAY_CONFIG_YAML', path: 'issuers', code: 'no_issuers' },
    ]);
  });

  it.each(['KEYWAY_AUDIENCE', 'KEYWAY_ALGORITHMS'])(
    'is not entered when only %s of the quick start is set: the variable is named',
    async (name) => {
      expect(await problems({ [name]: 'x' })).toEqual([{ source: name, path: '(root)', code: 'no_issuers' }]);
    },
  );

  it('never runs under NODE_ENV=production, not even as `keyway dev`', async () => {
    expect(await problems({ NODE_ENV: 'production' })).toEqual([
      { source: 'environment', path: '(root)', code: 'no_config' },
    ]);
    const path = file('prod.yaml', ISSUER);
    expect(await problems({ NODE_ENV: 'production', KEYWAY_CONFIG: path }, true)).toEqual([
      { source: 'NODE_ENV', path: '(root)', code: 'no_config' },
    ]);
    // With a config, production starts as usual.
    expect(await problems({ NODE_ENV: 'production', KEYWAY_CONFIG: path })).toEqual([]);
  });

  it('reports env override problems together with the production refusal', async () => {
    expect(await problems({ NODE_ENV: 'production', PORT: 'http' })).toEqual([
      { source: 'environment', path: '(root)', code: 'no_config' },
      { source: 'PORT', path: 'server.port', code: 'invalid_type' },
    ]);
  });
});

describe('files the config names', () => {
  it('a missing route table file, an invalid one, and an unwritable snapshot directory are found with the rest', async () => {
    const missing = join(dir, 'no-such-routes.yaml');
    const path = file(
      'files.yaml',
      `${ISSUER}server: { port: nope }\nrouting: { table_file: ${missing} }\nrevocation: { snapshot_file: ${join(dir, 'absent-dir', 'snap.json')} }\n`,
    );
    expect(await problems({ KEYWAY_CONFIG: path })).toEqual([
      { source: path, path: 'server.port', code: 'invalid_type' },
      { source: path, path: 'routing.table_file', code: 'unreadable_file' },
      { source: path, path: 'revocation.snapshot_file', code: 'unwritable_path' },
    ]);
    const table = file('routes.yaml', 'routes:\n  t/s/v: "not an upstream"\ndefaults: []\n');
    const bad = file('bad-table.yaml', `${ISSUER}routing: { table_file: ${table} }\n`);
    expect(await problems({ KEYWAY_CONFIG: bad })).toEqual([
      { source: table, path: 'defaults', code: 'invalid_route_table' },
      { source: table, path: 'routes["t/s/v"]', code: 'invalid_route_table' },
    ]);
  });

  it('a route table in Redis needs a Redis', async () => {
    const path = file('redis-routes.yaml', `${ISSUER}routing: { redis: true }\n`);
    expect(await problems({ KEYWAY_CONFIG: path })).toEqual([
      { source: path, path: 'routing.redis', code: 'requires' },
    ]);
    expect(await problems({ KEYWAY_CONFIG: path, REDIS_URL: 'redis://127.0.0.1:1' })).toEqual([]);
  });

  it('key, secret and CA files that cannot be read', async () => {
    const path = file(
      'keyfiles.yaml',
      [
        'issuers:',
        `  - issuer: https://f.example/`,
        `    hs_secrets: [{ file: ${join(dir, 'no-secret')} }]`,
        `    keys: [{ file: ${join(dir, 'no-key.pem')} }]`,
        `    ca_file: ${join(dir, 'no-ca.pem')}`,
        'policies: [{ name: p }]',
        `admin: { token_file: ${join(dir, 'no-token')} }`,
      ].join('\n'),
    );
    const got = await problems({ KEYWAY_CONFIG: path });
    expect(got.map((p) => p.path).sort()).toEqual([
      'admin.token_file',
      'issuers[0].ca_file',
      'issuers[0].hs_secrets[0].file',
      'issuers[0].keys[0].file',
    ]);
    expect(new Set(got.map((p) => p.code))).toEqual(new Set(['unreadable_file']));
  });

  it('an existing writable snapshot directory and a valid table pass', async () => {
    mkdirSync(join(dir, 'snaps'), { recursive: true });
    const table = file('ok-routes.yaml', 'routes:\n  t/s/v: 127.0.0.1:9000\n');
    const path = file(
      'ok.yaml',
      `${ISSUER}routing: { table_file: ${table} }\nrevocation: { snapshot_file: ${join(dir, 'snaps', 's.json')} }\n`,
    );
    const startup = await resolveStartup({ KEYWAY_CONFIG: path });
    expect(startup.ok).toBe(true);
  });

  it('a section or item with unknown keys and bad values still has its names, headers and files checked: one pass', async () => {
    const none = (name: string) => join(dir, 'absent', name);
    const path = file(
      'every-kind.yaml',
      [
        'server: { port: 8080, colour: blue }',
        `admin: { token_file: ${none('admin-token')}, prot: 9 }`,
        'issuers:',
        '  - name: corp',
        '    issuer: https://corp.example/',
        `    keys: [{ file: ${none('corp.pem')} }]`,
        '    leeway: later',
        '    audiense: [a]',
        '  - name: partner',
        '    issuer: https://partner.example/',
        `    hs_secrets: [{ file: ${none('partner.secret')} }]`,
        '    jwks_uri: http://partner.example/keys',
        '    clock: 1',
        'policies:',
        '  - name: web',
        '    issuers: [partnr, corp]',
        '    headers: { X-Auth-Issuer: iss, X-Fine: sub }',
        '    required_claims: sub',
        '    matsh: {}',
        '  - name: api',
        '    issuers: [corp]',
        '    anonymus: true',
        'default_policy: apy',
        'revocation:',
        `  snapshot_file: ${none('dir/rev.json')}`,
        '  max_staleness: soon',
        `  tls_ca_file: ${none('ca.pem')}`,
        '  bogus: 1',
        'routing:',
        `  table_file: ${none('routes.yaml')}`,
        '  colour: 2',
      ].join('\n'),
    );
    const startup = await resolveStartup({ KEYWAY_CONFIG: path });
    expect(startup.ok).toBe(false);
    const issues = startup.ok ? [] : startup.error.issues;
    const got = issues.map(({ path, code }) => `${path} ${code}`).sort();
    expect(got).toEqual(
      [
        'server.colour unknown_key',
        'admin.prot unknown_key',
        'admin.token_file unreadable_file',
        'issuers[0].leeway invalid_value',
        'issuers[0].audiense unknown_key',
        'issuers[0].keys[0].file unreadable_file',
        'issuers[1].clock unknown_key',
        'issuers[1].hs_secrets[0].file unreadable_file',
        'issuers[1].jwks_uri insecure_url',
        'policies[0].required_claims invalid_type',
        'policies[0].matsh unknown_key',
        'policies[0].issuers[0] unknown_reference',
        'policies[0].headers.X-Auth-Issuer reserved_header',
        'policies[1].anonymus unknown_key',
        'default_policy unknown_reference',
        'revocation.max_staleness invalid_value',
        'revocation.bogus unknown_key',
        'revocation.tls_ca_file unreadable_file',
        'revocation.snapshot_file unwritable_path',
        'routing.colour unknown_key',
        'routing.table_file unreadable_file',
      ].sort(),
    );
    // The hints list what is configured, the items with problems included.
    const message = (p: string) => issues.find((i) => i.path === p)?.message ?? '';
    expect(message('policies[0].issuers[0]')).toContain('"corp", "partner"');
    expect(message('default_policy')).toContain('"web", "api"');
  });

  it.each([
    ['an IPv4-looking HOST that is no address', { HOST: '999.1.1.1' }, 'HOST'],
    ['a HOST that is not a name', { HOST: 'bad host' }, 'HOST'],
    ['a name that does not resolve', { HOST: 'nowhere.invalid' }, 'HOST'],
  ])('%s is a config problem naming its source', async (_what, env, source) => {
    const got = await problems({ KEYWAY_CONFIG: file('listen.yaml', ISSUER), ...env });
    expect(got).toEqual([{ source, path: 'server.host', code: 'invalid_value' }]);
  });

  it('IP literals and names that resolve are fine to listen on', async () => {
    for (const HOST of ['0.0.0.0', '::', '::1', '127.0.0.1', 'localhost'])
      expect(await problems({ KEYWAY_CONFIG: file('listen-ok.yaml', ISSUER), HOST })).toEqual([]);
  });
});
