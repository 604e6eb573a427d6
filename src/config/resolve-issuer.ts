// resolveIssuer: one issuer's config → Issuer, with HS secrets decoded, key files read and fetch URLs checked.
import type { ConfigProblem } from '../errors.js';
import { hsSecretProblems, staticKeyProblems } from '../keys/configured-key-problems.js';
import { checkFetchUrl } from '../lib/fetch-url.js';
import { SIGNING_ALGS, type SigningAlg } from '../lib/jws-algs.js';
import type { IssuerConfig } from './schema.js';
import type { ConfigIo, HsSecret, Issuer, StaticKeyConfig } from './types.js';

const ASYMMETRIC_ALGS: readonly SigningAlg[] = SIGNING_ALGS.filter((alg) => !alg.startsWith('HS'));
const MIN_HS_BYTES = 32;

/** Resolve an issuer; every problem is pushed to `problems` with its key path (`issuers[0].hs_secrets[1]: …`). */
export function resolveIssuer(
  raw: IssuerConfig,
  at: string,
  io: ConfigIo,
  problems: ConfigProblem[],
): Issuer {
  const hs_secrets = raw.hs_secrets.map((s, j) => resolveHsSecret(s, `${at}.hs_secrets[${j}]`, io, problems));
  // A JWKS file (`{"keys": [...]}`, what `keyway keygen` writes) gives one key per entry, all at its keys[j] path.
  const located = raw.keys.flatMap((k, j) =>
    resolveStaticKey(k, `${at}.keys[${j}]`, io, problems).map((key) => ({ key, path: `${at}.keys[${j}]` })),
  );
  const keys = located.map((l) => l.key);
  if (!raw.jwks_uri && !raw.discovery && raw.hs_secrets.length === 0 && raw.keys.length === 0) {
    problems.push({
      path: at,
      code: 'missing_key',
      message: 'expected at least one of jwks_uri, discovery, hs_secrets or keys (where its keys come from)',
    });
  }
  if (raw.discovery && !raw.issuer?.startsWith('http')) {
    problems.push({
      path: `${at}.discovery`,
      code: 'requires',
      message: 'expected "issuer" to be an http(s) URL to discover from',
    });
  }
  if (raw.jwks_uri) checkFetchUrl(raw.jwks_uri, raw.allow_insecure_http, `${at}.jwks_uri`, problems);
  if (raw.discovery && raw.issuer?.startsWith('http')) {
    checkFetchUrl(raw.issuer, raw.allow_insecure_http, `${at}.issuer`, problems);
  }
  let ca: string | undefined;
  if (raw.ca_file) ca = readOrReport(io, raw.ca_file, `${at}.ca_file`, problems);
  const hsAlgs = new Set(hs_secrets.flatMap((s) => s.algorithms));
  const algorithms =
    raw.algorithms ??
    ([
      ...(raw.jwks_uri || raw.discovery || raw.keys.length > 0 ? ASYMMETRIC_ALGS : []),
      ...hsAlgs,
    ] as SigningAlg[]);
  // The key store's own import, run now: a key it would skip (weak, ROCA, no usable alg) fails the config instead.
  const unreported = (path: string) =>
    !problems.some((p) => p.path === path || p.path.startsWith(`${path}.`) || p.path.startsWith(`${path}[`));
  for (const { key, path } of located)
    if (unreported(path)) problems.push(...staticKeyProblems(key, algorithms, path));
  hs_secrets.forEach((s, j) => {
    const path = `${at}.hs_secrets[${j}]`;
    if (unreported(path)) problems.push(...hsSecretProblems(s, j, algorithms, path));
  });
  const { ca_file: _ca, ...rest } = raw;
  return { ...rest, name: raw.name ?? raw.issuer ?? 'default', hs_secrets, keys, algorithms, ca };
}

function resolveHsSecret(
  raw: IssuerConfig['hs_secrets'][number],
  at: string,
  io: ConfigIo,
  problems: ConfigProblem[],
): HsSecret {
  const spec = typeof raw === 'string' ? { secret: raw, encoding: 'utf8' as const } : raw;
  let text = spec.secret;
  if (spec.file !== undefined)
    text = readOrReport(io, spec.file, `${at}.file`, problems)?.replace(/\r?\n$/, '');
  const unreadable = spec.file !== undefined && text === undefined;
  if (text === undefined || text === '') {
    // An unreadable file is already reported as such.
    if (!unreadable)
      problems.push({
        path: at,
        code: 'missing_key',
        message: 'expected a secret (a string, "secret" or "file"); an unset ${VAR} yields an empty secret',
      });
    return { kid: undefined, key: new Uint8Array(), algorithms: [] };
  }
  const key = new Uint8Array(Buffer.from(text, spec.encoding));
  if (key.byteLength < MIN_HS_BYTES) {
    problems.push({
      path: at,
      code: 'refused_key',
      message: `HS secret is ${key.byteLength} bytes; expected at least ${MIN_HS_BYTES} bytes (RFC 7518 §3.2), e.g. \`openssl rand -hex 32\``,
    });
  }
  const fits = (['HS256', 'HS384', 'HS512'] as const).filter((_, i) => key.byteLength >= [32, 48, 64][i]!);
  const algorithms = 'algorithms' in spec && spec.algorithms ? spec.algorithms : fits;
  for (const a of algorithms) {
    if (!fits.includes(a))
      problems.push({
        path: `${at}.algorithms`,
        code: 'refused_key',
        message: `${a} needs a secret of at least ${a.slice(2) === '384' ? 48 : 64} bytes`,
      });
  }
  return { kid: 'kid' in spec ? spec.kid : undefined, key, algorithms };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * The keys of a JWKS document named by `keys[j].file`: each public key with its own kid and alg (a key's `alg` binds
 * it to that algorithm unless `algorithms` says otherwise); `kid` in the config picks the key(s) with that kid.
 */
function jwksKeys(
  raw: IssuerConfig['keys'][number],
  set: readonly unknown[],
  at: string,
  problems: ConfigProblem[],
): StaticKeyConfig[] {
  const all = set.filter(isObject);
  const picked = raw.kid === undefined ? all : all.filter((k) => k['kid'] === raw.kid);
  if (picked.length === 0) {
    problems.push({
      path: `${at}.file`,
      code: 'missing_key',
      message:
        raw.kid === undefined
          ? `expected at least one key in the JWKS ${raw.file} ("keys" is empty)`
          : `no key with kid ${JSON.stringify(raw.kid)} in the JWKS ${raw.file}: fix kid, or remove it to use every key`,
    });
    return [];
  }
  return picked.map((jwk) => {
    if ('d' in jwk || 'k' in jwk)
      problems.push({
        path: `${at}.file`,
        code: 'refused_key',
        message: `expected public keys in the JWKS ${raw.file} (private or symmetric JWK material is refused)`,
      });
    const alg = typeof jwk['alg'] === 'string' ? [jwk['alg'] as SigningAlg] : undefined;
    const kid = raw.kid ?? (typeof jwk['kid'] === 'string' ? jwk['kid'] : undefined);
    return { kid, pem: undefined, jwk, algorithms: raw.algorithms ?? alg };
  });
}

function resolveStaticKey(
  raw: IssuerConfig['keys'][number],
  at: string,
  io: ConfigIo,
  problems: ConfigProblem[],
): StaticKeyConfig[] {
  const given = [raw.pem, raw.jwk, raw.file].filter((v) => v !== undefined).length;
  if (given !== 1)
    problems.push({
      path: at,
      code: given === 0 ? 'missing_key' : 'conflict',
      message: 'expected exactly one of pem, jwk or file',
    });
  let pem = raw.pem;
  let jwk = raw.jwk;
  if (raw.file !== undefined) {
    const text = readOrReport(io, raw.file, `${at}.file`, problems);
    if (text?.includes('-----BEGIN')) pem = text;
    else if (text !== undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {}
      if (isObject(parsed) && Array.isArray(parsed['keys']))
        return jwksKeys(raw, parsed['keys'], at, problems);
      if (isObject(parsed)) jwk = parsed;
      else
        problems.push({
          path: `${at}.file`,
          code: 'invalid_value',
          message: `expected a PEM public key, a JWK JSON object or a JWKS ({"keys": [...]}) in ${raw.file}`,
        });
    }
  }
  if (pem !== undefined && !pem.includes('-----BEGIN'))
    problems.push({
      path: `${at}.pem`,
      code: 'invalid_value',
      message: 'expected a PEM public key ("-----BEGIN PUBLIC KEY-----")',
    });
  if (jwk !== undefined && ('d' in jwk || 'k' in jwk)) {
    problems.push({
      path: `${at}.jwk`,
      code: 'refused_key',
      message: 'expected a public key (private or symmetric JWK material is refused)',
    });
  }
  return [{ kid: raw.kid, pem, jwk, algorithms: raw.algorithms }];
}

export function readOrReport(
  io: ConfigIo,
  path: string,
  at: string,
  problems: ConfigProblem[],
): string | undefined {
  try {
    return io.readFile(path);
  } catch (err) {
    problems.push({
      path: at,
      code: 'unreadable_file',
      message: `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'}): create it readable by keyway, or fix the path`,
    });
    return undefined;
  }
}
