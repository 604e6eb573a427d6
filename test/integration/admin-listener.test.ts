// The admin listener through a real server: every route behind the admin token (metrics too, when moved there,
// with an optional metrics-only token), the bearer scheme case-insensitive, body caps, and admin-token config rules.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRevokeCommand } from '../../src/cli/revoke.js';
import { loadConfig } from '../../src/config/load.js';
import { parseConfig } from '../../src/config/parse.js';
import { ConfigError } from '../../src/errors.js';
import { createLogger } from '../../src/infra/log.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { registerSecret } from '../helpers/audit.js';
import { HS_SECRET } from '../helpers/tokens.js';

const ADMIN = 'admin-listener-token-0123456789';
const METRICS = 'metrics-scrape-token-0123456789';
registerSecret(ADMIN, 'admin token');
registerSecret(METRICS, 'metrics token');

let server: RunningServer;
beforeAll(async () => {
  const config = parseConfig(
    {
      server: { host: '127.0.0.1', port: 0, metrics_on_admin: true, watch_config: false },
      admin: { host: '127.0.0.1', port: 0, token: ADMIN, metrics_token: METRICS },
      issuers: [{ issuer: 'https://idp.test', hs_secrets: [HS_SECRET] }],
      policies: [{ name: 'p' }],
    },
    'test',
    { readFile: () => '' },
  );
  server = await startServer(config, { deps: { log: createLogger('silent') } });
});
afterAll(() => server?.close());

const admin = (path: string, init: RequestInit = {}) =>
  fetch(`http://127.0.0.1:${server.adminPort}${path}`, init);
const bearer = (token: string, scheme = 'Bearer') => ({ authorization: `${scheme} ${token}` });

describe('admin listener', () => {
  it('GET /metrics there needs the admin token or the metrics token; the main port no longer serves it', async () => {
    expect((await admin('/metrics')).status).toBe(401);
    expect((await admin('/metrics', { headers: bearer('wrong-token-0123456789') })).status).toBe(401);
    const scraped = await admin('/metrics', { headers: bearer(METRICS) });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('keyway_decisions_total');
    expect((await admin('/metrics', { headers: bearer(ADMIN) })).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${server.port}/metrics`)).status).toBe(404);
  });

  it('the metrics token opens nothing else', async () => {
    expect((await admin('/admin/revocations', { headers: bearer(METRICS) })).status).toBe(401);
    expect((await admin('/admin/revocations', { headers: bearer(ADMIN) })).status).toBe(200);
  });

  it('the bearer scheme is case-insensitive (RFC 9110 §11.1), the token is not', async () => {
    expect((await admin('/admin/revocations', { headers: bearer(ADMIN, 'bearer') })).status).toBe(200);
    expect((await admin('/admin/revocations', { headers: bearer(ADMIN.toUpperCase()) })).status).toBe(401);
  });

  it('POST /admin/explain refuses a body over 2 MiB with 413 body_too_large', async () => {
    const res = await admin('/admin/explain', {
      method: 'POST',
      headers: { ...bearer(ADMIN), 'content-type': 'application/json' },
      body: JSON.stringify({ token: 'x', headers: { 'x-big': 'y'.repeat(3 * 1024 * 1024) } }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ reason: 'body_too_large' });
  });

  it('keyway revoke pointed at the main port says it is not the admin API (no crash, no false "not revoked")', async () => {
    const out: string[] = [];
    const run = (args: string[]) =>
      runRevokeCommand(
        ['--admin-url', `http://127.0.0.1:${server.port}`, ...args],
        { KEYWAY_ADMIN_TOKEN: ADMIN },
        (line) => out.push(line),
      );
    expect(await run(['--jti', 'j1', '--exp', '2000000000'])).toBe(1);
    expect(await run(['--list'])).toBe(1);
    expect(await run(['--delete', 'j1'])).toBe(1);
    expect(out.filter((l) => l.includes('admin API 404'))).toHaveLength(3);
    expect(out.join('\n')).not.toContain('was not revoked');
  });
});

describe('keyway revoke against something that answers 200 but is not the admin API', () => {
  it('fails with a clear message instead of a TypeError', async () => {
    const other = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}'),
    );
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const out: string[] = [];
      const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
      const env = { KEYWAY_ADMIN_TOKEN: ADMIN };
      expect(
        await runRevokeCommand(['--admin-url', url, '--jti', 'j1', '--exp', '2000000000'], env, (l) =>
          out.push(l),
        ),
      ).toBe(1);
      expect(await runRevokeCommand(['--admin-url', url, '--list'], env, (l) => out.push(l))).toBe(1);
      expect(out.filter((l) => l.includes("did not answer like keyway's admin API"))).toHaveLength(2);
    } finally {
      other.close();
    }
  });
});

describe('admin token config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keyway-admin-token-'));
  const problems = (input: unknown, files: Record<string, string> = {}) => {
    try {
      parseConfig(input, 'keyway.yaml', { readFile: (p) => files[p] ?? '' });
      return '';
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as ConfigError).issues.map((i) => `${i.path}: ${i.code}: ${i.message}`).join('\n');
    }
  };

  it('refuses a token it could never accept (spaces, non-ASCII), without echoing it', () => {
    const spaced = 'correct horse battery staple';
    const text = problems({ admin: { token: spaced } });
    expect(text).toContain('admin.token: invalid_value: expected visible ASCII characters only');
    expect(text).not.toContain('horse');
  });

  it('token_file: surrounding whitespace is not part of the token; both token and token_file is refused', () => {
    const file = { '/run/secrets/admin': `\n${ADMIN} \n\n` };
    const config = parseConfig({ admin: { token_file: '/run/secrets/admin' } }, 'k', {
      readFile: (p) => file[p as '/run/secrets/admin'],
    });
    expect(config.admin.token).toBe(ADMIN);
    expect(problems({ admin: { token: ADMIN, token_file: '/run/secrets/admin' } }, file)).toContain(
      'admin.token_file: conflict: expected either admin.token or admin.token_file, not both',
    );
  });

  it('KEYWAY_ADMIN_TOKEN in the environment replaces the file’s token_file (env wins, as documented)', () => {
    const path = join(dir, 'keyway.yaml');
    writeFileSync(
      path,
      `admin: { token_file: ${join(dir, 'missing-file')} }\npolicies: [{ name: p, anonymous: true }]\n`,
    );
    const config = loadConfig({ KEYWAY_CONFIG: path, KEYWAY_ADMIN_TOKEN: ADMIN });
    expect(config.admin.token).toBe(ADMIN);
    expect(config.admin.token_file).toBeUndefined();
  });
});
