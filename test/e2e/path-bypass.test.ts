// Issue 8 items 1, 2 and 5 end to end: raw "#" fragments, non-ASCII case folds and double-encoded separators, sent as
// raw bytes through real Caddy and real nginx (running `keyway print-config` output) to a backend that reads the
// target as WHATWG URL, Unicode case-insensitive and double-decoding frameworks do. With a token lacking the admin
// scope, the backend's protected /api/admin route is never reached; keyway itself refuses each target when asked
// directly (so a proxy that passes it on, or a later proxy change, cannot open it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EchoAnswer } from '../helpers/framework-echo.js';
import { enumerateAsciiFolds } from '../helpers/unicode-case-folds.js';
import { rawRequest } from '../security/raw-http.js';
import { type BypassProxy, type BypassStack, startBypassStack } from './path-bypass-stack.js';

/** A target as the client sends it: `raw` may hold latin1 characters standing for raw bytes (UTF-8 sent unencoded). */
interface Case {
  readonly name: string;
  readonly raw: string;
  /** Whether the echo backend, asked directly, serves this target as /api/admin (the target is a real bypass). */
  readonly bypass: boolean;
  /** keyway's reason when asked directly (default ambiguous_request: its readings select different policies). */
  readonly reason?: string;
}

const utf8Bytes = (text: string) => Buffer.from(text, 'utf8').toString('latin1');
const cp = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

const fragmentCases: Case[] = [
  { raw: '/api/admin#x', bypass: true },
  { raw: '/api/admin#', bypass: true },
  { raw: '/api/admin#/../users', bypass: true },
  { raw: '/api/admin#x?debug=1', bypass: true },
  { raw: '/api/admin/users#x', bypass: true, reason: 'insufficient_scope' },
  // Not a bypass of this (case-sensitive) WHATWG reader, but of a case-insensitive one.
  { raw: '/api/Admin#x', bypass: false },
].map((c) => ({ name: `fragment ${c.raw}`, ...c }));

// Every code point whose case mapping lands on a letter of "admin", in each position, encoded and as raw UTF-8.
const caseCases: Case[] = enumerateAsciiFolds().flatMap((f) =>
  [...'admin'].flatMap((letter, at) => {
    if (f.ascii !== letter) return [];
    const path = `/api/${'admin'.slice(0, at)}${f.char}${'admin'.slice(at + 1)}`;
    return [
      { name: `case fold ${cp(f.char)} ${encodeURI(path)}`, raw: encodeURI(path), bypass: true },
      { name: `case fold ${cp(f.char)} raw UTF-8`, raw: utf8Bytes(path), bypass: true },
      {
        name: `case fold ${cp(f.char)} other letters in upper case`,
        raw: encodeURI(`${path.replace(/[a-z]/g, (l) => l.toUpperCase())}/x`),
        bypass: true,
      },
    ];
  }),
);

const doubleEncodedCases: Case[] = [
  ['/api/x/..%252fadmin', true],
  ['/api/x/%252e%252e%252fadmin', true],
  ['/api/x/%252E%252E%252Fadmin', true],
  ['/api/x/..%255cadmin', true],
  ['/api/x/%252e%252E%255Cadmin', true],
  ['/api/%2561dmin', true],
  ['/api/%2561%2564%256d%2569%256e/users', true],
  ['/api/x%252f..%252fadmin', true],
  // Triple encoding: beyond this backend (it decodes twice), refused by keyway all the same.
  ['/api/x/%25252e%25252e%25252fadmin', false],
  ['/api/%252561dmin', false],
].map(([raw, bypass]) => ({ name: `double encoding ${raw}`, raw: raw as string, bypass: bypass as boolean }));

const cases = [...fragmentCases, ...caseCases, ...doubleEncodedCases];

const request = (port: number, target: string, headers: readonly (readonly [string, string])[]) =>
  rawRequest(
    port,
    Buffer.from(
      `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}Connection: close\r\n\r\n`,
      'latin1',
    ),
  );

describe('the cases', () => {
  it('include every class, and every folding code point that spells a letter of "admin"', () => {
    expect(caseCases.map((c) => c.name)).toEqual(
      expect.arrayContaining([expect.stringContaining('U+0130'), expect.stringContaining('U+0131')]),
    );
    expect(fragmentCases.length).toBeGreaterThan(0);
    expect(doubleEncodedCases.length).toBeGreaterThan(0);
  });
});

describe.each(['nginx', 'caddy'] as const)('path bypasses through %s', (kind: BypassProxy) => {
  let stack: BypassStack;
  let reader: string;
  let admin: string;
  beforeAll(async () => {
    stack = await startBypassStack(kind);
    reader = await stack.mint('reader-1', 'read');
    admin = await stack.mint('admin-1', 'read admin');
  });
  afterAll(async () => stack?.close());

  const body = (text: string): EchoAnswer => JSON.parse(text) as EchoAnswer;

  it('the stack works: /api/admin needs the admin scope, /api does not, the backend sees both', async () => {
    const denied = await request(stack.proxyPort, '/api/admin', [['Authorization', `Bearer ${reader}`]]);
    expect([denied.status, denied.header('x-auth-reason')]).toEqual([403, 'insufficient_scope']);
    const other = await request(stack.proxyPort, '/api/things', [['Authorization', `Bearer ${reader}`]]);
    expect(other.status).toBe(200);
    expect(body(other.body)).toMatchObject({ route: 'other', subject: 'reader-1' });
    const allowed = await request(stack.proxyPort, '/api/admin', [['Authorization', `Bearer ${admin}`]]);
    expect(allowed.status).toBe(200);
    expect(body(allowed.body)).toMatchObject({ route: 'protected', subject: 'admin-1' });
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s: never reaches /api/admin', async (_, c) => {
    // The target is a real bypass against this backend when nothing stands in front of it.
    const direct = await request(stack.echo.port, c.raw, []);
    expect(body(direct.body).route).toBe(c.bypass ? 'protected' : 'other');
    const res = await request(stack.proxyPort, c.raw, [['Authorization', `Bearer ${reader}`]]);
    if (res.status === 200) expect(body(res.body)).toMatchObject({ route: 'other', subject: 'reader-1' });
    else expect(res.status).toBeGreaterThanOrEqual(400);
    // keyway itself, asked as nginx asks it (X-Original-URI holds the target as sent), refuses the target.
    const auth = await request(stack.keywayPort, '/auth', [
      ['X-Original-URI', c.raw],
      ['X-Original-Method', 'GET'],
      ['X-Forwarded-Host', 'app.test'],
      ['Authorization', `Bearer ${reader}`],
    ]);
    expect([auth.status, auth.header('x-auth-reason')]).toEqual([403, c.reason ?? 'ambiguous_request']);
  });

  it('no request with the reader token reached the protected route', () => {
    expect(stack.echo.protectedHits.filter((h) => h.subject === 'reader-1')).toEqual([]);
  });
});
