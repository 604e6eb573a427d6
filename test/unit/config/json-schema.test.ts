// The JSON Schema of keyway.yaml: the checked-in file is current, every config in examples/ and deploy/ passes it and
// the real parser, it takes the input format keyway takes (durations, ${VAR}, scalars for lists) and refuses bad keys.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { z } from 'zod';
import {
  configJsonSchema,
  DURATION_PATTERN,
  formatDuration,
  renderConfigJsonSchema,
} from '../../../src/config/json-schema.js';
import { loadConfig } from '../../../src/config/load.js';
import { parseConfig } from '../../../src/config/parse.js';
import { configSchema } from '../../../src/config/schema.js';
import { ConfigError } from '../../../src/errors.js';
import { parseDuration } from '../../../src/lib/duration.js';
import { registerSecret } from '../../helpers/audit.js';
import { CONFIG_SCHEMA_FILE, CONFIG_SCHEMA_PATH } from '../../helpers/config-schema-file.js';

const ROOT = resolve(dirname(CONFIG_SCHEMA_PATH), '..');
const SECTIONS = Object.keys(configJsonSchema()['properties'] as object);

const secret = (label: string): string => {
  const value = randomBytes(32).toString('hex');
  registerSecret(value, label);
  return value;
};

const HS_SECRET = secret('HS secret');

/** A value for every ${VAR} the example and deploy configs read, as their run scripts and platforms set them (some
 * are also environment overrides, which then set the same value again). */
const DEPLOY_ENV: Record<string, string> = {
  KEYWAY_HS_SECRET: HS_SECRET,
  KEYWAY_DEMO_SECRET: secret('demo secret'),
  KEYWAY_ADMIN_TOKEN: secret('admin token'),
  KEYWAY_PROXY_SECRET: secret('proxy secret'),
  KEYWAY_ISSUER: 'https://idp.example.com/',
  KEYWAY_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json',
  REDIS_URL: 'redis://127.0.0.1:1',
};

/** The variables the config texts below read: none of them is an environment override. */
const TEXT_ENV: Record<string, string> = {
  KEYWAY_HS_SECRET: HS_SECRET,
  TEST_PROXY_SECRET: secret('proxy secret'),
  TEST_ISSUER: 'https://idp.example.com/',
  TEST_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json',
  TEST_REDIS_URL: 'rediss://127.0.0.1:1',
};

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
// What z.url() takes: the JSON Schema says `format: uri`, and keyway's parser decides.
ajv.addFormat('uri', (value: string) => z.url().safeParse(value).success);
// VS Code's message for a pattern mismatch (yaml-language-server shows it): an annotation here.
ajv.addKeyword({ keyword: 'patternErrorMessage', schemaType: 'string' });
const validate = ajv.compile(JSON.parse(readFileSync(CONFIG_SCHEMA_PATH, 'utf8')));

function schemaErrors(doc: unknown): ErrorObject[] {
  return validate(doc) ? [] : [...(validate.errors ?? [])];
}

/** The problems keyway's own loader reports for config text (empty: it loads). */
function loaderProblems(text: string, env: Record<string, string>): string {
  try {
    loadConfig({ ...env, KEYWAY_CONFIG_YAML: text });
    return '';
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
}

function filesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

interface FoundConfig {
  readonly name: string;
  readonly text: string;
  /** Where the file's yaml-language-server modeline points (repository-relative), or null without one. */
  readonly modeline: string | null;
}

const modeline = (file: string, text: string): string | null => {
  const target = /^# yaml-language-server: \$schema=(\S+)$/m.exec(text)?.[1];
  return target ? relative(ROOT, resolve(ROOT, dirname(file), target)) : null;
};

/** Every keyway config in examples/ and deploy/: a YAML file of config sections only, or a ConfigMap's keyway.yaml. */
function keywayConfigs(): { files: FoundConfig[]; embedded: FoundConfig[] } {
  const files: FoundConfig[] = [];
  const embedded: FoundConfig[] = [];
  for (const file of [...filesUnder('examples'), ...filesUnder('deploy')]) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const doc of parseAllDocuments(text).map((d) => d.toJS() as unknown)) {
      if (!doc || typeof doc !== 'object' || Array.isArray(doc)) continue;
      const record = doc as Record<string, unknown>;
      const inline = (record['data'] as Record<string, unknown> | undefined)?.['keyway.yaml'];
      if (record['kind'] === 'ConfigMap' && typeof inline === 'string')
        embedded.push({ name: `${file} data["keyway.yaml"]`, text: inline, modeline: null });
      // Traefik's static config has a `log` section too, besides keys keyway does not have.
      else if (Object.keys(record).every((k) => SECTIONS.includes(k)))
        files.push({ name: file, text, modeline: modeline(file, text) });
    }
  }
  return { files, embedded };
}

describe(CONFIG_SCHEMA_FILE, () => {
  it('is what `npm run schema` generates from the zod config schema', () => {
    const current = readFileSync(CONFIG_SCHEMA_PATH, 'utf8');
    const fresh = renderConfigJsonSchema();
    if (current !== fresh)
      expect.fail(
        `${CONFIG_SCHEMA_FILE} differs from the zod config schema: run \`npm run schema\` and commit it`,
      );
  });

  it('documents every section and keeps durations and their defaults in the form a file uses', () => {
    const properties = configJsonSchema()['properties'] as Record<string, Record<string, unknown>>;
    for (const [key, section] of Object.entries(properties))
      expect(section['description'], key).toBeTypeOf('string');
    const server = properties['server']!['properties'] as Record<string, Record<string, unknown>>;
    expect(server['shutdown_timeout']?.['default']).toBe('10s');
    expect(server['port']?.['default']).toBe(8081);
  });

  it("gives editors the parser's own message for a pattern mismatch", () => {
    const revocation = configJsonSchema()['properties'] as Record<
      string,
      Record<string, Record<string, unknown>>
    >;
    const redisUrl = revocation['revocation']!['properties']!['redis_url'] as {
      anyOf: Record<string, unknown>[];
    };
    const parsed = configSchema.safeParse({ revocation: { redis_url: 'http://redis:6379' } });
    expect(parsed.success).toBe(false);
    expect(redisUrl.anyOf[0]?.['patternErrorMessage']).toBe(parsed.error?.issues[0]?.message);
  });
});

describe('the keyway configs in examples/ and deploy/', () => {
  const { files, embedded } = keywayConfigs();
  const all = [...files, ...embedded];

  it('are all found (the discovery cannot come back empty)', () => {
    expect(all.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        'examples/keyway.yaml',
        'examples/caddy/keyway.yaml',
        'examples/nginx/keyway.yaml',
        'examples/traefik/keyway.yaml',
        'deploy/compose/keyway.yaml',
        'deploy/fly/keyway.yaml',
        'deploy/kubernetes/configmap.yaml data["keyway.yaml"]',
      ]),
    );
  });

  it("the README's modeline example resolves to the schema from the file it is shown for", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const shown = /For\s+`([^`]+\.yaml)`:\s+```yaml\n(# yaml-language-server: \$schema=\S+)\n```/.exec(
      readme,
    );
    expect(shown).not.toBeNull();
    const [, file, line] = shown!;
    expect(modeline(file!, line!)).toBe(CONFIG_SCHEMA_FILE);
    expect(readFileSync(join(ROOT, file!), 'utf8')).toContain(`${line}\n`);
  });

  it.each(files.map((c) => [c.name, c] as const))('%s names the schema in its modeline', (_name, config) => {
    expect(config.modeline).toBe(CONFIG_SCHEMA_FILE);
  });

  it.each(all.map((c) => [c.name, c] as const))(
    '%s passes the JSON Schema and the real parser',
    (_n, config) => {
      expect(schemaErrors(parseYaml(config.text))).toEqual([]);
      // Route table files are read when the router starts, not by the parser: a relative one need not resolve here.
      expect(loaderProblems(config.text, DEPLOY_ENV)).toBe('');
    },
  );
});

/** Config text that keyway takes: the JSON Schema must take it too (as written, before ${VAR} is replaced). */
const VALID: readonly { name: string; yaml: string }[] = [
  {
    name: 'durations as seconds, with units, with spaces, fractional',
    yaml: 'server: { request_timeout: 12, shutdown_timeout: " 2.5s ", keep_alive_timeout: 1500ms }\nrevocation: { max_staleness: 1m, heartbeat: 0.5 }',
  },
  {
    name: 'a scalar where a list is allowed, and the list form',
    yaml: 'issuers: [{ name: a, hs_secrets: ["${KEYWAY_HS_SECRET}"], audiences: api, typ: at+jwt }]\npolicies: [{ name: p, match: { hosts: a.example, paths: [/x, /y], methods: GET }, audiences: [api] }]',
  },
  {
    name: 'an HS secret as an object; claims allowlists of numbers and booleans',
    yaml: 'issuers: [{ name: a, hs_secrets: [{ secret: "${KEYWAY_HS_SECRET}", encoding: hex, kid: k1, algorithms: [HS256] }] }]\npolicies: [{ name: p, claims: { tier: [1, 2], beta: [true], org: [acme] } }]',
  },
  {
    name: '${VAR} where the replaced value must match a pattern, a URL format, an enum, a minimum length',
    yaml: 'server: { proxy_secret: "${TEST_PROXY_SECRET}", client_ip_header: "${IP_HEADER:-Fly-Client-IP}" }\nlog: { level: "${LOG_LEVEL_NAME:-debug}" }\nissuers: [{ name: a, issuer: "${TEST_ISSUER}", jwks_uri: "${TEST_JWKS_URL}" }]\npolicies: [{ name: p }]\nrevocation: { redis_url: "${TEST_REDIS_URL}", max_staleness: "${STALENESS:-10s}" }',
  },
  {
    name: 'token sources, header mappings, rate limit, routing per policy',
    yaml: 'issuers: [{ name: a, hs_secrets: ["${KEYWAY_HS_SECRET}"] }]\npolicies: [{ name: p, token_sources: [bearer, "header:X-Token", "cookie:session", "query:access_token"], headers: { X-User-Email: email }, rate_limit: { requests: 10, per: 1m, by: client_ip }, routing: { on_no_upstream: last_known } }]\ndefault_policy: p',
  },
  {
    name: 'routing table file, allowlist, health checks; revocation via Sentinel',
    yaml: 'routing: { table_file: routes.yaml, upstream_allowlist: ["10.0.0.1:80"], default_upstreams: ["10.0.0.1:80"], health: { path: /up, interval: 2s, timeout: 1s } }\nrevocation: { sentinel: { name: mymaster, sentinels: ["10.0.0.2:26379"] }, fail: open }',
  },
];

describe('config text keyway takes', () => {
  it.each(VALID.map((c) => [c.name, c.yaml] as const))('%s: the JSON Schema takes it too', (_name, yaml) => {
    expect(schemaErrors(parseYaml(yaml))).toEqual([]);
    expect(loaderProblems(yaml, TEXT_ENV)).toBe('');
  });
});

/** Mistakes the JSON Schema must catch in the editor, each at a path (keyway's parser refuses them as well). */
const INVALID: readonly { name: string; doc: unknown; path: string; at: string }[] = [
  { name: 'an unknown section', doc: { sever: { port: 1 } }, path: '', at: 'sever' },
  {
    name: 'an unknown issuer key (jwks_url for jwks_uri)',
    doc: { issuers: [{ name: 'a', jwks_url: 'https://idp.example/jwks' }] },
    path: '/issuers/0',
    at: 'issuers[0]',
  },
  {
    name: 'an unknown match key (path for paths)',
    doc: { policies: [{ name: 'p', anonymous: true, match: { path: '/x' } }] },
    path: '/policies/0/match',
    at: 'policies[0].match',
  },
  { name: 'a port as a string', doc: { server: { port: '8081' } }, path: '/server/port', at: 'server.port' },
  { name: 'a port out of range', doc: { admin: { port: 70000 } }, path: '/admin/port', at: 'admin.port' },
  {
    name: 'a boolean as a string',
    doc: { policies: [{ name: 'p', anonymous: 'yes' }] },
    path: '/policies/0/anonymous',
    at: 'policies[0].anonymous',
  },
  {
    name: 'a level not in the enum',
    doc: { log: { level: 'verbose' } },
    path: '/log/level',
    at: 'log.level',
  },
  {
    name: 'a duration without a unit keyway knows',
    doc: { revocation: { max_staleness: '5 seconds' } },
    path: '/revocation/max_staleness',
    at: 'revocation.max_staleness',
  },
  {
    name: 'a negative duration',
    doc: { server: { shutdown_timeout: -1 } },
    path: '/server/shutdown_timeout',
    at: 'server.shutdown_timeout',
  },
  {
    name: 'a token source of no known kind',
    doc: { policies: [{ name: 'p', anonymous: true, token_sources: ['form:token'] }] },
    path: '/policies/0/token_sources/0',
    at: 'policies[0].token_sources[0]',
  },
  {
    name: 'a policy without a name',
    doc: { policies: [{ anonymous: true }] },
    path: '/policies/0',
    at: 'policies[0]',
  },
  {
    name: 'a Redis URL of another scheme',
    doc: { revocation: { redis_url: 'http://redis:6379' } },
    path: '/revocation/redis_url',
    at: 'revocation.redis_url',
  },
];

describe('config mistakes', () => {
  it.each(INVALID.map((c) => [c.name, c] as const))(
    '%s: refused by the JSON Schema and by keyway',
    (_n, c) => {
      const errors = schemaErrors(c.doc);
      expect(errors.map((e) => e.instancePath)).toContain(c.path);
      expect(() => parseConfig(c.doc, 'keyway.yaml', { readFile: () => '' })).toThrow(ConfigError);
      expect(loaderProblems(JSON.stringify(c.doc), TEXT_ENV)).toContain(c.at);
    },
  );

  it('an unknown key is reported as an additional property, named', () => {
    const errors = schemaErrors({ issuers: [{ name: 'a', audience: 'api' }] });
    expect(errors).toContainEqual(
      expect.objectContaining({
        instancePath: '/issuers/0',
        keyword: 'additionalProperties',
        params: { additionalProperty: 'audience' },
      }),
    );
  });
});

describe('defaults in the JSON Schema', () => {
  /** Every (path, default) under properties and object items, as a path of keys (0 for an array item). */
  function defaults(schema: Record<string, unknown>, path: (string | 0)[] = []): [(string | 0)[], unknown][] {
    const out: [(string | 0)[], unknown][] = [];
    if (path.length > 0 && 'default' in schema) out.push([path, schema['default']]);
    for (const [key, child] of Object.entries(
      (schema['properties'] ?? {}) as Record<string, Record<string, unknown>>,
    ))
      out.push(...defaults(child, [...path, key]));
    const items = schema['items'] as Record<string, unknown> | undefined;
    if (items?.['type'] === 'object') out.push(...defaults(items, [...path, 0]));
    return out;
  }

  const base = () => ({
    issuers: [{ name: 'a', hs_secrets: [HS_SECRET] }],
    // rate_limit needs requests and per: with them here, its `by` default is checked too.
    policies: [{ name: 'p', rate_limit: { requests: 10, per: 60 } }],
  });
  const io = { readFile: () => '' };
  const found = defaults(configJsonSchema());

  it('are found for the sections, durations and lists', () => {
    const paths = found.map(([p]) => p.join('.'));
    expect(paths).toEqual(
      expect.arrayContaining([
        'server',
        'issuers.0.leeway',
        'issuers.0.jwks.ttl',
        'policies.0.token_sources',
        'issuers',
      ]),
    );
  });

  it('each parse to the value keyway uses when the key is left out', () => {
    const expected = parseConfig(base(), 'keyway.yaml', io);
    let checked = 0;
    for (const [path, value] of found) {
      const doc: Record<string | number, unknown> = base();
      let node = doc;
      for (const key of path.slice(0, -1)) {
        node[key] ??= {};
        node = node[key] as Record<string | number, unknown>;
      }
      const last = path.at(-1)!;
      if (node[last] !== undefined) continue; // set by the base config itself
      node[last] = structuredClone(value);
      expect(parseConfig(doc, 'keyway.yaml', io), path.join('.')).toEqual(expected);
      checked++;
    }
    expect(checked).toBeGreaterThan(60);
  });
});

describe('the duration pattern', () => {
  const matches = (s: string) => new RegExp(DURATION_PATTERN).test(s);

  it('takes exactly the strings parseDuration takes', () => {
    const piece = fc.constantFrom(
      '',
      ' ',
      '\t',
      '1',
      '05',
      '.',
      '.5',
      'ms',
      's',
      'm',
      'h',
      'd',
      'x',
      '-',
      'e3',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 6 }), (parts) => {
        const s = parts.join('');
        expect(matches(s)).toBe(parseDuration(s) !== undefined);
      }),
      { numRuns: 2000 },
    );
  });

  it('formats defaults in the largest whole unit, and they parse back', () => {
    for (const ms of [200, 1000, 1500, 30_000, 300_000, 3_600_000, 86_400_000]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    }
    expect([formatDuration(300_000), formatDuration(86_400_000), formatDuration(1500)]).toEqual([
      '5m',
      '1d',
      '1500ms',
    ]);
  });
});
