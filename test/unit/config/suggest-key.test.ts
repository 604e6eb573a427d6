import { describe, expect, it } from 'vitest';
import { editDistance, suggestKey } from '../../../src/config/suggest-key.js';

describe('suggestKey', () => {
  const issuerKeys = ['name', 'issuer', 'jwks_uri', 'jwks', 'discovery', 'audiences', 'algorithms', 'leeway'];
  it.each([
    ['jwks_url', 'jwks_uri'],
    ['JWKS-URI', 'jwks_uri'],
    ['jwksUri', 'jwks_uri'],
    ['audience', 'audiences'],
    ['aud', 'audiences'],
    ['algs', 'algorithms'],
    ['isuer', 'issuer'],
    ['clock_skew', 'leeway'],
    ['discovry', 'discovery'],
  ])('%s → %s', (key, expected) => expect(suggestKey(key, issuerKeys)).toBe(expected));

  it('suggests nothing for a key far from every valid one, and renames only to keys valid here', () => {
    expect(suggestKey('colour', issuerKeys)).toBeUndefined();
    expect(suggestKey('path', ['hosts', 'methods'])).toBeUndefined();
    expect(suggestKey('path', ['hosts', 'paths', 'methods'])).toBe('paths');
  });

  it('counts an adjacent swap as one edit', () => {
    expect(editDistance('jwsk_uri', 'jwks_uri')).toBe(1);
    expect(editDistance('abc', 'abc')).toBe(0);
    expect(editDistance('', 'abc')).toBe(3);
  });
});
