// loadConfig: the YAML file (KEYWAY_CONFIG) or inline YAML (KEYWAY_CONFIG_YAML) with ${VAR} secrets, or the env quick
// start; env overrides on top.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors.js';
import { formatPath, parseConfig } from './parse.js';
import type { Config, ConfigIo } from './types.js';

export type Env = Readonly<Record<string, string | undefined>>;

const nodeIo: ConfigIo = { readFile: (path) => readFileSync(path, 'utf8') };

/** The unvalidated config document (file or quick-start env, env overrides applied) and where it came from. */
export function loadConfigInput(env: Env, io: ConfigIo = nodeIo): { doc: unknown; source: string } {
  const path = env['KEYWAY_CONFIG'];
  const inline = env['KEYWAY_CONFIG_YAML'];
  // Two config sources could disagree about every key: refuse rather than pick one.
  if (path && inline)
    throw new ConfigError('environment', [
      'KEYWAY_CONFIG and KEYWAY_CONFIG_YAML are both set: set one of them (a file path, or the YAML itself)',
    ]);
  if (inline) return { doc: applyEnvOverrides(parseConfigText(inline, INLINE, env), env), source: INLINE };
  if (path) return { doc: applyEnvOverrides(readConfigFile(path, env, io), env), source: path };
  return { doc: applyEnvOverrides(quickStartFromEnv(env), env), source: 'environment' };
}

/** Load the config named by env (KEYWAY_CONFIG) or built from the quick-start env; throws ConfigError. */
export function loadConfig(env: Env, io: ConfigIo = nodeIo): Config {
  const { doc, source } = loadConfigInput(env, io);
  return parseConfig(doc, source, io);
}

/** True when a document names no issuer and no policy: `serve` then runs the embedded dev issuer. */
export function isEmptyOfIssuers(doc: unknown): boolean {
  const d = (doc ?? {}) as { issuers?: unknown[]; policies?: unknown[] };
  return !d.issuers?.length && !d.policies?.length;
}

/** Parse a document with extra top-level input merged in (the dev issuer). */
export function parseWith(
  doc: unknown,
  extra: Record<string, unknown>,
  source: string,
  io: ConfigIo = nodeIo,
): Config {
  return parseConfig({ ...((doc ?? {}) as object), ...extra }, source, io);
}

/** Read and YAML-parse a config file, replacing ${VAR} and ${VAR:-default} in string values. */
export function readConfigFile(path: string, env: Env, io: ConfigIo = nodeIo): unknown {
  let text: string;
  try {
    text = io.readFile(path);
  } catch (err) {
    throw new ConfigError(path, [`cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  return parseConfigText(text, path, env);
}

/** The source name of a config given inline (a Fly/Kubernetes/compose secret holding the YAML itself). */
const INLINE = 'KEYWAY_CONFIG_YAML';

/** YAML-parse config text from `source` (a file path or KEYWAY_CONFIG_YAML) and replace ${VAR}s; throws ConfigError. */
function parseConfigText(text: string, source: string, env: Env): unknown {
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 100, uniqueKeys: true });
  } catch (err) {
    throw new ConfigError(source, [`not valid YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
  const problems: string[] = [];
  const out = interpolate(doc, [], env, problems);
  if (problems.length > 0) throw new ConfigError(source, problems);
  return out;
}

const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

function interpolate(value: unknown, path: PropertyKey[], env: Env, problems: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(VAR, (_m, name: string, fallback: string | undefined) => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (fallback !== undefined) return fallback;
      problems.push(`${formatPath(path)}: environment variable ${name} is not set`);
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, [...path, i], env, problems));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, interpolate(v, [...path, k], env, problems)]),
    );
  }
  return value;
}

const list = (v: string | undefined): string[] | undefined =>
  v
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** The single-issuer quick start: KEYWAY_JWKS_URL / KEYWAY_ISSUER / KEYWAY_AUDIENCE / KEYWAY_HS_SECRET / KEYWAY_ALGORITHMS. */
export function quickStartFromEnv(env: Env): Record<string, unknown> {
  const jwks = env['KEYWAY_JWKS_URL'];
  const issuer = env['KEYWAY_ISSUER'];
  const secretFile = env['KEYWAY_HS_SECRET_FILE'];
  // An empty KEYWAY_HS_SECRET (compose's `${HS:-}`) is unset, as everywhere else: the file must still count.
  const secret = env['KEYWAY_HS_SECRET'] || (secretFile ? { file: secretFile } : undefined);
  if (!jwks && !secret && !issuer) return {};
  const entry: Record<string, unknown> = { name: 'default' };
  if (issuer) entry['issuer'] = issuer;
  if (jwks) entry['jwks_uri'] = jwks;
  else if (issuer && !secret) entry['discovery'] = true;
  if (secret) entry['hs_secrets'] = [secret];
  const audiences = list(env['KEYWAY_AUDIENCE']);
  if (audiences) entry['audiences'] = audiences;
  const algorithms = list(env['KEYWAY_ALGORITHMS']);
  if (algorithms) entry['algorithms'] = algorithms;
  return { issuers: [entry], policies: [{ name: 'default' }] };
}

function toPort(value: string | undefined): number | string | undefined {
  if (value === undefined || value === '') return undefined;
  return /^\d+$/.test(value) ? Number(value) : value;
}

/** HOST, PORT, ADMIN_PORT, LOG_LEVEL, REDIS_URL, KEYWAY_ADMIN_TOKEN(_FILE), KEYWAY_METRICS_TOKEN and KEYWAY_PROXY_SECRET(_PREVIOUS) win over the file (12-factor). */
export function applyEnvOverrides(doc: unknown, env: Env): unknown {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return doc;
  const out = { ...(doc as Record<string, unknown>) };
  const section = (name: string): Record<string, unknown> => {
    const current = out[name];
    const copy = current && typeof current === 'object' ? { ...(current as Record<string, unknown>) } : {};
    out[name] = copy;
    return copy;
  };
  if (env['HOST']) section('server')['host'] = env['HOST'];
  const port = toPort(env['PORT']);
  if (port !== undefined) section('server')['port'] = port;
  const adminPort = toPort(env['ADMIN_PORT']);
  if (adminPort !== undefined) section('admin')['port'] = adminPort;
  // Either environment variable replaces whichever of token / token_file the file set (both set is refused).
  if (env['KEYWAY_ADMIN_TOKEN'] || env['KEYWAY_ADMIN_TOKEN_FILE']) {
    const admin = section('admin');
    delete admin['token'];
    delete admin['token_file'];
    if (env['KEYWAY_ADMIN_TOKEN']) admin['token'] = env['KEYWAY_ADMIN_TOKEN'];
    if (env['KEYWAY_ADMIN_TOKEN_FILE']) admin['token_file'] = env['KEYWAY_ADMIN_TOKEN_FILE'];
  }
  if (env['KEYWAY_METRICS_TOKEN']) section('admin')['metrics_token'] = env['KEYWAY_METRICS_TOKEN'];
  if (env['KEYWAY_PROXY_SECRET']) section('server')['proxy_secret'] = env['KEYWAY_PROXY_SECRET'];
  if (env['KEYWAY_PROXY_SECRET_PREVIOUS'])
    section('server')['proxy_secret_previous'] = env['KEYWAY_PROXY_SECRET_PREVIOUS'];
  if (env['LOG_LEVEL']) section('log')['level'] = env['LOG_LEVEL'];
  if (env['REDIS_URL']) section('revocation')['redis_url'] = env['REDIS_URL'];
  return out;
}
