import { describe, expect, it } from 'vitest';
import { KeywayError } from '../../../src/errors.js';
import { parseBearer } from '../../../src/extract/bearer.js';
import { readCookie } from '../../../src/extract/cookie.js';
import { compileTokenSource, extractToken } from '../../../src/extract/extract-token.js';
import { parseForwardedRequest } from '../../../src/pipeline/request.js';

function request(headers: Record<string, string>, uri = '/x') {
  const lower = Object.fromEntries(
    Object.entries({ 'x-forwarded-uri': uri, ...headers }).map(([k, v]) => [k.toLowerCase(), v]),
  );
  return parseForwardedRequest({ method: 'GET', query: '', header: (n) => lower[n] }, () => 'id');
}
const reason = (fn: () => unknown) => {
  try {
    fn();
    return 'ok';
  } catch (err) {
    return (err as KeywayError).reason;
  }
};

describe('bearer grammar (RFC 6750 §2.1)', () => {
  it.each([
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    ['bearer abc.def.ghi', 'abc.def.ghi'],
    ['BEARER   abc.def.ghi', 'abc.def.ghi'],
    ['Basic dXNlcjpwYXNz', undefined],
    ['', undefined],
  ])('%j → %j', (value, token) => {
    expect(parseBearer(value)).toBe(token);
  });

  it.each([
    ['Bearer'],
    ['Bearer '],
    ['Bearer a b'],
    ['Bearer a.b.c, Bearer d.e.f'],
    ['Basic x, Bearer a.b.c'],
    ['Bearer a"b'],
    ['Bearer\ta.b.c'],
  ])('%j → malformed_token', (value) => {
    expect(reason(() => parseBearer(value))).toBe('malformed_token');
    expect(() => parseBearer(value)).toThrow(KeywayError);
  });
});

describe('readCookie', () => {
  it('reads one cookie among many, unquotes, and refuses a duplicated name', () => {
    expect(readCookie('a=1; session=tok; b=2', 'session')).toBe('tok');
    expect(readCookie('session="tok"', 'session')).toBe('tok');
    expect(readCookie('a=1', 'session')).toBeUndefined();
    expect(reason(() => readCookie('session=a; session=b', 'session'))).toBe('malformed_token');
  });
});

describe('extractToken: sources in policy order, first present wins', () => {
  const sources = ['bearer', 'header:X-JWT-Token', 'cookie:session', 'query:access_token'].map(
    compileTokenSource,
  );
  it('prefers Authorization over a cookie (documented precedence)', () => {
    expect(
      extractToken(request({ authorization: 'Bearer h.h.h', cookie: 'session=c.c.c' }), sources),
    ).toEqual({
      token: 'h.h.h',
      source: 'bearer',
    });
  });
  it('falls through to header, cookie, then query', () => {
    expect(extractToken(request({ 'x-jwt-token': 'x.x.x' }), sources)?.source).toBe('header');
    expect(extractToken(request({ 'x-jwt-token': 'Bearer x.x.x' }), sources)?.token).toBe('x.x.x');
    expect(extractToken(request({ cookie: 'session=c.c.c' }), sources)?.source).toBe('cookie');
    expect(extractToken(request({}, '/p?access_token=q.q.q'), sources)).toEqual({
      token: 'q.q.q',
      source: 'query',
    });
    expect(extractToken(request({}), sources)).toBeUndefined();
  });
  it('refuses ambiguous repeats', () => {
    expect(reason(() => extractToken(request({}, '/p?access_token=a&access_token=b'), sources))).toBe(
      'malformed_token',
    );
    expect(reason(() => extractToken(request({ 'x-jwt-token': 'a.a.a, b.b.b' }), sources))).toBe(
      'malformed_token',
    );
  });
  it('ignores another Authorization scheme and moves on', () => {
    expect(
      extractToken(request({ authorization: 'Basic dXNlcg==', cookie: 'session=c.c.c' }), sources)?.source,
    ).toBe('cookie');
  });
});
