// resolveStaticKey: one `issuers[].keys[]` entry (pem, jwk or file) → the static keys it gives: one key, or every
// key of a JWKS file (`{"keys": [...]}`, what `keyway keygen` writes), each bound to its own alg and kid.
import type { ConfigProblem } from '../errors.js';
import type { SigningAlg } from '../lib/jws-algs.js';
import { readOrReport } from './read-or-report.js';
import type { IssuerConfig } from './schema.js';
import type { ConfigIo, StaticKeyConfig } from './types.js';

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

/** One `keys[j]` entry → its keys (one, or every key of a JWKS file); problems pushed with their key paths. */
export function resolveStaticKey(
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
