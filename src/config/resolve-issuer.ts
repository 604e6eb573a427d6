// resolveIssuer: one issuer's config → Issuer, with HS secrets decoded, key files read and fetch URLs checked.
import type { ConfigProblem } from '../errors.js';
import { hsSecretProblems, staticKeyProblems } from '../keys/configured-key-problems.js';
import { checkFetchUrl } from '../lib/fetch-url.js';
import { SIGNING_ALGS, type SigningAlg } from '../lib/jws-algs.js';
import { readOrReport } from './read-or-report.js';
import { resolveStaticKey } from './resolve-static-key.js';
import type { IssuerConfig } from './schema.js';
import type { ConfigIo, HsSecret, Issuer } from './types.js';

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
