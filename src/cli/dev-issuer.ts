// The embedded development issuer: a generated ES256 key whose JWKS keyway serves itself. Not for production.

import type { Hono } from 'hono';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

export interface DevIssuer {
  readonly issuer: string;
  readonly jwksPath: string;
  /** Config input for the issuer (JWKS on keyway itself, the public key as static fallback) and a catch-all policy. */
  readonly configInput: { issuers: unknown[]; policies: unknown[] };
  /** Mint a token with the dev key (default: sub "dev-user", 1 hour). */
  mint(claims?: Record<string, unknown>, ttlSeconds?: number): Promise<string>;
  /** Serve the JWKS at jwksPath. */
  mount(app: Hono): void;
}

const KID = 'keyway-dev-1';

/** Create a dev issuer for a keyway listening on `port` (loopback URLs, so plain http is allowed). */
export async function createDevIssuer(port: number): Promise<DevIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: KID, alg: 'ES256', use: 'sig' };
  const issuer = `http://127.0.0.1:${port}/dev`;
  const jwksPath = '/dev/jwks.json';
  return {
    issuer,
    jwksPath,
    configInput: {
      issuers: [
        {
          name: 'dev',
          issuer,
          jwks_uri: `http://127.0.0.1:${port}${jwksPath}`,
          keys: [{ jwk }],
          audiences: ['keyway-dev'],
          algorithms: ['ES256'],
        },
      ],
      policies: [{ name: 'default' }],
    },
    mint: (claims = {}, ttlSeconds = 3600) =>
      new SignJWT({ tenant: 't1', service: 'demo', version: 'v1', instance: 'i1', ...claims })
        .setProtectedHeader({ alg: 'ES256', kid: KID, typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience('keyway-dev')
        .setSubject('dev-user')
        .setJti(crypto.randomUUID())
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
        .sign(privateKey),
    mount: (app) => {
      app.get(jwksPath, (c) => c.json({ keys: [jwk] }, 200, { 'Cache-Control': 'max-age=300' }));
    },
  };
}
