// `keyway mint`: sign a token with a private key file or a configured HS secret (for tests and ops, never for users).
import { createPublicKey, type JsonWebKey, KeyObject, randomUUID } from 'node:crypto';
import { type JWTPayload, SignJWT } from 'jose';
import { loadConfig } from '../config/load.js';
import type { Config, Issuer, StaticKeyConfig } from '../config/types.js';
import { readClaim } from '../lib/claim-path.js';
import { parseDuration } from '../lib/duration.js';
import type { CommandRun } from './command-run.js';
import { readSigningKey, type SigningKey } from './signing-key.js';
import { CliError, UsageError } from './usage-error.js';

function parseClaimValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The payload from --claims and --claim; UsageError for JSON that is not an object or a pair without "=". */
function payloadOf(values: Readonly<Record<string, unknown>>): JWTPayload {
  let payload: JWTPayload = {};
  const json = values['claims'] as string | undefined;
  if (json !== undefined) {
    const parsed = parseClaimValue(json);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new UsageError(`--claims: expected a JSON object, like '{"tenant":"t1"}'`);
    payload = parsed as JWTPayload;
  }
  for (const pair of (values['claim'] as string[] | undefined) ?? []) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new UsageError(`--claim ${pair}: expected NAME=VALUE`);
    payload[pair.slice(0, eq)] = parseClaimValue(pair.slice(eq + 1));
  }
  return payload;
}

/** The claims mint has a flag of its own for (a note says `--sub …`, not `--claim sub=…`). */
const CLAIM_FLAGS: Readonly<Record<string, string>> = {
  sub: '--sub ',
  iss: '--iss ',
  aud: '--aud ',
  jti: '--jti ',
};

const optional = <K extends string>(name: K, value: unknown) =>
  value === undefined ? {} : ({ [name]: value } as Record<K, unknown>);

/** The configured issuer named by --issuer; CliError listing the configured names when there is none. */
function findIssuer(name: string, env: Parameters<typeof loadConfig>[0]): { issuer: Issuer; config: Config } {
  const config = loadConfig(env);
  const issuer = config.issuers.find((i) => i.name === name);
  if (issuer) return { issuer, config };
  const names = config.issuers.map((i) => i.name).join(', ') || 'none';
  throw new CliError(`--issuer ${name}: no such issuer in ${config.source} (configured: ${names})`);
}

const spki = (key: KeyObject) => key.export({ type: 'spki', format: 'der' });

/** The issuer's static key whose public half is `signing`'s (so its kid and alg are the ones to sign with). */
function matchingStaticKey(issuer: Issuer, signing: SigningKey): StaticKeyConfig | undefined {
  if (!(signing.key instanceof KeyObject)) return undefined;
  const mine = spki(createPublicKey(signing.key));
  return issuer.keys.find((k) => {
    try {
      const pub = k.jwk
        ? createPublicKey({ key: k.jwk as JsonWebKey, format: 'jwk' })
        : createPublicKey(k.pem ?? '');
      return spki(pub).equals(mine);
    } catch {
      return false;
    }
  });
}

/** The first HS secret of the issuer as a signing key; CliError when it has none. */
function hsKey(issuer: Issuer): SigningKey {
  const secret = issuer.hs_secrets[0];
  if (!secret)
    throw new CliError(
      `issuer ${issuer.name} has no HS secret to sign with: give --key FILE, the private key of one of its keys`,
    );
  return {
    key: secret.key,
    algs: secret.algorithms,
    kid: secret.kid,
    what: `the HS secret of issuer ${issuer.name}`,
  };
}

/** --exp, else 1 h — within revocation.max_token_lifetime for --issuer (a longer token is refused: a note says so). */
function lifetime(
  exp: string | undefined,
  config: Config | undefined,
  io: { err: (t: string) => void },
): number {
  const cap = config?.revocation.max_token_lifetime;
  if (exp === undefined) return cap === undefined ? 3_600_000 : Math.min(3_600_000, cap);
  const ms = parseDuration(exp) ?? 3_600_000;
  if (cap !== undefined && ms > cap)
    io.err(
      `mint: note: --exp ${exp} is longer than revocation.max_token_lifetime (${cap / 1000}s): keyway answers lifetime_too_long\n`,
    );
  return ms;
}

/** Run mint; prints the token. Notes on stderr when the token will not pass the issuer's checks. */
export const runMint: CommandRun = async ({ values }, io) => {
  const payload = payloadOf(values);
  const keyFile = values['key'] as string | undefined;
  const issuerName = values['issuer'] as string | undefined;
  if (keyFile === undefined && issuerName === undefined)
    throw new UsageError('give --key FILE (a private key PEM) or --issuer NAME (a configured issuer)');
  const found = issuerName === undefined ? undefined : findIssuer(issuerName, io.env);
  const issuer = found?.issuer;
  const ttlMs = lifetime(values['exp'] as string | undefined, found?.config, io);
  const wanted = values['alg'] as string | undefined;
  const signing = keyFile !== undefined ? readSigningKey(keyFile) : hsKey(issuer!);
  // The issuer's own static key for this private key (keygen's jwks.json in keys[].file): its alg and kid by default.
  const own = issuer && keyFile !== undefined ? matchingStaticKey(issuer, signing) : undefined;
  const alg = wanted ?? own?.algorithms?.find((a) => signing.algs.includes(a)) ?? signing.algs[0]!;
  if (!(signing.algs as readonly string[]).includes(alg))
    throw new UsageError(
      `--alg ${alg}: ${signing.what} signs ${signing.algs.join(', ')} only: use --alg ${signing.algs[0]}`,
    );
  if (issuer && !(issuer.algorithms as readonly string[]).includes(alg))
    io.err(
      `mint: note: issuer ${issuer.name} accepts ${issuer.algorithms.join(', ')}: keyway answers alg_not_allowed\n`,
    );
  const kid = (values['kid'] as string | undefined) ?? signing.kid ?? own?.kid;
  const now = Math.floor(Date.now() / 1000);
  const aud = (values['aud'] as string[] | undefined) ?? issuer?.audiences.slice(0, 1);
  const claims: JWTPayload = {
    ...payload,
    ...optional('iss', (values['iss'] as string | undefined) ?? payload.iss ?? issuer?.issuer),
    ...optional('sub', values['sub'] as string | undefined),
    ...optional('aud', aud?.length ? (aud.length === 1 ? aud[0] : aud) : payload.aud),
    iat: now,
    exp: now + Math.floor(ttlMs / 1000),
    jti: (values['jti'] as string | undefined) ?? payload.jti ?? randomUUID(),
  };
  for (const claim of issuer?.required_claims ?? [])
    if (readClaim(claims, claim) === undefined)
      io.err(
        `mint: note: issuer ${issuer!.name} requires the claim ${claim}: add ${CLAIM_FLAGS[claim] ?? `--claim ${claim}=`}…\n`,
      );
  const accepted = issuer?.audiences ?? [];
  const given = claims.aud === undefined ? [] : Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (issuer && accepted.length > 0 && !given.some((a) => accepted.includes(a)))
    io.err(
      `mint: note: issuer ${issuer.name} accepts aud ${accepted.map((a) => JSON.stringify(a)).join(', ')} and this token has ${given.length === 0 ? 'none' : given.map((a) => JSON.stringify(a)).join(', ')}: keyway answers bad_audience (drop --aud to use the issuer's first)\n`,
    );
  const jwt = new SignJWT(claims).setProtectedHeader({
    alg,
    typ: issuer?.typ?.[0] ?? 'JWT',
    ...(kid ? { kid } : {}),
  });
  io.out(`${await jwt.sign(signing.key)}\n`);
  return 0;
};
