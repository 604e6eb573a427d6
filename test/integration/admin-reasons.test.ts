// Every reason of ADMIN_REASONS is reached on a real server (main and admin listener, real sockets), with the status,
// the `{error, reason[, detail]}` body and the headers of its table row.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { buildAdminApp } from '../../src/http/admin-app.js';
import {
  ADMIN_REASON_CODES,
  ADMIN_REASONS,
  type AdminReason,
  type AdminReasonInfo,
} from '../../src/http/admin-errors.js';
import { createLogger } from '../../src/infra/log.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { createLogCapture } from '../helpers/log-capture.js';
import { reasonsWithoutTest } from '../helpers/reason-coverage.js';
import { HS_SECRET, mint, nowSeconds } from '../helpers/tokens.js';

const ADMIN = 'admin-reasons-token-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'keyway-admin-reasons-'));
const file = join(dir, 'keyway.yaml');
const env = { KEYWAY_CONFIG: file, HS: HS_SECRET, KEYWAY_ADMIN_TOKEN: ADMIN };
const VALID =
  'server: { port: 0, watch_config: false }\nadmin: { port: 0 }\n' +
  'issuers:\n  - issuer: https://idp.test\n    hs_secrets: ["${HS}"]\npolicies:\n  - name: api\n';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Record<string, unknown>;
}

/** One HTTP request with exactly these headers (fetch cannot set Host). */
function call(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

let server: RunningServer;
beforeAll(async () => {
  writeFileSync(file, VALID);
  server = await startServer(loadConfig(env), {
    loadConfig: () => loadConfig(env),
    deps: { log: createLogger('silent') },
  });
});
afterAll(() => server.close());

const admin = { authorization: `Bearer ${ADMIN}` };
const json = { ...admin, 'content-type': 'application/json' };
const revoke = (body: unknown) =>
  call(server.adminPort!, 'POST', '/admin/revocations', json, JSON.stringify(body));

interface Case {
  readonly reason: AdminReason;
  readonly send: () => Promise<Answer>;
  /** The body's extra fields besides error, reason and detail. */
  readonly extra?: Record<string, unknown>;
}

const CASES: Record<string, Case> = {
  'unknown path on the main listener': {
    reason: 'no_such_route',
    send: () => call(server.port, 'GET', '/nowhere'),
  },
  'unknown admin path': {
    reason: 'no_such_admin_route',
    send: () => call(server.adminPort!, 'GET', '/admin/nowhere', admin),
  },
  'a probe read with a public Host': {
    reason: 'host_not_allowed',
    send: () => call(server.port, 'GET', '/readyz', { host: 'rebound.example.com' }),
  },
  'an admin call without the admin token': {
    reason: 'admin_token_required',
    send: () => call(server.adminPort!, 'GET', '/admin/status', { authorization: 'Bearer not-the-token' }),
  },
  'a revocation body over 128 KiB': {
    reason: 'body_too_large',
    send: () => revoke({ sub: 'x', reason: 'r'.repeat(140_000) }),
  },
  'a revocation body that is not JSON': {
    reason: 'invalid_json',
    send: () => call(server.adminPort!, 'POST', '/admin/revocations', json, '{"jti":'),
  },
  'an explain body with an unknown key': {
    reason: 'invalid_body',
    send: () => call(server.adminPort!, 'POST', '/admin/explain', json, '{"tokn":"x"}'),
  },
  'no target': { reason: 'missing_target', send: () => revoke({ actor: 'ops' }) },
  'two targets': { reason: 'ambiguous_target', send: () => revoke({ sub: 'a', token: 'b' }) },
  'a jti with a control character': { reason: 'invalid_jti', send: () => revoke({ jti: 'a\u0007', exp: 1 }) },
  'exp in milliseconds past 9999': {
    reason: 'invalid_exp',
    send: () => revoke({ jti: 'j', exp: 253_402_300_800_000 }),
  },
  'an empty sub': { reason: 'invalid_sub', send: () => revoke({ sub: '' }) },
  'iss as an object': { reason: 'invalid_iss', send: () => revoke({ sub: 's', iss: {} }) },
  'an iss that is not the configured issuer (a trailing slash)': {
    reason: 'unknown_issuer',
    send: () => revoke({ sub: 's', iss: 'https://idp.test/' }),
  },
  'before as a date string': { reason: 'invalid_before', send: () => revoke({ sub: 's', before: '2030' }) },
  'reason as a number': { reason: 'invalid_reason', send: () => revoke({ sub: 's', reason: 7 }) },
  'actor over 128 characters': {
    reason: 'invalid_actor',
    send: () => revoke({ sub: 's', actor: 'a'.repeat(129) }),
  },
  'token as a number': { reason: 'invalid_token', send: () => revoke({ token: 12 }) },
  'a token signed with another secret': {
    reason: 'token_not_verified',
    send: async () =>
      revoke({ token: await mint({ iss: 'https://idp.test', jti: 'j1' }, { secret: `${HS_SECRET}-other` }) }),
  },
  'a valid token without jti': {
    reason: 'token_without_jti',
    send: async () =>
      revoke({ token: await mint({ iss: 'https://idp.test', sub: 'u' }, { secret: HS_SECRET }) }),
  },
  'a cursor no page returned': {
    reason: 'invalid_cursor',
    send: () => call(server.adminPort!, 'GET', '/admin/revocations?cursor=%7Bnot-a-cursor', admin),
  },
  'limit 0': {
    reason: 'invalid_limit',
    send: () => call(server.adminPort!, 'GET', '/admin/revocations?limit=0', admin),
  },
  'DELETE of a jti never revoked': {
    reason: 'not_revoked',
    send: () => call(server.adminPort!, 'DELETE', `/admin/revocations/never-${nowSeconds()}`, admin),
  },
  'DELETE of a kid no store has': {
    reason: 'no_such_key',
    send: () => call(server.adminPort!, 'DELETE', '/admin/keys/no-such-kid', admin),
    extra: { forgotten: 0 },
  },
};

describe('every admin reason is reachable, answered from ADMIN_REASONS', () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(`${name} → ${c.reason}`, async () => {
      const res = await c.send();
      const info: AdminReasonInfo = ADMIN_REASONS[c.reason];
      expect(res.status).toBe(info.status);
      const { detail, ...rest } = res.body;
      expect(rest).toEqual({ error: info.error, reason: c.reason, ...c.extra });
      if (detail !== undefined) expect(typeof detail === 'string' || Array.isArray(detail)).toBe(true);
      for (const [header, value] of Object.entries(info.headers ?? {}))
        expect(res.headers[header.toLowerCase()]).toBe(value);
    });
  }

  it('a refused reload → 400 reload_refused with the problems, and the running config stays', async () => {
    writeFileSync(file, `${VALID}    anonymous: perhaps\n`);
    try {
      const res = await call(server.adminPort!, 'POST', '/admin/reload', admin);
      expect(res.status).toBe(ADMIN_REASONS.reload_refused.status);
      expect(res.body).toMatchObject({ error: 'bad_request', reason: 'reload_refused', reloaded: false });
      expect((res.body['problems'] as string[]).length).toBeGreaterThan(0);
    } finally {
      writeFileSync(file, VALID);
    }
    const ok = await call(server.adminPort!, 'POST', '/admin/reload', admin);
    expect(ok.body).toEqual({ reloaded: true, problems: [] });
  });

  // Fault injection: a route that throws a plain TypeError stands for any bug in an admin route.
  it('a bug in an admin route → 500 internal_error naming only the error class, logged', async () => {
    const logs = createLogCapture();
    const broken = new Hono().get('/', () => {
      throw new TypeError('secret-looking detail that must not leak');
    });
    const app = buildAdminApp({ adminToken: ADMIN, log: createLogger('error', logs) }, [
      { path: 'broken', app: broken },
    ]);
    const res = await app.request('/admin/broken', { headers: admin });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      error: 'internal_error',
      reason: 'internal_error',
      detail: 'TypeError',
    });
    expect(logs.entries().some((e) => e['msg'] === 'admin route failed')).toBe(true);
  });
});

// Computed from the test files (revocation_unavailable, a Redis outage, is reached in revocation-admin.test.ts).
describe('every admin reason code has a test that expects it', () => {
  it('each code of ADMIN_REASONS is expected by some test file', () => {
    expect(reasonsWithoutTest(ADMIN_REASON_CODES)).toEqual([]);
  });
});
