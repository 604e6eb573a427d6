// Token minting for tests: HS secrets and generated RSA/EC keys via jose.
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { registerPrivateJwk, registerSecret, registerToken } from './audit.js';

export const HS_SECRET = 'test-hs-secret-0123456789-abcdefghij';
registerSecret(HS_SECRET, 'HS_SECRET');

export interface TestKeyPair {
  readonly kid: string;
  readonly alg: string;
  readonly privateKey: Parameters<SignJWT['sign']>[0];
  readonly publicJwk: Record<string, unknown>;
}

/** Generate a key pair whose public JWK carries kid/alg/use. */
export async function createKeyPair(
  alg: 'RS256' | 'ES256' | 'EdDSA' | 'PS256',
  kid: string,
): Promise<TestKeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  registerPrivateJwk(await exportJWK(privateKey), `${alg} private key ${kid}`);
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** Sign claims (exp defaults to +10 min, iat to now) with a key pair or an HS secret. */
export async function mint(
  claims: JWTPayload,
  key: TestKeyPair | { secret: string; alg?: string; kid?: string },
  header: Record<string, unknown> = {},
): Promise<string> {
  const now = nowSeconds();
  const body: JWTPayload = { iat: now, exp: now + 600, ...claims };
  for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
  const jwt = new SignJWT(body);
  if ('secret' in key) {
    registerSecret(key.secret, 'HS secret');
    jwt.setProtectedHeader({
      alg: key.alg ?? 'HS256',
      typ: 'JWT',
      ...(key.kid ? { kid: key.kid } : {}),
      ...header,
    });
    return registered(await jwt.sign(new TextEncoder().encode(key.secret)));
  }
  jwt.setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header });
  return registered(await jwt.sign(key.privateKey));
}

/** Every token a helper mints is registered for the secrets audit. */
function registered(token: string): string {
  registerToken(token);
  return token;
}
