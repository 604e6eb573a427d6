// Every problem of a config in one pass, each with its source (the file or the environment variable), key path and
// stable code; unknown keys get the nearest valid key from the schema; YAML syntax errors come whole.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLoadedConfig, loadConfig, readConfigInput } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/errors.js';
import { registerSecret } from '../../helpers/audit.js';

const dir = mkdtempSync(join(tmpdir(), 'keyway-one-pass-'));
const SECRET = 's'.repeat(40);
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

/** The issues loadConfig throws for env, as {source, path, code}. */
function issues(env: Record<string, string>) {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}
const keyed = (env: Record<string, string>) =>
  issues(env).map(({ source, path, code }) => ({ source, path, code }));

describe('one pass', () => {
  it('reports type errors and cross-field problems together', () => {
    const path = file(
      'mixed.yaml',
      [
        'server: { port: ninety }',
        'issuers:',
        '  - name: corp',
        '    issuer: https://corp.example/',
        '    jwks_uri: http://corp.example/keys',
        '    leeway: later',
        '  - name: partner',
        '    issuer: https://partner.example/',
        `    hs_secrets: ["${SECRET}"]`,
        'policies:',
        '  - name: api',
        '    issuers: [corp, nobody]',
        '    required_claims: sub',
        '  - name: web',
        '    issuers: [ghost]',
        'default_policy: absent',
      ].join('\n'),
    );
    const got = keyed({ KEYWAY_CONFIG: path });
    for (const expected of [
      { path: 'server.port', code: 'invalid_type' },
      { path: 'issuers[0].leeway', code: 'invalid_value' },
      // The issuer with a type error still has its plain-http JWKS URL reported…
      { path: 'issuers[0].jwks_uri', code: 'insecure_url' },
      { path: 'policies[0].required_claims', code: 'invalid_type' },
      // …the policy with a type error its unknown issuer, and a name the failed issuer gives stays known.
      { path: 'policies[0].issuers[1]', code: 'unknown_reference' },
      { path: 'policies[1].issuers[0]', code: 'unknown_reference' },
      { path: 'default_policy', code: 'unknown_reference' },
    ])
      expect(got).toContainEqual({ source: path, ...expected });
    expect(got.filter((i) => i.path === 'policies[0].issuers[0]')).toEqual([]);
  });

  it('names the environment variable that set a bad value, not the file', () => {
    const path = file('env.yaml', `issuers: [{ issuer: https://i.example/, hs_secrets: ["${SECRET}"] }]\n`);
    const got = keyed({
      KEYWAY_CONFIG: path,
      ADMIN_PORT: 'eighty-two',
      LOG_LEVEL: 'loud',
      REDIS_URL: 'http://cache:6379',
      KEYWAY_PROXY_SECRET: 'tiny',
    });
    expect(got).toEqual(
      expect.arrayContaining([
        { source: 'ADMIN_PORT', path: 'admin.port', code: 'invalid_type' },
        { source: 'LOG_LEVEL', path: 'log.level', code: 'invalid_value' },
        { source: 'REDIS_URL', path: 'revocation.redis_url', code: 'invalid_value' },
        { source: 'KEYWAY_PROXY_SECRET', path: 'server.proxy_secret', code: 'invalid_value' },
      ]),
    );
    expect(got).toHaveLength(4);
    const rendered = new ConfigError(path, issues({ KEYWAY_CONFIG: path, PORT: 'x1' })).message;
    expect(rendered).toContain('invalid config PORT:\n  - server.port: expected a number, got a string');
    expect(rendered).not.toContain(path);
  });

  it('names the quick-start variable behind an issuer problem', () => {
    expect(keyed({ KEYWAY_ISSUER: 'https://q.example/', KEYWAY_HS_SECRET: 'too-short' })).toEqual([
      { source: 'KEYWAY_HS_SECRET', path: 'issuers[0].hs_secrets[0]', code: 'refused_key' },
    ]);
    expect(keyed({ KEYWAY_JWKS_URL: 'http://idp.corp/keys', KEYWAY_ISSUER: 'https://idp.corp/' })).toEqual([
      { source: 'KEYWAY_JWKS_URL', path: 'issuers[0].jwks_uri', code: 'insecure_url' },
    ]);
    expect(keyed({ KEYWAY_ISSUER: 'https://q.example/', KEYWAY_ALGORITHMS: 'RS256,nope' })).toEqual([
      { source: 'KEYWAY_ALGORITHMS', path: 'issuers[0].algorithms[1]', code: 'invalid_value' },
    ]);
  });

  it('says which ${VAR} a bad value in the file came from (never the value)', () => {
    const path = file('interp.yaml', 'server:\n  port: "${SVC_PORT}"\n');
    const [issue] = issues({ KEYWAY_CONFIG: path, SVC_PORT: 'secretish-value' });
    expect(issue).toMatchObject({ source: path, path: 'server.port', code: 'invalid_type' });
    expect(issue!.message).toContain('${SVC_PORT}');
    expect(issue!.message).not.toContain('secretish-value');
  });
});

describe('unknown keys', () => {
  it.each([
    [
      'issuers: [{ issuer: https://a.example/, jwksUrl: https://a.example/k }]',
      'issuers[0].jwksUrl',
      'issuers[0].jwks_uri',
    ],
    [
      'issuers: [{ issuer: https://a.example/, jwks_endpoint: https://a.example/k }]',
      'issuers[0].jwks_endpoint',
      'issuers[0].jwks_uri',
    ],
    [
      'issuers: [{ issuer: https://a.example/, audiance: [x] }]',
      'issuers[0].audiance',
      'issuers[0].audiences',
    ],
    ['issuers: [{ iss: https://a.example/, discovery: true }]', 'issuers[0].iss', 'issuers[0].issuer'],
    [
      'policies: [{ name: p, anonymous: true, match: { prefix: /x } }]',
      'policies[0].match.prefix',
      'policies[0].match.paths',
    ],
    [
      'policies: [{ name: p, anonymous: true, match: { host: a.example } }]',
      'policies[0].match.host',
      'policies[0].match.hosts',
    ],
    ['policies: [{ name: p, anonymous: true, scope: [read] }]', 'policies[0].scope', 'policies[0].scopes'],
    ['revocation: { redis_uri: "redis://r:6379" }', 'revocation.redis_uri', 'revocation.redis_url'],
    ['limits: { max_token_size: 100 }', 'limits.max_token_size', 'limits.max_token_bytes'],
    ['serverr: { port: 1 }', 'serverr', 'server'],
    ['host: 0.0.0.0', 'host', 'server.host" or "admin.host'],
  ])('%s → %s: did you mean %s', (yaml, path, suggestion) => {
    const source = file(`unknown-${path.replace(/\W/g, '_')}.yaml`, `${yaml}\n`);
    const found = issues({ KEYWAY_CONFIG: source }).find((i) => i.path === path);
    expect(found).toMatchObject({ source, code: 'unknown_key' });
    expect(found!.message).toContain(`did you mean "${suggestion}"?`);
  });

  it('lists the valid keys when none is near', () => {
    const source = file('far.yaml', 'log: { zzzzzzzz: 1 }\n');
    const [issue] = issues({ KEYWAY_CONFIG: source });
    expect(issue).toMatchObject({ path: 'log.zzzzzzzz', code: 'unknown_key' });
    expect(issue!.message).toContain('expected one of: level, allow_lines, allow_sample');
  });

  it('suggests the nearest option of a closed set', () => {
    const source = file('enum.yaml', 'revocation: { fail: opne }\n');
    expect(issues({ KEYWAY_CONFIG: source })[0]!.message).toContain('did you mean "open"?');
  });
});

describe('YAML syntax errors', () => {
  it('are reported whole and all at once: line, column, message and snippet', () => {
    const source = file('syntax.yaml', 'server:\n  port: 1\n  host: a: b\nlog: {}\nlog: {}\n');
    const got = issues({ KEYWAY_CONFIG: source });
    expect(got.map((i) => i.code)).toEqual(['invalid_yaml', 'invalid_yaml']);
    expect(got[0]!.message).toMatch(/at line 3, column 9:\n\n {2}host: a: b\n {8}\^/);
    expect(got[1]!.message).toMatch(/line 5/);
  });

  it('inline YAML names KEYWAY_CONFIG_YAML', () => {
    const input = readConfigInput({ KEYWAY_CONFIG_YAML: 'issuers: [\n  - {' });
    const { problems } = checkLoadedConfig(input);
    expect(input.source).toBe('KEYWAY_CONFIG_YAML');
    expect(problems.map((p) => p.code)).toContain('invalid_yaml');
  });
});

describe('YAML snippets and secrets', () => {
  it('mask the value of a secret-named key on the snippet line, keeping the caret', () => {
    const secret = 'literal-secret-in-the-file-0123456789';
    registerSecret(secret, 'YAML snippet test');
    const source = file('secret-snippet.yaml', `admin:\n  token: "${secret}" x: y\n`);
    const [issue] = issues({ KEYWAY_CONFIG: source });
    expect(issue!.code).toBe('invalid_yaml');
    expect(issue!.message).not.toContain(secret);
    expect(issue!.message).toMatch(/ {2}token: \*+\n/);
  });
});
