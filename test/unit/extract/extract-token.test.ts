import { describe, expect, it } from 'vitest';
import { KeywayError } from '../../../src/errors.js';
import { parseBearer } from '../../../src/extract/bearer.js';
import { readCookie } from '../../../src/extract/cookie.js';
import { compileTokenSource, extractToken } from '../../../src/extract/extract-token.js';
import { parseForwardedRequest } from '../../../src/request/request.js';

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

describe('extractToken: one token, wherever the policy looks', () => {
  const sources = ['bearer', 'header:X-JWT-Token', 'cookie:session', 'query:access_token'].map(
    compileTokenSource,
  );
  const detail = (fn: () => unknown) => {
    try {
      fn();
      return 'ok';
    } catch (err) {
      return `${(err as KeywayError).reason}: ${(err as KeywayError).message}`;
    }
  };
  it('finds the token in each source', () => {
    expect(extractToken(request({ authorization: 'Bearer h.h.h' }), sources)).toEqual({
      token: 'h.h.h',
      source: 'bearer',
    });
    expect(extractToken(request({ 'x-jwt-token': 'x.x.x' }), sources)?.source).toBe('header');
    expect(extractToken(request({ 'x-jwt-token': 'Bearer x.x.x' }), sources)?.token).toBe('x.x.x');
    expect(extractToken(request({ cookie: 'session=c.c.c' }), sources)?.source).toBe('cookie');
    expect(extractToken(request({}, '/p?access_token=q.q.q'), sources)).toEqual({
      token: 'q.q.q',
      source: 'query',
    });
    expect(extractToken(request({}), sources)).toBeUndefined();
  });
  it('accepts the same token sent in several sources', () => {
    const both = request(
      { authorization: 'Bearer s.s.s', cookie: 'a=1; session=s.s.s' },
      '/p?access_token=s.s.s',
    );
    expect(extractToken(both, sources)).toEqual({ token: 's.s.s', source: 'bearer' });
  });
  // Each pair of sources, each order: the backend may read the one keyway would have ignored.
  const carriers: Record<string, (token: string) => { headers: Record<string, string>; uri?: string }> = {
    bearer: (t) => ({ headers: { authorization: `Bearer ${t}` } }),
    'header:x-jwt-token': (t) => ({ headers: { 'x-jwt-token': t } }),
    'cookie:session': (t) => ({ headers: { cookie: `theme=dark; session=${t}` } }),
    'query:access_token': (t) => ({ headers: {}, uri: `/p?x=1&access_token=${t}` }),
  };
  const names = Object.keys(carriers);
  for (const [i, first] of names.entries()) {
    for (const second of names.slice(i + 1)) {
      it(`refuses different tokens in ${first} and ${second}`, () => {
        const a = carriers[first]!('a1.a2.a3');
        const b = carriers[second]!('b1.b2.b3');
        const req = request({ ...a.headers, ...b.headers }, a.uri ?? b.uri ?? '/p');
        expect(detail(() => extractToken(req, sources))).toBe(
          `malformed_token: token sources disagree: ${first} and ${second} carry different tokens`,
        );
        // Listing the sources the other way round names them the other way round: still refused.
        expect(reason(() => extractToken(req, [...sources].reverse()))).toBe('malformed_token');
      });
    }
  }
  it('refuses two different tokens within one source', () => {
    for (const req of [
      request({}, '/p?access_token=a.a.a&access_token=b.b.b'),
      request({}, '/p?access_token=a.a.a&access%5Ftoken=b.b.b'),
      request({ 'x-jwt-token': 'a.a.a, b.b.b' }),
      request({ authorization: 'Bearer a.a.a, Bearer b.b.b' }),
      request({ cookie: 'session=a.a.a; session=b.b.b' }),
      // Two Cookie headers, joined with ", " by the Fetch Headers keyway reads them through.
      request({ cookie: 'session=a.a.a, session=b.b.b' }),
      request({ cookie: 'other="x, session=b.b.b"; session=a.a.a' }),
    ]) {
      expect(reason(() => extractToken(req, sources))).toBe('malformed_token');
    }
  });
  it('refuses an Authorization credential keyway does not check beside a token from another source', () => {
    const cookieOnly = [compileTokenSource('cookie:session')];
    const foreign =
      'malformed_token: Authorization carries a credential keyway does not check beside the token in cookie:session';
    for (const authorization of [
      'Basic dXNlcjpwYXNz',
      'Digest username="u"',
      'Bearer o.o.o',
      'Bearer bad token',
    ]) {
      const req = request({ authorization, cookie: 'session=c.c.c' });
      expect(detail(() => extractToken(req, cookieOnly))).toBe(foreign);
      expect(reason(() => extractToken(req, sources))).toBe('malformed_token');
    }
    // Basic beside a cookie, whichever source is listed first: the backend would get Basic credentials unchecked.
    for (const list of [sources, [...sources].reverse()]) {
      const req = request({ authorization: 'Basic dXNlcjpwYXNz', cookie: 'session=c.c.c' });
      expect(detail(() => extractToken(req, list))).toBe(foreign);
    }
    // The same token as Bearer is the one keyway checks; Basic alone is no token at all.
    expect(
      extractToken(request({ authorization: 'Bearer c.c.c', cookie: 'session=c.c.c' }), cookieOnly)?.token,
    ).toBe('c.c.c');
    expect(extractToken(request({ authorization: 'Basic dXNlcjpwYXNz' }), sources)).toBeUndefined();
  });
  it('an Authorization header read as a header source carries its token', () => {
    const raw = [compileTokenSource('header:Authorization')];
    expect(extractToken(request({ authorization: 'r.r.r' }), raw)?.token).toBe('r.r.r');
    expect(extractToken(request({ authorization: 'Bearer r.r.r' }), raw)?.token).toBe('r.r.r');
  });
});
