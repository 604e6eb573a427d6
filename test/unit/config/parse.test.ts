import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { parseConfig } from '../../../src/config/parse.js';
import { ConfigError } from '../../../src/errors.js';

const SECRET = 'x'.repeat(32);
const io = { readFile: () => '' };

function problems(input: unknown): string[] {
  try {
    parseConfig(input, 'keyway.yaml', io);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toContain('keyway.yaml');
    return [...(err as ConfigError).issues];
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

  it.each([
    [
      { issuers: [{ issuer: 'https://idp', hs_secrets: ['short'] }] },
      'issuers[0].hs_secrets[0]: HS secret is 5 bytes',
    ],
    [{ issuers: [{ issuer: 'https://idp' }] }, 'issuers[0]: expected at least one of jwks_uri'],
    [
      { issuers: [{ issuer: 'https://idp', jwks_uri: 'http://idp.example.com/jwks' }] },
      'issuers[0].jwks_uri: expected https://',
    ],
    [
      { issuers: [{ issuer: 'https://idp', hs_secrets: [SECRET], algorithms: ['none'] }] },
      'issuers[0].algorithms[0]: expected one of',
    ],
    [
      { issuers: [{ issuer: 'https://idp', hs_secrets: [SECRET], leeway: 'soon' }] },
      'issuers[0].leeway: expected a duration like "30s", "500ms", "5m", "12h", "7d" or a number of seconds (got a string)',
    ],

    [
      { policies: [{ name: 'p', issuers: ['nope'] }], issuers: [{ issuer: 'i', hs_secrets: [SECRET] }] },
      'policies[0].issuers[0]: unknown issuer "nope"',
    ],
    [
      {
        policies: [{ name: 'p', issuers: ['i'], audiences: ['api', 'x'] }],
        issuers: [{ issuer: 'i', hs_secrets: [SECRET], audiences: ['api'] }],
      },
      'policies[0].audiences[1]: "x" is not in the audiences of any issuer this policy accepts (i: ["api"])',
    ],
    [{ policies: [{ name: 'p', audiences: [] }] }, 'policies[0]: expected at least one issuer'],
    [
      { issuers: [{ issuer: 'https://idp', hs_secrets: [SECRET], typ: [] }] },
      'issuers[0].typ: expected a media type like "at+jwt", or a non-empty list of them',
    ],
    [
      { policies: [{ name: 'p', token_sources: ['cookie'] }] },
      'policies[0].token_sources[0]: expected "bearer"',
    ],
    [
      { policies: [{ name: 'p', token_sources: ['header:X_Token'] }] },
      'policies[0].token_sources[0]: expected "bearer", "header:<Name>" (letters, digits and "-")',
    ],
    [
      { policies: [{ name: 'p', anonymous: true, match: { paths: ['api'] } }] },
      'policies[0].match.paths[0]: expected a path prefix',
    ],
    [
      { policies: [{ name: 'p', anonymous: true, match: { paths: ['/api;v=1'] } }] },
      'policies[0].match.paths[0]: expected a normalised path (requests are matched after decoding, dropping ";" parameters and resolving ".", ".." and "//", so this prefix never matches; it normalises to "/api")',
    ],
    [
      { policies: [{ name: 'p', anonymous: true, match: { paths: ['/a/../b', '/x%2Fy'] } }] },
      'policies[0].match.paths[0]: expected a normalised path',
    ],
    [{ default_policy: 'x' }, 'default_policy: unknown policy "x"'],
    [
      { routing: { version_key: '{tenant}.{service}' } },
      'routing.version_key: expected a separator outside [A-Za-z0-9._:@-] (such as "/") between {tenant} and {service}',
    ],
    [
      { policies: [{ name: 'p', anonymous: true, routing: { instance_key: '{a}{b}' } }] },
      'policies[0].routing.instance_key: expected a separator outside',
    ],
    [
      { policies: [{ name: 'p', anonymous: true, claims: { uid: [Number.MAX_SAFE_INTEGER + 2] } }] },
      'policies[0].claims.uid[0]: expected a number within ±2^53',
    ],
    [
      { policies: [{ name: 'p', anonymous: true, match: { hosts: ['admin.example.com.'] } }] },
      'policies[0].match.hosts[0]: expected no trailing dot',
    ],
    [
      { revocation: { redis_url: 'rediss://r:6380', tls_ca_file: '/etc/ca.pem' } },
      'revocation.tls_ca_file: expected PEM certificates ("-----BEGIN CERTIFICATE-----")',
    ],
    // A claim must never replace keyway's own identity value or the framing of its answer.
    [
      { policies: [{ name: 'p', anonymous: true, headers: { 'x-auth-subject': 'email' } }] },
      'policies[0].headers.x-auth-subject: expected a header name keyway does not set itself',
    ],
    [
      { policies: [{ name: 'p', anonymous: true, headers: { 'Content-Length': 'size' } }] },
      'policies[0].headers.Content-Length: expected a header name keyway does not set itself',
    ],
    [
      { policies: [{ name: 'p', anonymous: true, headers: { 'Cache-Control': 'c' } }] },
      'policies[0].headers.Cache-Control: expected a header name keyway does not set itself',
    ],
    // The proxy configs set or remove every forwarding header: a claim mapped to one would never reach the backend.
    [
      { policies: [{ name: 'p', anonymous: true, headers: { 'X-Forwarded-Host': 'tenant' } }] },
      'policies[0].headers.X-Forwarded-Host: expected a header name that is not a forwarding header',
    ],
    [
      { policies: [{ name: 'p', anonymous: true, headers: { 'x-real-ip': 'ip' } }] },
      'policies[0].headers.x-real-ip: expected a header name that is not a forwarding header',
    ],
    // Other token characters alias the dash form for CGI/WSGI/PHP backends and break the generated proxy configs.
    [
      { policies: [{ name: 'p', anonymous: true, headers: { X_User: 'a' } }] },
      'policies[0].headers.X_User: expected a header name of letters, digits and "-" only',
    ],
    [
      { policies: [{ name: 'p', anonymous: true, headers: { 'X.User': 'a' } }] },
      'policies[0].headers.X.User: expected a header name of letters, digits and "-" only',
    ],
    [
      { policies: [{ name: 'p', anonymous: true, headers: { 'X-User': 'a', 'x-user': 'b' } }] },
      'policies[0].headers.x-user: duplicate header name',
    ],
    [{ server: { port: 'eighty' } }, 'server.port:'],
    [
      { server: { metrics_on_admin: true } },
      'server.metrics_on_admin: expected admin.token or admin.token_file',
    ],
  ])('%j → %s', (input, expected) => {
    expect(problems(input).join('\n')).toContain(expected);
  });

  it('moves /metrics to the admin listener only when it has a token', () => {
    const token = 'a'.repeat(16);
    expect(problems({ server: { metrics_on_admin: true }, admin: { token } })).toEqual([]);
    expect(problems({ server: { metrics_on_admin: true }, admin: { token_file: '/t' } })).toEqual([
      'admin.token_file: expected at least 16 characters',
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

  it('names the file and the key when a ${VAR} is unset', () => {
    const path = file('missing.yaml', 'issuers:\n  - issuer: https://idp\n    hs_secrets: ["${NOT_SET}"]\n');
    expect(() => loadConfig({ KEYWAY_CONFIG: path })).toThrow(
      /missing\.yaml[\s\S]*issuers\[0\]\.hs_secrets\[0\]: environment variable NOT_SET is not set/,
    );
  });

  it('names the file for bad YAML, duplicate keys and unreadable files', () => {
    expect(() => loadConfig({ KEYWAY_CONFIG: file('bad.yaml', 'issuers: [\n') })).toThrow(
      /bad\.yaml[\s\S]*not valid YAML/,
    );
    expect(() => loadConfig({ KEYWAY_CONFIG: file('dup.yaml', 'log: {}\nlog: {}\n') })).toThrow(
      /dup\.yaml[\s\S]*not valid YAML/,
    );
    expect(() => loadConfig({ KEYWAY_CONFIG: join(dir, 'absent.yaml') })).toThrow(
      /absent\.yaml[\s\S]*cannot read/,
    );
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
