// The environment's part of the config: the single-issuer quick start and the 12-factor overrides, each recording the
// key path it sets so that a problem there names the variable, not the file.

export type Env = Readonly<Record<string, string | undefined>>;

/** Which environment variable gave the value at a key path: set outright, or read through ${VAR} in the file. */
export interface Origin {
  readonly path: string;
  readonly variable: string;
  readonly kind: 'set' | 'interpolated';
}

/** The quick-start variables; any of them set (non-empty) makes the environment the config source. */
export const QUICK_START_VARIABLES = [
  'KEYWAY_JWKS_URL',
  'KEYWAY_ISSUER',
  'KEYWAY_HS_SECRET',
  'KEYWAY_HS_SECRET_FILE',
  'KEYWAY_AUDIENCE',
  'KEYWAY_ALGORITHMS',
] as const;

/** The quick-start variables set in `env` (an empty value is unset, as compose's `${HS:-}` gives). */
export function quickStartVariables(env: Env): string[] {
  return QUICK_START_VARIABLES.filter((name) => !!env[name]);
}

const list = (v: string | undefined): string[] | undefined =>
  v
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** The single-issuer quick start: KEYWAY_JWKS_URL / KEYWAY_ISSUER / KEYWAY_AUDIENCE / KEYWAY_HS_SECRET / KEYWAY_ALGORITHMS. */
export function quickStartFromEnv(env: Env, origins: Origin[] = []): Record<string, unknown> {
  const jwks = env['KEYWAY_JWKS_URL'];
  const issuer = env['KEYWAY_ISSUER'];
  const secretFile = env['KEYWAY_HS_SECRET_FILE'];
  // An empty KEYWAY_HS_SECRET (compose's `${HS:-}`) is unset, as everywhere else: the file must still count.
  const secret = env['KEYWAY_HS_SECRET'] || (secretFile ? { file: secretFile } : undefined);
  if (!jwks && !secret && !issuer) return {};
  const set = (path: string, variable: string) =>
    origins.push({ path: `issuers[0].${path}`, variable, kind: 'set' });
  const entry: Record<string, unknown> = { name: 'default' };
  if (issuer) {
    entry['issuer'] = issuer;
    set('issuer', 'KEYWAY_ISSUER');
  }
  if (jwks) {
    entry['jwks_uri'] = jwks;
    set('jwks_uri', 'KEYWAY_JWKS_URL');
  } else if (issuer && !secret) {
    entry['discovery'] = true;
    set('discovery', 'KEYWAY_ISSUER');
  }
  if (secret) {
    entry['hs_secrets'] = [secret];
    set('hs_secrets', typeof secret === 'string' ? 'KEYWAY_HS_SECRET' : 'KEYWAY_HS_SECRET_FILE');
  }
  const audiences = list(env['KEYWAY_AUDIENCE']);
  if (audiences) {
    entry['audiences'] = audiences;
    set('audiences', 'KEYWAY_AUDIENCE');
  }
  const algorithms = list(env['KEYWAY_ALGORITHMS']);
  if (algorithms) {
    entry['algorithms'] = algorithms;
    set('algorithms', 'KEYWAY_ALGORITHMS');
  }
  return { issuers: [entry], policies: [{ name: 'default' }] };
}

function toPort(value: string | undefined): number | string | undefined {
  if (value === undefined || value === '') return undefined;
  return /^\d+$/.test(value) ? Number(value) : value;
}

/** HOST, PORT, ADMIN_HOST, ADMIN_PORT, LOG_LEVEL, REDIS_URL, KEYWAY_ADMIN_TOKEN(_FILE), KEYWAY_METRICS_TOKEN and KEYWAY_PROXY_SECRET(_PREVIOUS) win over the file (12-factor). */
export function applyEnvOverrides(doc: unknown, env: Env, origins: Origin[] = []): unknown {
  if (doc !== undefined && doc !== null && (typeof doc !== 'object' || Array.isArray(doc))) return doc;
  const out = { ...((doc ?? {}) as Record<string, unknown>) };
  const section = (name: string): Record<string, unknown> => {
    const current = out[name];
    const copy =
      current && typeof current === 'object' && !Array.isArray(current)
        ? { ...(current as Record<string, unknown>) }
        : {};
    out[name] = copy;
    return copy;
  };
  const put = (name: string, key: string, value: unknown, variable: string) => {
    section(name)[key] = value;
    origins.push({ path: `${name}.${key}`, variable, kind: 'set' });
  };
  if (env['HOST']) put('server', 'host', env['HOST'], 'HOST');
  const port = toPort(env['PORT']);
  if (port !== undefined) put('server', 'port', port, 'PORT');
  if (env['ADMIN_HOST']) put('admin', 'host', env['ADMIN_HOST'], 'ADMIN_HOST');
  const adminPort = toPort(env['ADMIN_PORT']);
  if (adminPort !== undefined) put('admin', 'port', adminPort, 'ADMIN_PORT');
  // Either environment variable replaces whichever of token / token_file the file set (both set is refused).
  if (env['KEYWAY_ADMIN_TOKEN'] || env['KEYWAY_ADMIN_TOKEN_FILE']) {
    const admin = section('admin');
    delete admin['token'];
    delete admin['token_file'];
    if (env['KEYWAY_ADMIN_TOKEN']) put('admin', 'token', env['KEYWAY_ADMIN_TOKEN'], 'KEYWAY_ADMIN_TOKEN');
    if (env['KEYWAY_ADMIN_TOKEN_FILE'])
      put('admin', 'token_file', env['KEYWAY_ADMIN_TOKEN_FILE'], 'KEYWAY_ADMIN_TOKEN_FILE');
  }
  if (env['KEYWAY_METRICS_TOKEN'])
    put('admin', 'metrics_token', env['KEYWAY_METRICS_TOKEN'], 'KEYWAY_METRICS_TOKEN');
  if (env['KEYWAY_PROXY_SECRET'])
    put('server', 'proxy_secret', env['KEYWAY_PROXY_SECRET'], 'KEYWAY_PROXY_SECRET');
  if (env['KEYWAY_PROXY_SECRET_PREVIOUS'])
    put(
      'server',
      'proxy_secret_previous',
      env['KEYWAY_PROXY_SECRET_PREVIOUS'],
      'KEYWAY_PROXY_SECRET_PREVIOUS',
    );
  if (env['LOG_LEVEL']) put('log', 'level', env['LOG_LEVEL'], 'LOG_LEVEL');
  if (env['REDIS_URL']) put('revocation', 'redis_url', env['REDIS_URL'], 'REDIS_URL');
  return out;
}
