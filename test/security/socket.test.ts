// Request framing on a real socket (startServer on port 0, raw bytes over node:net): repeated Authorization headers
// really reach Node, oversized heads meet server.max_header_bytes (Node's maxHeaderSize → 431), a Content-Length with
// no body (nginx without proxy_pass_request_body off) must not hang a decision, a head that never ends is cut off at
// server.request_timeout, and CR/LF in a claim never becomes a header line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import { createLogger } from '../../src/infra/log.js';
import { createMetrics } from '../../src/infra/metrics.js';
import { createManualClock } from '../../src/lib/clock.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { trackRegistry } from '../helpers/audit.js';
import { createLogCapture } from '../helpers/log-capture.js';
import { claims, craft, HS_ISS, HS256_SECRET, NOW, signer } from './fixture.js';
import { rawRequest, requestHead, sendAndWaitForClose } from './raw-http.js';

const servers: RunningServer[] = [];
const logs = createLogCapture();

async function start(server: Record<string, unknown> = {}): Promise<RunningServer> {
  const config = parseConfig(
    {
      server: { host: '127.0.0.1', port: 0, request_timeout: '120s', ...server },
      issuers: [{ name: 'hs', issuer: HS_ISS, hs_secrets: [HS256_SECRET] }],
      policies: [
        { name: 'api', headers: { 'X-User-Name': 'name' } },
        { name: 'cookie', token_sources: ['cookie:session'] },
      ],
      default_policy: 'api',
    },
    'socket-test',
    { readFile: () => '' },
  );
  const metrics = createMetrics({ processMetrics: false });
  trackRegistry(metrics.registry);
  const running = await startServer(config, {
    deps: { log: createLogger('debug', logs), metrics, clock: createManualClock(NOW * 1000) },
  });
  servers.push(running);
  return running;
}

let main: RunningServer;
let tok: string;
beforeAll(async () => {
  main = await start();
  tok = craft({ alg: 'HS256' }, claims(HS_ISS), signer('HS256', HS256_SECRET));
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const base: [string, string][] = [
  ['Host', 'keyway'],
  ['X-Forwarded-Method', 'GET'],
  ['X-Forwarded-Uri', '/items'],
];
const get = (headers: [string, string][], method = 'GET') =>
  rawRequest(main.port, requestHead('/auth', [...base, ...headers], method));

describe('several Authorization headers on the wire', () => {
  it.each([
    [
      'two copies of the same valid token',
      () => [
        ['Authorization', `Bearer ${tok}`],
        ['Authorization', `Bearer ${tok}`],
      ],
    ],
    [
      'a valid token, then garbage',
      () => [
        ['Authorization', `Bearer ${tok}`],
        ['Authorization', 'Bearer not.a.jwt'],
      ],
    ],
    [
      'garbage, then a valid token',
      () => [
        ['Authorization', 'Bearer not.a.jwt'],
        ['Authorization', `Bearer ${tok}`],
      ],
    ],
    [
      'Basic, then a valid bearer token',
      () => [
        ['Authorization', 'Basic dXNlcjpwYXNz'],
        ['Authorization', `Bearer ${tok}`],
      ],
    ],
    [
      'a valid token, then an empty header',
      () => [
        ['Authorization', `Bearer ${tok}`],
        ['Authorization', ''],
      ],
    ],
    [
      'differently cased names',
      () => [
        ['authorization', `Bearer ${tok}`],
        ['AUTHORIZATION', `Bearer ${tok}`],
      ],
    ],
  ] as const)('%s → 401 malformed_token', async (_name, headers) => {
    const res = await get(headers().map(([n, v]) => [n, v] as [string, string]));
    expect({ status: res.status, reason: res.header('x-auth-reason') }).toEqual({
      status: 401,
      reason: 'malformed_token',
    });
    expect(res.header('www-authenticate')).toBe(
      'Bearer realm="keyway", error="invalid_token", error_description="malformed_token"',
    );
  });

  it('control: one Authorization header with lower-case "bearer" → 200', async () => {
    const res = await get([['authorization', `bearer ${tok}`]]);
    expect({ status: res.status, subject: res.header('x-auth-subject') }).toEqual({
      status: 200,
      subject: 'alice',
    });
  });

  it('two Cookie headers each carrying the session cookie → 401 malformed_token', async () => {
    const headers: [string, string][] = [...base, ['Cookie', `session=${tok}`], ['Cookie', `session=${tok}`]];
    const res = await rawRequest(main.port, requestHead('/auth/cookie', headers));
    expect({ status: res.status, reason: res.header('x-auth-reason') }).toEqual({
      status: 401,
      reason: 'malformed_token',
    });
  });
});

// /auth reads headers from node's IncomingMessage: node joins most repeats with ", " but keeps only the first Host,
// so each repeat must still reach the forwarded-request parser as two values and be refused, never resolved.
describe('repeated forwarding headers on the wire', () => {
  const line = (n: string, v: string): [string, string] => [n, v];
  // tok is minted in beforeAll: read it when a test runs, not when the table is built.
  const auth = () => line('Authorization', `Bearer ${tok}`);
  it.each([
    ['two X-Forwarded-Uri', [line('X-Forwarded-Uri', '/admin')], 'several forwarded URIs'],
    ['two X-Forwarded-Method', [line('x-forwarded-method', 'DELETE')], 'several forwarded methods'],
    [
      'two X-Forwarded-Host',
      [line('X-Forwarded-Host', 'a.example'), line('X-Forwarded-Host', 'b.example')],
      'several forwarded hosts',
    ],
    ['two Host (node keeps the first in headers)', [line('Host', 'evil.example')], 'several forwarded hosts'],
  ] as const)('%s → 403 ambiguous_request', async (_name, extra, why) => {
    const id = `dup-${logs.lines.length}`;
    const res = await get([...extra, auth(), line('X-Request-Id', id)]);
    expect({ status: res.status, reason: res.header('x-auth-reason') }).toEqual({
      status: 403,
      reason: 'ambiguous_request',
    });
    const logged = logs.entries().find((e) => JSON.stringify(e).includes(id));
    expect(JSON.stringify(logged)).toContain(why);
  });

  it('two X-Original-URI (nginx) → 403 ambiguous_request', async () => {
    const head = requestHead('/auth', [
      ['Host', 'keyway'],
      ['X-Original-URI', '/items'],
      ['X-Original-URI', '/admin'],
      auth(),
    ]);
    const res = await rawRequest(main.port, head);
    expect({ status: res.status, reason: res.header('x-auth-reason') }).toEqual({
      status: 403,
      reason: 'ambiguous_request',
    });
  });

  it('two X-Request-Id → neither is echoed (a fresh id), and the decision stands', async () => {
    const res = await get([line('X-Request-Id', 'req-a'), line('X-Request-Id', 'req-b'), auth()]);
    expect(res.status).toBe(200);
    expect(res.header('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('control: one X-Request-Id is echoed; padded values are read trimmed', async () => {
    const res = await get([line('X-Request-Id', 'req-a'), line('Authorization', `  Bearer ${tok}  `)]);
    expect({ status: res.status, id: res.header('x-request-id') }).toEqual({ status: 200, id: 'req-a' });
  });

  it('the allow answer carries every emitted header once, set or cleared, with no body', async () => {
    const res = await get([auth()]);
    const names = res.headers.map(([n]) => n);
    for (const name of [
      'x-auth-subject',
      'x-auth-issuer',
      'x-auth-token-id',
      'x-route-instance-key',
      'x-route-version-key',
      'x-user-name',
      'x-request-id',
      'cache-control',
    ])
      expect(
        names.filter((n) => n === name),
        name,
      ).toHaveLength(1);
    expect(res.header('cache-control')).toBe('no-store');
    expect(res.header('content-type')).toBeUndefined();
    expect(res.body).toBe('');
  });

  it('a deny answer is JSON with its challenge, reason and no-store', async () => {
    const res = await get([]);
    expect(res.status).toBe(401);
    expect(res.header('content-type')).toBe('application/json');
    expect(JSON.parse(res.body)).toEqual({ error: 'unauthorized', reason: 'missing_token' });
    expect(res.header('www-authenticate')).toBe('Bearer realm="keyway"');
    expect(res.header('cache-control')).toBe('no-store');
    expect(res.header('x-auth-reason')).toBe('missing_token');
  });
});

describe('CR/LF in a claim mapped to a header', () => {
  it('never splits the response head: the value is percent-encoded on one line', async () => {
    const evil = craft(
      { alg: 'HS256' },
      claims(HS_ISS, { name: 'Mallory\r\nX-Auth-Subject: admin\r\n\r\n<html>' }),
      signer('HS256', HS256_SECRET),
    );
    const res = await get([['Authorization', `Bearer ${evil}`]]);
    expect(res.status).toBe(200);
    expect(res.headers.filter(([n]) => n === 'x-auth-subject')).toEqual([['x-auth-subject', 'alice']]);
    expect(res.header('x-user-name')).toBe('Mallory%0D%0AX-Auth-Subject: admin%0D%0A%0D%0A<html>');
    expect(res.body).toBe('');
  });
});

describe('server.max_header_bytes (Node maxHeaderSize)', () => {
  it('a head over the default 32 KiB → 431 from Node, never a 500 and never a decision', async () => {
    const res = await get([['X-Forwarded-Uri-Pad', 'a'.repeat(40_000)]]);
    expect(res.status).toBe(431);
    expect(res.header('x-auth-reason')).toBeUndefined();
  });

  it('a 64 KiB bearer token → 431 at the default limit', async () => {
    const big = craft(
      { alg: 'HS256' },
      claims(HS_ISS, { pad: 'x'.repeat(48_000) }),
      signer('HS256', HS256_SECRET),
    );
    expect((await get([['Authorization', `Bearer ${big}`]])).status).toBe(431);
  });

  it('max_header_bytes: 8192 → an 8 KiB head is refused (431) while a 6 KiB one is decided', async () => {
    const small = await start({ max_header_bytes: 8192 });
    const head = (pad: number) => requestHead('/auth', [...base, ['X-Pad', 'a'.repeat(pad)]]);
    expect((await rawRequest(small.port, head(8_192))).status).toBe(431);
    const ok = await rawRequest(small.port, head(6_000));
    expect({ status: ok.status, reason: ok.header('x-auth-reason') }).toEqual({
      status: 401,
      reason: 'missing_token',
    });
  });

  it('a huge header on one connection leaves the server serving the next', async () => {
    await get([['X-Pad', 'a'.repeat(100_000)]]).catch(() => undefined);
    const res = await get([['Authorization', `Bearer ${tok}`]]);
    expect(res.status).toBe(200);
  });

  it('with max_header_bytes raised to 128 KiB, the 64 KiB token reaches keyway → 401 token_too_large', async () => {
    const roomy = await start({ max_header_bytes: 131_072 });
    const big = craft(
      { alg: 'HS256' },
      claims(HS_ISS, { pad: 'x'.repeat(48_000) }),
      signer('HS256', HS256_SECRET),
    );
    const res = await rawRequest(
      roomy.port,
      requestHead('/auth', [...base, ['Authorization', `Bearer ${big}`]]),
    );
    expect({ status: res.status, reason: res.header('x-auth-reason') }).toEqual({
      status: 401,
      reason: 'token_too_large',
    });
  });
});

describe('a Content-Length without a body (nginx auth_request without proxy_pass_request_body off)', () => {
  // request_timeout is 120 s on this server: an answer here is keyway not waiting for the body, not the timeout.
  it.each(['GET', 'POST', 'PUT'])(
    '%s with Content-Length: 1000 and no body → decided at once (200)',
    async (method) => {
      const res = await get(
        [
          ['Authorization', `Bearer ${tok}`],
          ['Content-Length', '1000'],
        ],
        method,
      );
      expect({ status: res.status, subject: res.header('x-auth-subject') }).toEqual({
        status: 200,
        subject: 'alice',
      });
    },
    15_000,
  );

  it('POST with Transfer-Encoding: chunked and no chunk → decided at once (401 missing_token)', async () => {
    const res = await get([['Transfer-Encoding', 'chunked']], 'POST');
    expect({ status: res.status, reason: res.header('x-auth-reason') }).toEqual({
      status: 401,
      reason: 'missing_token',
    });
  }, 15_000);
});

describe('request smuggling shapes are refused by the HTTP parser (400), never decided', () => {
  it.each([
    [
      'Content-Length and Transfer-Encoding together',
      [
        ['Content-Length', '4'],
        ['Transfer-Encoding', 'chunked'],
      ],
    ],
    [
      'two different Content-Lengths',
      [
        ['Content-Length', '4'],
        ['Content-Length', '5'],
      ],
    ],
    ['a header name with a space before the colon', [['Authorization ', `Bearer x`]]],
    ['an obs-fold continuation line', [['X-A', 'a\r\n b']]],
  ] as const)('%s → 400', async (_name, headers) => {
    const raw = await sendAndWaitForClose(main.port, requestHead('/auth', [...base, ...headers], 'POST'));
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
  });
});

describe('server.request_timeout', () => {
  it('a client that never finishes its request head is answered 408 and disconnected', async () => {
    const slow = await start({ request_timeout: '1s' });
    const raw = await sendAndWaitForClose(slow.port, 'GET /auth HTTP/1.1\r\nHost: keyway\r\nX-Slow: ');
    expect(raw).toMatch(/^HTTP\/1\.1 408 /);
  }, 15_000);
});
