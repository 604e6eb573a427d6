// Token pools and the loopback JWKS for `npm run bench`: 1,000 distinct tokens per pool, written one per line.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';

export const ISSUERS = { jwks: 'https://jwks.bench.test', hs: 'https://hs.bench.test' } as const;

export interface Pools {
  /** Pool name → file of tokens, one per line ("-" = no token). */
  readonly files: Readonly<Record<string, string>>;
  readonly hsSecret: string;
  readonly jwksUrl: string;
  /** How many times the JWKS was fetched so far. */
  fetches(): number;
  close(): Promise<void>;
}

type Key = Parameters<SignJWT['sign']>[0];

async function sign(claims: JWTPayload, alg: string, kid: string | undefined, key: Key): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader(kid ? { alg, kid, typ: 'JWT' } : { alg, typ: 'JWT' })
    .sign(key);
}

/** Mint every pool into `dir` and serve the public keys; tokens are valid for 2 h. */
export async function createPools(dir: string, size: number): Promise<Pools> {
  const rs = await generateKeyPair('RS256', { extractable: true });
  const es = await generateKeyPair('ES256', { extractable: true });
  const ed = await generateKeyPair('EdDSA', { extractable: true });
  const forger = await generateKeyPair('RS256');
  const hsSecret = randomBytes(32).toString('base64url');
  const hsKey = new TextEncoder().encode(hsSecret);
  const keys = [
    { ...(await exportJWK(rs.publicKey)), kid: 'bench-rs', alg: 'RS256', use: 'sig' },
    { ...(await exportJWK(es.publicKey)), kid: 'bench-es', alg: 'ES256', use: 'sig' },
    { ...(await exportJWK(ed.publicKey)), kid: 'bench-ed', alg: 'EdDSA', use: 'sig' },
  ];
  let fetches = 0;
  const server: Server = createServer((_req, res) => {
    fetches++;
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=3600' });
    res.end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const now = Math.floor(Date.now() / 1000);
  const claims = (iss: string, i: number): JWTPayload => ({
    iss,
    aud: 'api',
    sub: `bench-user-${i}`,
    email: `user${i}@bench.test`,
    scope: 'read write',
    jti: randomBytes(9).toString('base64url'),
    iat: now,
    exp: now + 7200,
  });
  const pool = async (name: string, one: (i: number) => Promise<string>) => {
    const tokens: string[] = [];
    for (let i = 0; i < size; i++) tokens.push(await one(i));
    const file = join(dir, `${name}.tokens`);
    writeFileSync(file, `${tokens.join('\n')}\n`, { mode: 0o600 });
    return [name, file] as const;
  };
  const files = Object.fromEntries([
    await pool('RS256', (i) => sign(claims(ISSUERS.jwks, i), 'RS256', 'bench-rs', rs.privateKey)),
    await pool('ES256', (i) => sign(claims(ISSUERS.jwks, i), 'ES256', 'bench-es', es.privateKey)),
    await pool('EdDSA', (i) => sign(claims(ISSUERS.jwks, i), 'EdDSA', 'bench-ed', ed.privateKey)),
    await pool('HS256', (i) => sign(claims(ISSUERS.hs, i), 'HS256', undefined, hsKey)),
    // A known kid, a signature by another key: every request is one failed verification.
    await pool('bad_signature', (i) => sign(claims(ISSUERS.jwks, i), 'RS256', 'bench-rs', forger.privateKey)),
    await pool('missing_token', async () => '-'),
  ]);
  return {
    files,
    hsSecret,
    jwksUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`,
    fetches: () => fetches,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
