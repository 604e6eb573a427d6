// `keyway keygen`: a signing key pair — private PKCS#8 PEM and the public JWKS to publish.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { exportJWK, exportPKCS8, generateKeyPair } from 'jose';

const ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

/** Run keygen; returns the exit code. With --out DIR writes private.pem (mode 0600) and jwks.json, else prints both. */
export async function runKeygen(argv: string[], out: (text: string) => void): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      alg: { type: 'string', default: 'ES256' },
      kid: { type: 'string' },
      bits: { type: 'string', default: '2048' },
      out: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    out(`usage: keyway keygen [--alg ${ALGS.join('|')}] [--kid K] [--bits 2048] [--out DIR]\n`);
    return 0;
  }
  const alg = values.alg as (typeof ALGS)[number];
  if (!ALGS.includes(alg)) {
    out(`keygen: --alg must be one of ${ALGS.join(', ')}\n`);
    return 2;
  }
  const bits = Number(values.bits);
  if (alg.startsWith('R') || alg.startsWith('P')) {
    if (!Number.isInteger(bits) || bits < 2048) {
      out('keygen: --bits must be at least 2048\n');
      return 2;
    }
  }
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, modulusLength: bits });
  const kid = values.kid ?? `${alg.toLowerCase()}-${new Date().toISOString().slice(0, 10)}`;
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }] };
  const pem = await exportPKCS8(privateKey);
  if (values.out) {
    writeFileSync(join(values.out, 'private.pem'), pem, { mode: 0o600 });
    writeFileSync(join(values.out, 'jwks.json'), `${JSON.stringify(jwks, null, 2)}\n`);
    out(`wrote ${join(values.out, 'private.pem')} and ${join(values.out, 'jwks.json')} (kid ${kid})\n`);
  } else {
    out(`${pem}\n${JSON.stringify(jwks, null, 2)}\n`);
  }
  return 0;
}
