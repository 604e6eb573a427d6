// Secrets never leave keyway: not in decision logs, JWKS error logs, /readyz, /metrics, deny bodies, admin responses
// or config errors. A real server (startServer: main + admin listener) is driven over HTTP; each surface is asserted
// directly, and the suite-wide audit (audit/setup.ts, audit/global-setup.ts) checks every output of the run again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import { ConfigError } from '../../src/errors.js';
import { createLogger } from '../../src/infra/log.js';
import { createMetrics } from '../../src/infra/metrics.js';
import { createManualClock } from '../../src/lib/clock.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { recordResponse, registerSecret, trackRegistry } from '../helpers/audit.js';
import { type JwksServer, startJwksServer } from '../helpers/jwks-server.js';
import { createLogCapture, type LogCapture } from '../helpers/log-capture.js';
import { waitFor } from '../helpers/wait-for.js';
import { claims, craft, HS_ISS, HS256_SECRET, holdKey, NOW, signer } from './fixture.js';

const ADMIN_TOKEN = 'security-suite-admin-token-0123456789';
const WRONG_ADMIN_TOKEN = 'security-suite-mistyped-admin-token-987';
const URL_PASSWORD = 'jwks-url-password-0123456789';
const URL_API_KEY = 'jwks-url-api-key-0123456789';
registerSecret(ADMIN_TOKEN, 'admin token');
registerSecret(WRONG_ADMIN_TOKEN, 'a mistyped admin token');
registerSecret(URL_PASSWORD, 'password in a JWKS URL');
registerSecret(URL_API_KEY, 'api key in a JWKS URL query');

let server: RunningServer;
let failing: JwksServer;
let logs: LogCapture;
const hs = signer('HS256', HS256_SECRET);
const stranger = holdKey('stranger', 'ec');

/** Every token this file sends, to check outputs against. */
const sent: string[] = [];
const tok = (
  extra: Record<string, unknown> = {},
  header: Record<string, unknown> = { alg: 'HS256' },
  sign = hs,
) => {
  const t = craft(header, claims(HS_ISS, { jti: `jti-${sent.length}`, ...extra }), sign);
  sent.push(t);
  return t;
};

beforeAll(async () => {
  failing = await startJwksServer();
  failing.reply('/jwks', { status: 500, body: `internal error for ${URL_API_KEY}` });
  const port = new URL(failing.url).port;
  const config = parseConfig(
    {
      server: { host: '127.0.0.1', port: 0 },
      admin: { host: '127.0.0.1', port: 0, token: ADMIN_TOKEN },
      // Every allow line too (the default samples them): each source's line is checked for leaks.
      log: { allow_lines: 'all' },
      issuers: [
        { name: 'hs', issuer: HS_ISS, hs_secrets: [HS256_SECRET] },
        {
          name: 'creds',
          issuer: 'https://creds.test',
          // Required: its failure makes /readyz 503 (the hs issuer alone would keep the instance ready).
          required: true,
          jwks_uri: `http://user:${URL_PASSWORD}@127.0.0.1:${port}/jwks?api_key=${URL_API_KEY}`,
          jwks: { retries: 0 },
        },
        {
          name: 'apikey',
          issuer: 'https://apikey.test',
          jwks_uri: `http://127.0.0.1:${port}/jwks?api_key=${URL_API_KEY}`,
          jwks: { retries: 0 },
        },
      ],
      policies: [
        {
          name: 'api',
          token_sources: ['bearer', 'cookie:session', 'query:access_token', 'header:X-JWT'],
          issuers: ['hs'],
        },
      ],
      default_policy: 'api',
    },
    'secrets-test',
    { readFile: () => '' },
  );
  logs = createLogCapture();
  const metrics = createMetrics({ processMetrics: false });
  trackRegistry(metrics.registry);
  server = await startServer(config, {
    deps: { log: createLogger('trace', logs), metrics, clock: createManualClock(NOW * 1000) },
  });
  // startServer loads keys in the background: wait (bounded) until both JWKS issuers have reported their failure.
  const failures = () =>
    logs.entries().filter((e) => String(e['msg']).startsWith('JWKS fetch failed')).length;
  await waitFor('both JWKS issuers to report their failure', () => failures() >= 2, 5_000, 20);
});
afterAll(async () => {
  await server.close();
  await failing.close();
});

async function call(
  port: number,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; text: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, init);
  await recordResponse(res, path.split('?')[0] ?? path);
  const headers = [...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n');
  return { status: res.status, text: `${headers}\n\n${await res.text()}` };
}
const main = (path: string, headers: Record<string, string> = {}) => call(server.port, path, { headers });
const adminCall = (method: string, path: string, body?: unknown, token = ADMIN_TOKEN) =>
  call(server.adminPort!, path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

const SECRETS = [HS256_SECRET, ADMIN_TOKEN, WRONG_ADMIN_TOKEN, URL_PASSWORD, URL_API_KEY];
/** No secret, no token sent by this file, and no token signature anywhere in `text`. */
function expectClean(text: string): void {
  for (const secret of SECRETS) expect(text).not.toContain(secret);
  for (const t of sent) {
    expect(text).not.toContain(t);
    expect(text).not.toContain(t.split('.')[2]);
  }
}

describe('decisions: the token never comes back, in any source, allowed or denied', () => {
  const cases: [string, () => string][] = [
    ['a valid token', () => tok()],
    ['an expired token', () => tok({ exp: NOW - 3600 })],
    [
      'a token signed by another key',
      () => tok({}, { alg: 'HS256' }, signer('HS256', `${HS256_SECRET}-other`)),
    ],
    [
      'an unknown-kid ES256 token',
      () => tok({}, { alg: 'ES256', kid: 'nope' }, signer('ES256', stranger.privateKey)),
    ],
    ['a token with trailing garbage', () => `${tok()}x`],
    [
      'alg none carrying a real signature',
      () => {
        const real = tok();
        const [, p, s] = real.split('.');
        return `${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.${s}`;
      },
    ],
    ['a token over max_token_bytes', () => tok({ pad: 'x'.repeat(20_000) })],
  ];
  const sources: [string, (t: string) => [string, Record<string, string>]][] = [
    ['bearer', (t) => ['/auth', { authorization: `Bearer ${t}` }]],
    ['cookie', (t) => ['/auth', { cookie: `session=${t}` }]],
    ['forwarded query', (t) => ['/auth', { 'x-forwarded-uri': `/x?access_token=${t}` }]],
    ['header', (t) => ['/auth', { 'x-jwt': t }]],
  ];
  for (const [sourceName, place] of sources) {
    it.each(cases)(`%s in the ${sourceName} source: response and log line are clean`, async (_name, make) => {
      const t = make();
      sent.push(t);
      const [path, headers] = place(t);
      const before = logs.lines.length;
      const res = await main(path, { 'x-forwarded-method': 'GET', ...headers });
      expect([200, 401]).toContain(res.status);
      expectClean(res.text);
      const lines = logs.lines.slice(before).join('\n');
      expect(lines).toContain('"msg":"decision"');
      expectClean(lines);
    });
  }

  it('/metrics carries no token or secret', async () => {
    const res = await main('/metrics');
    expect(res.text).toContain('keyway_decisions_total');
    expectClean(res.text);
  });
});

describe('JWKS URLs with credentials: failures are reported without them', () => {
  it('/readyz names the failing issuers, never the URL’s password or query', async () => {
    const res = await main('/readyz');
    expect(res.status).toBe(503);
    expect(res.text).toContain('keys:creds');
    expect(res.text).toContain('keys:apikey');
    expectClean(res.text);
  });

  it('the JWKS failure log lines carry the outcome, never the URL’s password, query or the error body', () => {
    const failures = logs.entries().filter((e) => String(e['msg']).startsWith('JWKS fetch failed'));
    expect(failures.map((e) => e['issuer']).sort()).toEqual(['apikey', 'creds']);
    expectClean(logs.lines.join('\n'));
  });

  it('/admin/status shows lastError without secrets', async () => {
    const res = await adminCall('GET', '/admin/status');
    expect(res.status).toBe(200);
    expect(res.text).toContain('creds');
    expectClean(res.text);
  });
});

describe('admin responses', () => {
  it('/admin/keys lists HS secrets by slot (hs#0), never their bytes in any encoding', async () => {
    const res = await adminCall('GET', '/admin/keys');
    expect(res.status).toBe(200);
    expect(res.text).toContain('hs#0');
    expectClean(res.text);
    for (const enc of ['base64', 'base64url', 'hex'] as const) {
      expect(res.text).not.toContain(Buffer.from(HS256_SECRET).toString(enc));
    }
  });

  it('/admin/explain runs the decision and never echoes the token (allow and deny)', async () => {
    const allowed = await adminCall('POST', '/admin/explain', { token: tok(), host: 'x', uri: '/' });
    expect(allowed.text).toContain('"result":"allow"');
    expectClean(allowed.text);
    const denied = await adminCall('POST', '/admin/explain', {
      token: `${tok()}garbage`,
      host: 'x',
      uri: '/',
    });
    expect(denied.text).toContain('"reason":"malformed_token"');
    expectClean(denied.text);
  });

  it('POST /admin/revocations {token} revokes it without echoing it; the token then answers revoked', async () => {
    const t = tok({ jti: 'to-revoke' });
    const res = await adminCall('POST', '/admin/revocations', { token: t });
    expect(res.status).toBe(201);
    expectClean(res.text);
    const after = await main('/auth', { authorization: `Bearer ${t}` });
    expect(after.text).toContain('x-auth-reason: revoked');
    expectClean((await adminCall('GET', '/admin/revocations')).text);
  });

  it('a wrong admin token → 401, not echoed; a bad revocation body → 400, not echoed', async () => {
    const wrong = await adminCall('GET', '/admin/keys', undefined, WRONG_ADMIN_TOKEN);
    expect(wrong.status).toBe(401);
    expectClean(wrong.text);
    const t = tok();
    const bad = await adminCall('POST', '/admin/revocations', { token: t, extra: t });
    expect(bad.status).toBe(400);
    expectClean(bad.text);
  });
});

describe('config errors name the key, never the secret', () => {
  it.each([
    [
      'an HS secret that is too short',
      { issuers: [{ name: 'a', hs_secrets: ['short-hs-secret-1'] }] },
      'short-hs-secret-1',
    ],
    [
      'an admin token that is too short',
      { admin: { token: 'adm-short-tok' }, issuers: [{ name: 'a', hs_secrets: [HS256_SECRET] }] },
      'adm-short-tok',
    ],
    [
      'an HS secret with an unknown option',
      { issuers: [{ name: 'a', hs_secrets: [{ secret: HS256_SECRET, nope: 1 }] }] },
      HS256_SECRET,
    ],
    [
      'an HS secret asked for HS512 while too short',
      { issuers: [{ name: 'a', hs_secrets: [{ secret: HS256_SECRET, algorithms: ['HS512'] }] }] },
      HS256_SECRET,
    ],
    [
      'a secret in the wrong type slot',
      { admin: { token: 1234567890123456 }, issuers: [{ name: 'a', hs_secrets: [HS256_SECRET] }] },
      '1234567890123456',
    ],
  ])('%s', (_name, input, secret) => {
    registerSecret(secret, 'config test secret');
    let message = '';
    try {
      parseConfig(input, 'keyway.yaml', { readFile: () => '' });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message).toContain('keyway.yaml');
    expect(message).not.toContain(secret);
  });
});

describe('log redaction (the second line of defence)', () => {
  it('token, authorization, cookie, secret, password and hs_secrets fields are censored wherever they appear', () => {
    const capture = createLogCapture();
    const t = tok();
    createLogger('info', capture).info(
      {
        token: t,
        authorization: `Bearer ${t}`,
        headers: { authorization: `Bearer ${t}`, cookie: `session=${t}` },
        cookie: `session=${t}`,
        secret: HS256_SECRET,
        issuer: { secret: HS256_SECRET, password: URL_PASSWORD, hs_secrets: [HS256_SECRET] },
        password: URL_PASSWORD,
      },
      'redaction check',
    );
    const line = capture.lines.join('\n');
    expect(line).toContain('[redacted]');
    expectClean(line);
  });
});
