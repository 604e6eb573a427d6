// `keyway mint`: sign a token with a private key file or a configured HS secret (for tests and ops, never for users).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { importPKCS8, type JWTPayload, SignJWT } from 'jose';
import type { Env } from '../config/load.js';
import { loadConfig } from '../config/load.js';
import { parseDuration } from '../lib/duration.js';

const USAGE = `usage: keyway mint (--key private.pem --alg ES256 [--kid K] | --issuer NAME [--kid K])
       [--iss I] [--sub S] [--aud A]... [--exp 1h] [--jti J] [--claim k=v]... [--claims '{"json":1}']
  --issuer NAME signs with the first HS secret of that configured issuer (KEYWAY_CONFIG or env quick start).
`;

function parseClaimValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Run mint; prints the token and returns the exit code. */
export async function runMint(argv: string[], env: Env, out: (text: string) => void): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      key: { type: 'string' },
      alg: { type: 'string' },
      kid: { type: 'string' },
      issuer: { type: 'string' },
      iss: { type: 'string' },
      sub: { type: 'string' },
      aud: { type: 'string', multiple: true },
      exp: { type: 'string', default: '1h' },
      jti: { type: 'string' },
      claim: { type: 'string', multiple: true },
      claims: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    out(USAGE);
    return 0;
  }
  const payload: JWTPayload = values.claims ? (JSON.parse(values.claims) as JWTPayload) : {};
  for (const pair of values.claim ?? []) {
    const eq = pair.indexOf('=');
    if (eq < 1) return fail(out, `--claim expects k=v, got ${pair}`);
    payload[pair.slice(0, eq)] = parseClaimValue(pair.slice(eq + 1));
  }
  const ttl = parseDuration(values.exp);
  if (ttl === undefined) return fail(out, '--exp expects a duration like 15m');
  let key: Parameters<SignJWT['sign']>[0];
  let alg: string;
  let iss = values.iss;
  if (values.key) {
    alg = values.alg ?? 'ES256';
    key = await importPKCS8(readFileSync(values.key, 'utf8'), alg);
  } else if (values.issuer) {
    const issuer = loadConfig(env).issuers.find((i) => i.name === values.issuer);
    const secret = issuer?.hs_secrets[0];
    if (!issuer || !secret) return fail(out, `issuer ${values.issuer} has no HS secret in the config`);
    key = secret.key;
    alg = values.alg ?? secret.algorithms[0] ?? 'HS256';
    iss ??= issuer.issuer;
  } else return fail(out, 'give --key or --issuer');
  const jwt = new SignJWT(payload)
    .setProtectedHeader({ alg, typ: 'JWT', ...(values.kid ? { kid: values.kid } : {}) })
    .setIssuedAt()
    .setJti(values.jti ?? randomUUID())
    .setExpirationTime(Math.floor(Date.now() / 1000) + Math.floor(ttl / 1000));
  if (iss) jwt.setIssuer(iss);
  if (values.sub) jwt.setSubject(values.sub);
  if (values.aud) jwt.setAudience(values.aud.length === 1 ? values.aud[0]! : values.aud);
  out(`${await jwt.sign(key)}\n`);
  return 0;
}

function fail(out: (text: string) => void, message: string): number {
  out(`mint: ${message}\n${USAGE}`);
  return 2;
}
