import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { parseConfig } from '../../../src/config/parse.js';
import { CONFIG_ISSUE_CODES, ConfigError, type ConfigIssueCode } from '../../../src/errors.js';

const SECRET = 'x'.repeat(32);
const io = { readFile: () => '' };

/** The problems of `input` as {path, code} (what the contract promises; the prose is for humans). */
function problems(input: unknown): { path: string; code: ConfigIssueCode }[] {
  try {
    parseConfig(input, 'keyway.yaml', io);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const issues = (err as ConfigError).issues;
    for (const issue of issues) {
      expect(issue.source).toBe('keyway.yaml');
      expect(CONFIG_ISSUE_CODES).toContain(issue.code);
      expect(issue.message.length).toBeGreaterThan(10);
    }
    return issues.map(({ path, code }) => ({ path, code }));
  }
  return [];
}

describe('parseConfig', () => {
  it('returns a frozen config with defaults', () => {
    const config = parseConfig({ issuers: [{ issuer: 'https://idp', hs_secrets: [SECRET] }] }, 'f', io);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.issuers[0])).toBe(true);
    expect(config.server.port).toBe(8081);
    expect(config.limits.max_token_bytes).toBe(16_384);
    expect(config.issuers[0]!.leeway).toBe(30_000);
    expect(config.issuers[0]!.algorithms).toEqual(['HS256']);
  });

  it.each<[unknown, string, ConfigIssueCode]>([
    [
      { issuers: [{ issuer: 'https://idp', hs_secrets: ['short'] }] },
      'issuers[0].hs_secrets[0]',
      'refused_key',
    ],
    [{ issuers: [{ issuer: 'https://idp' }] }, 'issuers[0]', 'missing_key'],
    [
      { issuers: [{ issuer: 'https://idp', jwks_uri: 'http://idp.example.com/jwks' }] },
      'issuers[0].jwks_uri',
      'insecure_url',
    ],
    [
      { issuers: [{ issuer: 'https://idp', hs_secrets: [SECRET], algorithms: ['none'] }] },
      'issuers[0].algorithms[0]',
      'invalid_value',
    ],
    [
      { issuers: [{ issuer: 'https://idp', hs_secrets: [SECRET], leeway: 'soon' }] },
      'issuers[0].leeway',
      'invalid_value',
    ],
    [
      { policies: [{ name: 'p', issuers: ['nope'] }], issuers: [{ issuer: 'i', hs_secrets: [SECRET] }] },
      'policies[0].issuers[0]',
      'unknown_reference',
    ],
    [
      {
        policies: [{ name: 'p', issuers: ['i'], audiences: ['api', 'x'] }],
        issuers: [{ issuer: 'i', hs_secrets: [SECRET], audiences: ['api'] }],
      },
      'policies[0].audiences[1]',
      'unknown_reference',
    ],
    [{ policies: [{ name: 'p', audiences: [] }] }, 'policies[0]', 'requires'],
    [
      { issuers: [{ issuer: 'https://idp', hs_secrets: [SECRET], typ: [] }] },
      'issuers[0].typ',
      'invalid_value',
    ],
    [
      { policies: [{ name: 'p', token_sources: ['cookie'] }] },
      'policies[0].token_sources[0]',
      'invalid_value',
    ],
    [
      { policies: [{ name: 'p', token_sources: ['header:X_Token'] }] },
      'policies[0].token_sources[0]',
      'invalid_value',
    ],
    [
      { policies: [{ name: 'p', anonymous: true, match: { paths: ['api'] } }] },
      'policies[0].match.paths[0]',
      'invalid_value',
    ],
    [
      { policies: [{ name: 'p', anonymous: true, match: { paths: ['/api;v=1'] } }] },
      'policies[0].match.paths[0]',
      'never_matches',
    ],
    [
      { policies: [{ name: 'p', anonymous: true, match: { paths: ['/a/../b', '/x%2Fy'] } }] },
      'policies[0].match.paths[0]',
      'never_matches',
    ],
    [{ default_policy: 'x' }, 'default_policy', 'unknown_reference'],
    [{ routing: { version_key: '{tenant}.{service}' } }, 'routing.version_key', 'invalid_value'],
    [
      { policies: [{ name: 'p', anonymous: true, routing: { instance_key: '{a}{b}' } }] },
      'policies[0].routing.instance_key',
      'invalid_value',
    ],
    [
      { policies: [{ name: 'p', anonymous: true, claims: { uid: [Number.MAX_SAFE_INTEGER + 2] } }] },
      'policies[0].claims.uid[0]',
      'invalid_value',
    ],
    [
      { policies: [{ name: 'p', anonymous: true, match: { hosts: ['admin.example.com.'] } }] },
      'policies[0].match.hosts[0]',
      'never_matches',
    ],
    [
      { revocation: { redis_url: 'rediss://r:6380', tls_ca_file: '/etc/ca.pem' } },
      'revocation.tls_ca_file',
      'invalid_value',
    ],
    // A claim must never replace keyway's own identity value or the framing of its answer.
    [
      { policies: [{ name: 'p', anonymous: true, headers: { 'x-auth-subject': 'email' } }] },
      'policies[0].headers.x-auth-subject',
      'reserved_header',
    ],
    [
      { policies: [{ name: 'p', anonymous: true, headers: { 'Content-Length': 'size' } }] },
      'policies[0].headers.Content-Length',
      'reserved_header',
    ],
    [
      { policies: [{ name: 'p', anonymous: true, headers: { 'Cache-Control': 'c' } }] },
      'policies[0].headers.Cache-Control',
      'reserved_header',
    ],
    // The proxy configs set or remove every forwarding header: a claim mapped to one would never reach the backend.
    [
      { policies: [{ name: 'p', anonymous: true, headers: { 'X-Forwarded-Host': 'tenant' } }] },
      'policies[0].headers.X-Forwarded-Host',
      'reserved_header',
    ],
    [
      { policies: [{ name: 'p', anonymous: true, headers: { 'x-real-ip': 'ip' } }] },
      'policies[0].headers.x-real-ip',
      'reserved_header',
    ],
    // Other token characters alias the dash form for CGI/WSGI/PHP backends and break the generated proxy configs.
    [
      { policies: [{ name: 'p', anonymous: true, headers: { X_User: 'a' } }] },
      'policies[0].headers.X_User',
      'invalid_value',
    ],
    [
      { policies: [{ name: 'p', anonymous: true, headers: { 'X.User': 'a' } }] },
      'policies[0].headers.X.User',
      'invalid_value',
    ],
    [
      { policies: [{ name: 'p', anonymous: true, headers: { 'X-User': 'a', 'x-user': 'b' } }] },
      'policies[0].headers.x-user',
      'duplicate',
    ],
    [{ server: { port: 'eighty' } }, 'server.port', 'invalid_type'],
    [{ server: { port: 70_000 } }, 'server.port', 'invalid_value'],
    [{ server: { metrics_on_admin: true } }, 'server.metrics_on_admin', 'requires'],
    [{ server: { proxy_secret_previous: 'p'.repeat(20) } }, 'server.proxy_secret_previous', 'requires'],
    [{ routing: { table_file: '/t.yaml', redis: true } }, 'routing.redis', 'conflict'],
    [{ revocation: { redis_url: 'redis://r:1', cluster: ['r:1'] } }, 'revocation', 'conflict'],
    [{ issuers: [{ issuer: 'https://idp' }] }, 'issuers[0]', 'missing_key'],
    [{ issuers: 'https://idp' }, 'issuers', 'invalid_type'],
    [{ policies: [{ anonymous: true }] }, 'policies[0].name', 'missing_key'],
    [['server'], '(root)', 'invalid_type'],
  ])('%j → %s %s', (input, path, code) => {
    expect(problems(input)).toContainEqual({ path, code });
  });

  it('renders each problem for a human as `path: message`, with what was expected', () => {
    let message = '';
    try {
      parseConfig({ server: { port: 'eighty' }, default_policy: 'x' }, 'keyway.yaml', io);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe(
      'invalid config keyway.yaml:\n' +
        '  - server.port: expected a number, got a string\n' +
        '  - default_policy: unknown policy "x"; expected the name of a policy (none is configured)',
    );
  });

  it('moves /metrics to the admin listener only when it has a token', () => {
    const token = 'a'.repeat(16);
    expect(problems({ server: { metrics_on_admin: true }, admin: { token } })).toEqual([]);
    expect(problems({ server: { metrics_on_admin: true }, admin: { token_file: '/t' } })).toEqual([
      { path: 'admin.token_file', code: 'invalid_value' },
    ]);
  });

  it('allows plain http JWKS for loopback or with allow_insecure_http', () => {
    expect(problems({ issuers: [{ issuer: 'a', jwks_uri: 'http://127.0.0.1:9/jwks' }] })).toEqual([]);
    expect(
      problems({
        issuers: [{ issuer: 'a', jwks_uri: 'http://idp.internal/jwks', allow_insecure_http: true }],
      }),
    ).toEqual([]);
  });
});

describe('loadConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keyway-config-'));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('reads YAML with ${VAR} secrets from env, env overrides win', () => {
    const path = file(
      'ok.yaml',
      'issuers:\n  - issuer: https://idp\n    hs_secrets: ["${HS}"]\nserver:\n  port: 9000\n',
    );
    const config = loadConfig({ KEYWAY_CONFIG: path, HS: SECRET, PORT: '7000', HOST: '::' });
    expect(config.issuers[0]!.hs_secrets[0]!.key.byteLength).toBe(32);
    expect(config.server.port).toBe(7000);
    expect(config.server.host).toBe('::');
  });

  it('ADMIN_HOST and ADMIN_PORT place the admin listener over the file’s admin.host', () => {
    const path = file(
      'admin.yaml',
      'issuers:\n  - issuer: https://idp\n    hs_secrets: ["${HS}"]\nadmin:\n  host: 127.0.0.1\n  token: "${TOKEN}"\n',
    );
    const env = { KEYWAY_CONFIG: path, HS: SECRET, TOKEN: 'an-admin-token-of-some-length-0123456789' };
    const config = loadConfig({ ...env, ADMIN_HOST: '::1', ADMIN_PORT: '9901' });
    expect([config.admin.host, config.admin.port]).toEqual(['::1', 9901]);
    expect(loadConfig(env).admin.host).toBe('127.0.0.1');
  });

  const issuesOf = (env: Record<string, string>) => {
    try {
      loadConfig(env);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as ConfigError).issues.map(({ source, path, code }) => ({ source, path, code }));
    }
    throw new Error('expected a ConfigError');
  };

  it('names the file and the key when a ${VAR} is unset', () => {
    const path = file('missing.yaml', 'issuers:\n  - issuer: https://idp\n    hs_secrets: ["${NOT_SET}"]\n');
    expect(issuesOf({ KEYWAY_CONFIG: path })).toContainEqual({
      source: path,
      path: 'issuers[0].hs_secrets[0]',
      code: 'unset_variable',
    });
  });

  it('names the file for bad YAML, duplicate keys and unreadable files', () => {
    const bad = file('bad.yaml', 'issuers: [\n');
    expect(issuesOf({ KEYWAY_CONFIG: bad })).toEqual([{ source: bad, path: '(root)', code: 'invalid_yaml' }]);
    const dup = file('dup.yaml', 'log: {}\nlog: {}\n');
    expect(issuesOf({ KEYWAY_CONFIG: dup })).toEqual([{ source: dup, path: '(root)', code: 'invalid_yaml' }]);
    const absent = join(dir, 'absent.yaml');
    expect(issuesOf({ KEYWAY_CONFIG: absent })).toEqual([
      { source: absent, path: '(root)', code: 'unreadable_file' },
    ]);
  });

  it('reads HS secrets and keys from files', () => {
    const secret = file('secret', `${SECRET}\n`);
    const path = file(
      'files.yaml',
      `issuers:\n  - issuer: https://idp\n    hs_secrets: [{ file: ${secret} }]\n`,
    );
    expect(loadConfig({ KEYWAY_CONFIG: path }).issuers[0]!.hs_secrets[0]!.key.byteLength).toBe(32);
  });

  it('reads KEYWAY_HS_SECRET_FILE when KEYWAY_HS_SECRET is set but empty', () => {
    const secret = file('qs-secret', `${SECRET}\n`);
    const config = loadConfig({
      KEYWAY_ISSUER: 'https://idp.test',
      KEYWAY_HS_SECRET: '',
      KEYWAY_HS_SECRET_FILE: secret,
    });
    expect(config.issuers[0]!.hs_secrets[0]!.key.byteLength).toBe(32);
    expect(config.issuers[0]).toMatchObject({ discovery: false, algorithms: ['HS256'] });
  });

  it('builds the single-issuer quick start from env', () => {
    const config = loadConfig({
      KEYWAY_ISSUER: 'https://idp.test',
      KEYWAY_HS_SECRET: SECRET,
      KEYWAY_AUDIENCE: 'api, web',
      KEYWAY_ALGORITHMS: 'HS256',
    });
    expect(config.issuers[0]).toMatchObject({
      issuer: 'https://idp.test',
      audiences: ['api', 'web'],
      algorithms: ['HS256'],
    });
    expect(config.policies.map((p) => p.name)).toEqual(['default']);
  });
});

describe('examples/keyway.yaml', () => {
  it('is a valid config', () => {
    const config = loadConfig({ KEYWAY_CONFIG: 'examples/keyway.yaml', KEYWAY_HS_SECRET: SECRET });
    expect(config.policies.map((p) => p.name)).toEqual(['public', 'api', 'admin']);
    expect(config.issuers[0]!.hs_secrets[0]!.key.byteLength).toBe(32);
  });
});
