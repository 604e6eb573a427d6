import { describe, expect, it } from 'vitest';
import { KeywayError } from '../../../src/errors.js';
import { parseJws } from '../../../src/verify/parse-jws.js';

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const header = b64({ alg: 'RS256', kid: 'k1' });
const payload = b64({ sub: 'u1', exp: 2_000_000_000 });
const sig = 'c2ln';

function reasonOf(token: string, max = 16_384): string {
  try {
    parseJws(token, max);
    return 'ok';
  } catch (err) {
    expect(err).toBeInstanceOf(KeywayError);
    return (err as KeywayError).reason;
  }
}

describe('parseJws', () => {
  it('accepts a well-formed compact JWS and returns alg, kid and claims', () => {
    const jws = parseJws(`${header}.${payload}.${sig}`, 16_384);
    expect(jws.alg).toBe('RS256');
    expect(jws.kid).toBe('k1');
    expect(jws.claims).toEqual({ sub: 'u1', exp: 2_000_000_000 });
  });

  it.each([
    ['two segments', `${header}.${payload}`, 'malformed_token'],
    ['four segments', `${header}.${payload}.${sig}.x`, 'malformed_token'],
    ['JWE (5 parts)', `${header}.a.b.c.d`, 'malformed_token'],
    ['empty signature', `${header}.${payload}.`, 'malformed_token'],
    ['padding in payload', `${header}.${payload}=.${sig}`, 'malformed_token'],
    ['whitespace in header', `${header} .${payload}.${sig}`, 'malformed_token'],
    ['standard base64 chars', `${header}.${payload}+/.${sig}`, 'malformed_token'],
    ['impossible base64 length', `${header}.${payload}.${sig}a`, 'malformed_token'],
    ['non-JSON header', `${b64('nope')}.${payload}.${sig}`, 'malformed_token'],
    ['array payload', `${header}.${b64([1])}.${sig}`, 'malformed_token'],
    ['duplicate claim names', `${header}.${b64('{"sub":"a","sub":"b"}')}.${sig}`, 'malformed_token'],
    ['duplicate via escape', `${header}.${b64('{"sub":"a","\\u0073ub":"b"}')}.${sig}`, 'malformed_token'],
    [
      'deep nesting',
      `${header}.${b64(`{"a":${'['.repeat(40)}${']'.repeat(40)}}`)}.${sig}`,
      'malformed_token',
    ],
    ['crit header', `${b64({ alg: 'RS256', crit: ['exp'] })}.${payload}.${sig}`, 'malformed_token'],
    ['b64 false', `${b64({ alg: 'HS256', b64: false, crit: ['b64'] })}.${payload}.${sig}`, 'malformed_token'],
    ['numeric kid', `${b64({ alg: 'RS256', kid: 7 })}.${payload}.${sig}`, 'malformed_token'],
    ['huge kid', `${b64({ alg: 'RS256', kid: 'k'.repeat(300) })}.${payload}.${sig}`, 'malformed_token'],
    ['alg none', `${b64({ alg: 'none' })}.${payload}.${sig}`, 'alg_not_allowed'],
    ['alg NoNe', `${b64({ alg: 'NoNe' })}.${payload}.${sig}`, 'alg_not_allowed'],
    ['alg missing', `${b64({ typ: 'JWT' })}.${payload}.${sig}`, 'alg_not_allowed'],
    ['alg not a string', `${b64({ alg: ['RS256'] })}.${payload}.${sig}`, 'alg_not_allowed'],
  ])('%s → %s', (_name, token, reason) => {
    expect(reasonOf(token)).toBe(reason);
  });

  it('refuses a token over the size cap before decoding it', () => {
    expect(reasonOf(`${header}.${b64({ pad: 'x'.repeat(70_000) })}.${sig}`)).toBe('token_too_large');
    expect(reasonOf(`${header}.${payload}.${sig}`, 20)).toBe('token_too_large');
  });
});
