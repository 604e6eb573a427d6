// The ways a JWKS endpoint fails, as replies of the loopback JWKS server, and tokens whose kid no set holds.
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { registerToken } from '../helpers/audit.js';
import { json, type Reply, type TestKey } from '../helpers/jwks-server.js';

/** A fault the IdP can be put in (served at /jwks until cleared). */
export type JwksFault = '500' | 'hang' | 'html' | 'broken_json' | 'unimportable' | 'empty';

/** The reply for each fault: the answers an IdP mid-deploy, behind a failing CDN or on fire really gives. */
export const JWKS_FAULTS: Readonly<Record<JwksFault, Reply>> = {
  '500': { status: 500, headers: { 'content-type': 'text/plain' }, body: 'internal error' },
  hang: { hang: 'headers' },
  html: {
    status: 200,
    headers: { 'content-type': 'text/html' },
    body: '<html><body>maintenance</body></html>',
  },
  broken_json: { status: 200, headers: { 'content-type': 'application/json' }, body: '{"keys":[{"kty":' },
  // A well-formed set whose only key cannot be imported (a point not on the curve).
  unimportable: json({
    keys: [{ kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA', kid: 'broken', alg: 'ES256', use: 'sig' }],
  }),
  empty: json({ keys: [] }),
};

/** `count` tokens signed by `key` for `iss`, each with a random kid no JWKS holds (a forged-kid flood). */
export async function forgedKidTokens(key: TestKey, iss: string, count: number): Promise<string[]> {
  const now = Math.floor(Date.now() / 1000);
  return Promise.all(
    Array.from({ length: count }, async () => {
      const token = await new SignJWT({ iss, sub: 'forger', jti: randomUUID(), iat: now, exp: now + 900 })
        .setProtectedHeader({ alg: key.alg, kid: `forged-${randomUUID()}` })
        .sign(key.privateKey);
      registerToken(token);
      return token;
    }),
  );
}
