// The security suite's fixture: keys whose private halves the tests hold, a real loopback JWKS server, a keyway built
// from config with a settable clock, and `craft`, which builds a compact JWS byte by byte (any header, any payload
// text, any signature) so every attack token is exactly what the case says.
import { constants, createHmac, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { expect } from 'vitest';
import { createManualClock, type ManualClock } from '../../src/lib/clock.js';
import { registerPrivateJwk, registerSecret, registerToken } from '../helpers/audit.js';
import { type JwksServer, startJwksServer } from '../helpers/jwks-server.js';
import { createTestKeyway, type TestKeyway } from '../helpers/keyway.js';

/** The suite's fixed "now" (seconds): every token's times are relative to it. */
export const NOW = 1_900_000_000;
export const ISS = 'https://idp.test';
export const HS_ISS = 'https://hs.test';
export const MIXED_ISS = 'https://mixed.test';
/** 44 bytes: long enough for HS256 only (HS384 needs 48, HS512 64). */
export const HS256_SECRET = 'security-suite-hs256-only-secret-0123456789';
/** 64 bytes, restricted to HS256 by config. */
export const HS64_SECRET = 'security-suite-64-byte-secret-restricted-to-hs256-0123456789abcd';
export const MIXED_HS_SECRET = 'security-suite-mixed-issuer-hs-secret-0123456789';
registerSecret(HS256_SECRET, 'HS256_SECRET');
registerSecret(HS64_SECRET, 'HS64_SECRET');
registerSecret(MIXED_HS_SECRET, 'MIXED_HS_SECRET');

export type Alg = 'RS256' | 'RS384' | 'PS256' | 'ES256' | 'ES384' | 'EdDSA' | 'HS256' | 'HS384' | 'HS512';

/** A key pair the tests hold; `jwk` is the public JWK with kid (no alg/use unless added). */
export interface HeldKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly jwk: Record<string, unknown>;
}

/** Generate a key pair and register its private members with the secrets audit. */
export function holdKey(
  kid: string,
  type: 'rsa' | 'ec' | 'ed25519',
  opts: { modulusLength?: number; namedCurve?: string } = {},
): HeldKey {
  const pair =
    type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: opts.modulusLength ?? 2048 })
      : type === 'ec'
        ? generateKeyPairSync('ec', { namedCurve: opts.namedCurve ?? 'P-256' })
        : generateKeyPairSync('ed25519');
  registerPrivateJwk(pair.privateKey.export({ format: 'jwk' }), `security key ${kid}`);
  return { kid, ...pair, jwk: { ...pair.publicKey.export({ format: 'jwk' }), kid } };
}

/** Bytes → unpadded base64url. */
export const b64u = (bytes: Buffer | string): string => Buffer.from(bytes).toString('base64url');

/** A header or payload: an object (JSON-encoded), raw JSON text, or raw bytes. */
export type Part = Record<string, unknown> | unknown[] | string | Buffer;
const encodePart = (part: Part): string =>
  b64u(Buffer.isBuffer(part) ? part : typeof part === 'string' ? part : JSON.stringify(part));

/** Signs the JWS signing input; returns the signature bytes. */
export type Signer = (input: Buffer) => Buffer;

const HASH: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };

/** A signer for `alg` with `key` (private KeyObject, or secret bytes/text for HS*). */
export function signer(alg: Alg, key: KeyObject | Buffer | string): Signer {
  const hash = HASH[alg.slice(-3)] ?? 'sha256';
  if (alg.startsWith('HS'))
    return (input) =>
      createHmac(hash, key as Buffer | string)
        .update(input)
        .digest();
  const k = key as KeyObject;
  if (alg === 'EdDSA') return (input) => sign(null, input, k);
  if (alg.startsWith('ES')) return (input) => sign(hash, input, { key: k, dsaEncoding: 'ieee-p1363' });
  if (alg.startsWith('PS')) {
    return (input) =>
      sign(hash, input, {
        key: k,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: Number(alg.slice(2)) / 8,
      });
  }
  return (input) => sign(hash, input, k);
}

/**
 * Build `b64u(header).b64u(payload).b64u(signature)`; the signature is `sig(signingInput)`, given bytes, or given
 * text used as the third segment verbatim. The token is registered with the secrets audit.
 */
export function craft(header: Part, payload: Part, sig: Signer | Buffer | string): string {
  const input = `${encodePart(header)}.${encodePart(payload)}`;
  const third = typeof sig === 'string' ? sig : b64u(Buffer.isBuffer(sig) ? sig : sig(Buffer.from(input)));
  const token = `${input}.${third}`;
  registerToken(token);
  return token;
}

/** Standard valid claims for `iss` at NOW (aud "api", sub "alice", 10 minutes to live), with overrides. */
export function claims(iss: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = { iss, aud: 'api', sub: 'alice', iat: NOW, exp: NOW + 600, ...extra };
  for (const [k, v] of Object.entries(out)) if (v === undefined) delete out[k];
  return out;
}

/** The public key as PEM (SPKI) text. */
export const spkiPem = (key: KeyObject): string => String(key.export({ type: 'spki', format: 'pem' }));

/** The suite's keys: served from the loopback JWKS (idp issuer) or configured statically (mixed issuer). */
export interface SuiteKeys {
  readonly rsa: HeldKey;
  readonly ec: HeldKey;
  readonly ed: HeldKey;
  /** JWK alg RS256: never PS256/RS384. */
  readonly rsaRs256Only: HeldKey;
  /** use: enc → skipped. */
  readonly rsaEnc: HeldKey;
  /** key_ops: ["encrypt"] → skipped. */
  readonly ecKeyOpsEncrypt: HeldKey;
  /** key_ops: ["verify"] → usable. */
  readonly ecKeyOpsVerify: HeldKey;
  readonly mixedRsa: HeldKey;
  readonly mixedEc: HeldKey;
}

export function createSuiteKeys(): SuiteKeys {
  return {
    rsa: holdKey('rsa-1', 'rsa'),
    ec: holdKey('ec-1', 'ec'),
    ed: holdKey('ed-1', 'ed25519'),
    rsaRs256Only: holdKey('rsa-rs256-only', 'rsa'),
    rsaEnc: holdKey('rsa-enc', 'rsa'),
    ecKeyOpsEncrypt: holdKey('ec-keyops-encrypt', 'ec'),
    ecKeyOpsVerify: holdKey('ec-keyops-verify', 'ec'),
    mixedRsa: holdKey('mixed-rsa', 'rsa'),
    mixedEc: holdKey('mixed-ec', 'ec'),
  };
}

export interface Suite {
  readonly kw: TestKeyway;
  readonly jwks: JwksServer;
  readonly keys: SuiteKeys;
  readonly clock: ManualClock;
  close(): Promise<void>;
}

/**
 * Start the suite's keyway: issuers `idp` (JWKS only, aud api), `hs` (one HS256-only secret), `hs64` (a 64-byte
 * secret restricted to HS256), `mixed` (static RSA + EC keys and an HS secret, algorithms RS256/ES256/HS256 — the
 * configuration where alg confusion would bite); policy `api` accepts all of them and maps name/groups to headers.
 */
export async function startSuite(extraConfig: Record<string, unknown> = {}): Promise<Suite> {
  const keys = createSuiteKeys();
  const jwks = await startJwksServer();
  jwks.setKeys([
    keys.rsa.jwk,
    keys.ec.jwk,
    keys.ed.jwk,
    { ...keys.rsaRs256Only.jwk, alg: 'RS256', use: 'sig' },
    { ...keys.rsaEnc.jwk, use: 'enc' },
    { ...keys.ecKeyOpsEncrypt.jwk, key_ops: ['encrypt'] },
    { ...keys.ecKeyOpsVerify.jwk, key_ops: ['verify'] },
  ]);
  const clock = createManualClock(NOW * 1000);
  const kw = await createTestKeyway(
    {
      issuers: [
        { name: 'idp', issuer: ISS, jwks_uri: jwks.jwksUrl, audiences: ['api'], jwks: { retries: 0 } },
        { name: 'hs', issuer: HS_ISS, hs_secrets: [HS256_SECRET] },
        {
          name: 'hs64',
          issuer: 'https://hs64.test',
          hs_secrets: [{ secret: HS64_SECRET, algorithms: ['HS256'] }],
        },
        {
          name: 'mixed',
          issuer: MIXED_ISS,
          keys: [{ pem: spkiPem(keys.mixedRsa.publicKey), kid: 'mixed-rsa' }, { jwk: keys.mixedEc.jwk }],
          hs_secrets: [{ secret: MIXED_HS_SECRET, kid: 'mixed-hs' }],
          algorithms: ['RS256', 'ES256', 'HS256'],
        },
      ],
      policies: [
        { name: 'api', headers: { 'X-User-Name': 'name', 'X-User-Groups': 'groups' } },
        { name: 'bearer-then-cookie', token_sources: ['bearer', 'cookie:session'] },
        { name: 'cookie-then-bearer', token_sources: ['cookie:session', 'bearer'] },
        { name: 'query', token_sources: ['query:access_token'] },
        { name: 'api-header', token_sources: ['header:X-JWT'] },
      ],
      default_policy: 'api',
      ...extraConfig,
    },
    { clock },
  );
  return {
    kw,
    jwks,
    keys,
    clock,
    close: async () => {
      await kw.close();
      await jwks.close();
    },
  };
}

/** Send `token` as `Authorization: Bearer` (or the given headers) to /auth (or /auth/{policy}). */
export async function decide(
  suite: Suite,
  token: string | undefined,
  headers: Record<string, string> = {},
  path = '/auth',
): Promise<Response> {
  const all: Record<string, string> = {
    'x-forwarded-method': 'GET',
    'x-forwarded-uri': '/items',
    ...headers,
  };
  if (token !== undefined) all['authorization'] = `Bearer ${token}`;
  return suite.kw.auth(all, path);
}

/** The RFC 6750 challenge keyway sends for a 401 `reason` (with error="invalid_token" unless no token was sent). */
export function challengeFor(reason: string): string {
  return reason === 'missing_token'
    ? 'Bearer realm="keyway"'
    : `Bearer realm="keyway", error="invalid_token", error_description="${reason}"`;
}

const ERROR_OF: Record<string, string> = {
  missing_token: 'unauthorized',
  no_policy: 'forbidden',
  ambiguous_request: 'forbidden',
  claim_mismatch: 'insufficient_scope',
  insufficient_scope: 'insufficient_scope',
};
const ERROR_BY_STATUS: Record<number, string> = {
  401: 'invalid_token',
  429: 'too_many_requests',
  503: 'service_unavailable',
};

/** Assert the full deny contract: status, X-Auth-Reason, the JSON body and (401/403) the exact challenge. */
export async function expectDeny(res: Response, status: number, reason: string): Promise<void> {
  expect({ status: res.status, reason: res.headers.get('x-auth-reason') }).toEqual({ status, reason });
  expect(await res.json()).toEqual({ error: ERROR_OF[reason] ?? ERROR_BY_STATUS[status], reason });
  if (status === 401) expect(res.headers.get('www-authenticate')).toBe(challengeFor(reason));
  expect(res.headers.get('x-auth-subject')).toBeNull();
}

/** Assert an allow: 200, empty body, the subject. */
export async function expectAllow(res: Response, subject = 'alice'): Promise<void> {
  expect({ status: res.status, reason: res.headers.get('x-auth-reason') }).toEqual({
    status: 200,
    reason: null,
  });
  expect(res.headers.get('x-auth-subject')).toBe(subject);
  expect(await res.text()).toBe('');
}
