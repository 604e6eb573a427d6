// Keys written in the config (static PEM/JWK, HS secrets) get the JWKS checks at start: a key keyway would skip
// fails the config, naming the key, why and the fix, instead of leaving an issuer silently without it.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import { ConfigError, type ConfigIssue } from '../../src/errors.js';
import { createRocaKeyPair } from '../helpers/roca-key.js';
import { holdKey, spkiPem } from './fixture.js';

const roca = createRocaKeyPair('static-roca');
const good = holdKey('static-good', 'rsa');
const small = holdKey('static-1024', 'rsa', { modulusLength: 1024 });
const e3 = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 3 }).publicKey;
const SECRET = 'static-suite-hs-secret-0123456789-abcdef';

const problemsOf = (issuer: Record<string, unknown>): readonly ConfigIssue[] => {
  try {
    parseConfig({ issuers: [{ issuer: 'https://idp.test', ...issuer }] }, 'keyway.yaml', {
      readFile: () => '',
    });
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toContain('keyway.yaml');
    return (err as ConfigError).issues;
  }
};

describe('static keys are refused at start when keyway would skip them', () => {
  it.each([
    ['a ROCA JWK', { jwk: roca.publicJwk }, 'rsa_roca', 'CVE-2017-15361'],
    ['a ROCA PEM', { pem: spkiPem(roca.publicKey) }, 'rsa_roca', 'replace the key'],
    ['a 1024-bit RSA PEM', { pem: spkiPem(small.publicKey) }, 'rsa_too_small', '2048 bits or more'],
    ['an e = 3 RSA PEM', { pem: spkiPem(e3) }, 'rsa_weak_exponent', 'e = 65537'],
    ['an encryption JWK', { jwk: { ...good.jwk, use: 'enc' } }, 'use_not_sig', '"sig"'],
    ['an RS256 key on an ES256-only issuer', { jwk: good.jwk }, 'no_allowed_alg', "issuer's algorithms"],
  ])('%s → issuers[0].keys[1] names %s', (_name, key, why, fix) => {
    const algorithms = why === 'no_allowed_alg' ? { algorithms: ['ES256'] } : {};
    const issues = problemsOf({ keys: [{ jwk: holdKey('ok-ec', 'ec').jwk }, key], ...algorithms });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: 'issuers[0].keys[1]', code: 'refused_key' });
    // The key store's own skip reason, then the fix.
    expect(issues[0]!.message).toMatch(new RegExp(`^key refused \\(${why}\\): `));
    expect(issues[0]!.message).toContain(fix);
  });

  it('an HS secret none of whose algorithms the issuer allows is refused', () => {
    expect(problemsOf({ hs_secrets: [SECRET], keys: [{ jwk: good.jwk }], algorithms: ['RS256'] })).toEqual([
      {
        source: 'keyway.yaml',
        path: 'issuers[0].hs_secrets[0]',
        code: 'refused_key',
        message:
          "secret refused (no_allowed_alg): none of the algorithms it can verify is in the issuer's algorithms",
      },
    ]);
  });

  it('good keys and secrets load; a key already reported is not reported twice', () => {
    expect(
      problemsOf({ keys: [{ jwk: good.jwk }, { pem: spkiPem(good.publicKey) }], hs_secrets: [SECRET] }),
    ).toEqual([]);
    const issues = problemsOf({ keys: [{ jwk: { ...good.jwk, d: 'AQAB' } }] });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: 'issuers[0].keys[0].jwk', code: 'refused_key' });
  });
});
