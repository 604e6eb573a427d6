// DNS rebinding against the main listener: a page on an attacker's name rebound to keyway's address sends its own
// name as Host, so /healthz, /readyz and /metrics answer only Host values such a page cannot send (or configured
// ones); /auth keeps answering whatever Host the proxy forwards (Caddy keeps the client's). Real server, raw HTTP.
import { request } from 'node:http';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import { ConfigError } from '../../src/errors.js';
import { createHostCheck } from '../../src/http/probe-hosts.js';
import { createLogger } from '../../src/infra/log.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { HS_SECRET } from '../helpers/tokens.js';

const servers: RunningServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
});

async function start(server: Record<string, unknown> = {}): Promise<RunningServer> {
  const config = parseConfig(
    {
      server: { host: '127.0.0.1', port: 0, watch_config: false, ...server },
      issuers: [{ issuer: 'https://idp.test', hs_secrets: [HS_SECRET] }],
      policies: [{ name: 'p' }],
    },
    'test',
    { readFile: () => '' },
  );
  const s = await startServer(config, { deps: { log: createLogger('silent') } });
  servers.push(s);
  return s;
}

/** GET `path` with exactly this Host header (fetch cannot set Host). */
function get(port: number, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('probes and /metrics on the main listener: Host allowlist (default)', () => {
  let port: number;
  beforeAll(async () => {
    port = (await start()).port;
  });

  it.each(['/healthz', '/readyz', '/metrics'])(
    '%s: a rebound public name gets 421 host_not_allowed',
    async (path) => {
      for (const host of [
        'evil.example.com',
        `evil.example.com:${port}`,
        '127.0.0.1.nip.io',
        'localhost.evil.example',
      ]) {
        const res = await get(port, path, host);
        expect(res.status, host).toBe(421);
        expect(JSON.parse(res.body)).toEqual({ error: 'misdirected_request', reason: 'host_not_allowed' });
      }
    },
  );

  it.each([
    ['an IPv4 literal with the port (kubelet, Prometheus)', () => `127.0.0.1:${port}`],
    ['an IPv6 literal', () => `[::1]:${port}`],
    ['localhost (a Docker HEALTHCHECK)', () => 'localhost'],
    ['localhost with a trailing dot, upper case', () => 'LOCALHOST.'],
    ['a single-label Compose service name', () => `keyway:${port}`],
    ['a Kubernetes service name', () => 'keyway.default.svc.cluster.local:8081'],
    ['a Fly private name', () => 'keyway.internal'],
    ["the machine's hostname", () => hostname()],
  ])('answered for %s', async (_name, host) => {
    expect((await get(port, '/readyz', host())).status).toBe(200);
    expect((await get(port, '/metrics', host())).status).toBe(200);
  });

  it('/auth answers whatever Host the proxy forwards (Caddy keeps the client’s)', async () => {
    const res = await get(port, '/auth', 'www.example.com');
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toMatchObject({ reason: 'missing_token' });
  });
});

describe('server.allowed_hosts', () => {
  it('adds exact names and *.domain wildcards to the defaults', async () => {
    const { port } = await start({ allowed_hosts: ['keyway.example.com', '*.corp.example'] });
    expect((await get(port, '/readyz', 'keyway.example.com:8081')).status).toBe(200);
    expect((await get(port, '/readyz', 'a.b.corp.example')).status).toBe(200);
    expect((await get(port, '/readyz', 'corp.example.evil.com')).status).toBe(421);
    expect((await get(port, '/readyz', 'other.example.com')).status).toBe(421);
    expect((await get(port, '/readyz', '127.0.0.1')).status).toBe(200);
  });

  it('"*" turns the check off', async () => {
    const { port } = await start({ allowed_hosts: ['*'] });
    expect((await get(port, '/metrics', 'evil.example.com')).status).toBe(200);
  });

  it.each(['https://keyway.example.com', 'keyway.example.com:8081', 'a b'])(
    'a malformed entry (%s) fails start naming the key',
    (entry) => {
      const parse = () =>
        parseConfig({ server: { allowed_hosts: [entry] } }, 'keyway.yaml', { readFile: () => '' });
      expect(parse).toThrow(
        expect.objectContaining({
          issues: [expect.objectContaining({ path: 'server.allowed_hosts[0]', code: 'invalid_value' })],
        }),
      );
      expect(parse).toThrow(ConfigError);
    },
  );
});

describe('createHostCheck', () => {
  const allowed = createHostCheck([], 'node-7.example.net');
  it.each([
    [undefined, true],
    ['10.1.2.3', true],
    ['[fd00::1]:8081', true],
    ['node-7.example.net', true],
    ['NODE-7.EXAMPLE.NET.:8081', true],
    ['node-7.example.net.evil.com', false],
    ['[not-an-ip]', false],
    ['a b', false],
    ['evil.com:99999999', false],
    ['svc.evil.com', false],
  ] as const)('%s → %s', (host, expected) => {
    expect(allowed(host)).toBe(expected);
  });
});
