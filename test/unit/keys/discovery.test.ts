import { describe, expect, it } from 'vitest';
import { parseDiscovery } from '../../../src/keys/discovery.js';

describe('parseDiscovery', () => {
  const doc = (jwks_uri: unknown, issuer = 'https://idp.example.com') => ({ issuer, jwks_uri });
  it.each([
    [
      'an https jwks_uri of an https issuer',
      doc('https://keys.example.com/jwks'),
      'https://idp.example.com',
      'https://keys.example.com/jwks',
    ],
    [
      'plain http on loopback from an https issuer (a local service to probe)',
      doc('http://127.0.0.1:6379/'),
      'https://idp.example.com',
      undefined,
    ],
    [
      'plain http on loopback from a loopback http issuer (a local IdP)',
      doc('http://127.0.0.1:9000/jwks', 'http://127.0.0.1:9000'),
      'http://127.0.0.1:9000',
      'http://127.0.0.1:9000/jwks',
    ],
    [
      'an issuer that is not the configured one (§4.3)',
      doc('https://keys.example.com/jwks', 'https://evil.example.com'),
      'https://idp.example.com',
      undefined,
    ],
    ['no jwks_uri', doc(undefined), 'https://idp.example.com', undefined],
  ])('%s', (_name, body, issuer, expected) => {
    expect(parseDiscovery(body, issuer, false)).toBe(expected);
  });
  it('allow_insecure_http lets an https issuer name a plain http jwks_uri', () => {
    expect(parseDiscovery(doc('http://keys.internal/jwks'), 'https://idp.example.com', true)).toBe(
      'http://keys.internal/jwks',
    );
  });
});
