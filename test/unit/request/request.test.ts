import { describe, expect, it } from 'vitest';
import { normalisePath } from '../../../src/lib/path-readings.js';
import { parseForwardedRequest } from '../../../src/request/request.js';

const build = (headers: Record<string, string>, method = 'GET', query = '') =>
  parseForwardedRequest({ method, query, header: (n) => headers[n] }, () => 'generated-id');

describe('parseForwardedRequest', () => {
  it('reads the Traefik/Caddy X-Forwarded-* set', () => {
    const req = build({
      'x-forwarded-method': 'post',
      'x-forwarded-host': 'API.Example.com.',
      'x-forwarded-uri': '/v1/items?page=2',
      'x-forwarded-for': '203.0.113.7, 10.0.0.1',
      'x-request-id': 'abc-123',
    });
    expect(req).toMatchObject({
      method: 'POST',
      host: 'api.example.com',
      path: '/v1/items',
      query: 'page=2',
      clientIp: '203.0.113.7',
      requestId: 'abc-123',
    });
  });
  it('reads the nginx X-Original-* set and falls back to Host', () => {
    const req = build({ 'x-original-method': 'DELETE', 'x-original-uri': '/a/b', host: 'h.test' });
    expect(req).toMatchObject({ method: 'DELETE', host: 'h.test', path: '/a/b' });
  });
  it('has no path when the proxy sent no URI, and keeps the /auth query (Caddy appends it)', () => {
    const req = build({}, 'GET', 'access_token=t');
    expect(req.path).toBeUndefined();
    expect(req.query).toBe('access_token=t');
  });
  it('generates a request id when the sent one is unsafe', () => {
    expect(build({ 'x-request-id': 'bad id\twith space' }).requestId).toBe('generated-id');
    expect(build({ 'x-request-id': 'x'.repeat(200) }).requestId).toBe('generated-id');
  });
});

describe('normalisePath', () => {
  it.each([
    ['/a/b', '/a/b'],
    ['/public/../admin', '/admin'],
    ['/public/%2e%2e/admin', '/admin'],
    ['/public%2F..%2Fadmin', '/admin'],
    ['//admin', '/admin'],
    ['/a/./b/', '/a/b/'],
    ['/..', '/'],
    ['/a\\..\\admin', '/admin'],
    // `;` path parameters, as Tomcat, Jetty and Spring drop them (the classic `..;` bypass).
    ['/admin;jsessionid=1', '/admin'],
    ['/admin;x/users', '/admin/users'],
    ['/public/..;/admin', '/admin'],
    ['/public/%2e%2e%3b/admin', '/admin'],
    ['/public;/../admin', '/admin'],
    ['/;x/admin', '/admin'],
    ['/a/b;', '/a/b'],
    ['/%E0%A4%A', undefined],
    ['/a%00b', undefined],
  ])('%s → %s', (raw, normalised) => {
    expect(normalisePath(raw)).toBe(normalised);
  });
});

describe('forwarded host', () => {
  it.each([
    ['API.Example.com.', 'api.example.com'],
    ['admin.example.com.:443', 'admin.example.com:443'],
    ['ADMIN.example.com.:8443', 'admin.example.com:8443'],
    ['admin.example.com:443', 'admin.example.com:443'],
    ['[::1]:8080', '[::1]:8080'],
    ['app.example.com.:', 'app.example.com'],
  ])('%s → %s (a trailing dot is dropped before or without a port)', (sent, host) => {
    expect(build({ 'x-forwarded-host': sent }).host).toBe(host);
  });
  it('a port that is not a number is an ambiguity (refused), not a host that skips host policies', () => {
    expect(build({ 'x-forwarded-host': 'app.example.com.:abc' }).ambiguity).toBe(
      'the forwarded host has an invalid port',
    );
  });
});

describe('readings', () => {
  it('a plain request has no other reading and no ambiguity', () => {
    const req = build({ 'x-forwarded-uri': '/a/b?x=1', 'x-forwarded-method': 'GET' });
    expect(req.readings).toEqual([]);
    expect(req.ambiguity).toBeUndefined();
  });
  it('the literal path and method overrides are other readings', () => {
    const req = build({
      'x-forwarded-uri': '/admin/..;/public?_method=delete',
      'x-forwarded-method': 'POST',
      'x-http-method-override': 'PUT',
    });
    expect(req.path).toBe('/public');
    expect(req.ambiguity).toBe(
      'the forwarded path has dot segments, which backends resolve in different ways',
    );
    expect(req.readings).toEqual([
      { method: 'POST', path: '/admin/..;/public' },
      { method: 'PUT', path: '/public' },
      { method: 'PUT', path: '/admin/..;/public' },
      { method: 'DELETE', path: '/public' },
      { method: 'DELETE', path: '/admin/..;/public' },
    ]);
  });
  it('HEAD is also read as GET; a path with capitals also as a case-insensitive router reads it', () => {
    expect(build({ 'x-forwarded-uri': '/Docs', 'x-forwarded-method': 'HEAD' }).readings).toEqual([
      { method: 'HEAD', path: '/docs', folded: true },
      { method: 'GET', path: '/Docs' },
      { method: 'GET', path: '/docs', folded: true },
    ]);
  });
  it('keeps an encoded slash inside its segment in the literal reading', () => {
    expect(build({ 'x-forwarded-uri': '/a/x%2f..%2fb' }).readings).toEqual([
      { method: 'GET', path: '/a/x%2F..%2Fb' },
      { method: 'GET', path: '/a/x%2f..%2fb', folded: true },
    ]);
  });
});

describe('ambiguous forwarded host', () => {
  it('several X-Forwarded-Host values are an ambiguity (refused), never one of them', () => {
    const req = build({ 'x-forwarded-host': 'evil.test, api.example.com' });
    expect(req.host).toBe('');
    expect(req.ambiguity).toBe('several forwarded hosts');
  });
});

const paths = (req: ReturnType<typeof build>) =>
  req.readings.map((r) => `${r.path}${r.folded ? ' (folded)' : ''}`);
const DOTS = 'the forwarded path has dot segments, which backends resolve in different ways';

describe('a raw "#" in the forwarded URI (nginx forwards $request_uri as sent)', () => {
  it.each([
    ['/api/admin#x', '/api/admin#x', '/api/admin'],
    ['/api/admin#', '/api/admin#', '/api/admin'],
    ['/api/Admin#/x?q=1', '/api/Admin#/x', '/api/Admin'],
    ['/admin#x?y#z', '/admin#x', '/admin'],
  ])('%s: read as sent (%s) and cut at the fragment (%s), as WHATWG-URL readers do', (uri, path, cut) => {
    const req = build({ 'x-original-uri': uri });
    expect(req.path).toBe(path);
    expect(paths(req)).toContain(cut);
    expect(req.ambiguity).toBeUndefined();
  });
  it('an encoded %23 is a character of the path in every reading, never a fragment', () => {
    const req = build({ 'x-original-uri': '/files/c%23-notes' });
    expect(req.path).toBe('/files/c#-notes');
    expect(req.readings).toEqual([]);
  });
  it.each(['/public/..#/admin', '/public#/../admin', '/public/%2e%2e#x'])(
    '%s: dot segments in either reading are refused',
    (uri) => {
      expect(build({ 'x-original-uri': uri }).ambiguity).toBe(DOTS);
    },
  );
  it('a "#" after "?" leaves the path alone; the query is kept as sent, "#…" included', () => {
    const req = build({ 'x-original-uri': '/api/x?access_token=t#frag' });
    expect(req.path).toBe('/api/x');
    expect(req.readings).toEqual([]);
    expect(req.query).toBe('access_token=t#frag');
  });
  it('a _method override cut by "#" is read both ways', () => {
    const req = build({ 'x-original-uri': '/api/x?_method=delete#x', 'x-original-method': 'POST' });
    expect(req.readings.map((r) => r.method)).toEqual(['DELETE#X', 'DELETE']);
  });
});

describe('raw non-ASCII bytes (nginx forwards them as sent; Node reads header bytes as latin1)', () => {
  it('are read as UTF-8, as backends do', () => {
    const raw = Buffer.from('/api/adm\u0131n', 'utf8').toString('latin1');
    const req = build({ 'x-original-uri': raw });
    expect(req.path).toBe('/api/adm\u0131n');
    expect(paths(req)).toEqual(['/api/admin (folded)']);
  });
  it('invalid UTF-8 does not decode (refused)', () => {
    expect(build({ 'x-original-uri': '/api/admin\xff' }).ambiguity).toBe(
      'the forwarded path cannot be decoded',
    );
  });
});

describe('case folding beyond toLowerCase', () => {
  it.each([
    ['/api/adm%C4%B1n', '/api/admin'],
    ['/api/ADM%C4%B0N', '/api/admin'],
    ['/api/%C5%BFecret', '/api/secret'],
    ['/api/%E2%84%AAeys', '/api/keys'],
    ['/api/%EF%AC%81les', '/api/files'],
    ['/api/stra%C3%9Fe', '/api/strasse'],
  ])('%s is also read as %s', (uri, folded) => {
    expect(paths(build({ 'x-original-uri': uri }))).toContain(`${folded} (folded)`);
  });
});

describe('double (and deeper) percent-encoding', () => {
  it.each([
    '/public/%252e%252e%252fadmin',
    '/public/..%252fadmin',
    '/public/..%255cadmin',
    '/public/%252E%252E%255Cadmin',
    '/public/%252e%252E%252Fadmin',
    '/public/%25252e%25252e%25252fadmin',
    '/public/..%2525252fadmin',
    '/public/..%253b/admin',
    '/public/%252e%252e/admin',
    '/public/%25c0%25ae%25c0%25ae%25c0%25afadmin',
    '/public/%2e%2e%5cadmin',
  ])('%s: a dot segment after some number of decodes is refused', (uri) => {
    expect(build({ 'x-original-uri': uri }).ambiguity).toBe(DOTS);
  });
  it('a path still encoded after six decodes is refused', () => {
    expect(build({ 'x-original-uri': `/public/%${'25'.repeat(6)}61` }).ambiguity).toBe(
      'the forwarded path is still percent-encoded after 6 decodes',
    );
  });
  it('a path encoded twice is also read decoded twice (and three times)', () => {
    expect(paths(build({ 'x-original-uri': '/api/%2561dmin' }))).toEqual(['/api/admin']);
    expect(paths(build({ 'x-original-uri': '/api/%252561dmin' }))).toEqual(['/api/%61dmin', '/api/admin']);
  });
  it('an encoded percent sign that decodes to nothing more is an ordinary path', () => {
    const req = build({ 'x-original-uri': '/files/100%25' });
    expect([req.path, req.readings, req.ambiguity]).toEqual(['/files/100%', [], undefined]);
  });
  it('a NUL after the second decode is refused', () => {
    expect(build({ 'x-original-uri': '/api/a%2500b' }).ambiguity).toBe(
      'the forwarded path cannot be decoded',
    );
  });
});
