import { describe, expect, it } from 'vitest';
import { normalisePath, parseForwardedRequest } from '../../../src/pipeline/request.js';

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
