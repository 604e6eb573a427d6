// The deploy/ proxy configs through the real Caddy and nginx here, in front of keyway (started on the keyway.yaml
// beside them) and demo backends: the Fly Caddy app's Caddyfile (its own env placeholders, no transform), the compose
// Caddy and nginx configs (compose service names → loopback ports by `localize`; the nginx template filled by
// `envsubst` as the nginx image does), `print-config fly` for nginx, and the compose Traefik config through the
// forwardAuth emulator (its env template rendered as Traefik's file provider renders it). Each proves: the proxy sends the proxy secret
// and the backend never sees it (nor a client's copy), forged identity/routing headers are replaced, keyway's
// routing choice is the one dialled, and keyway refuses a caller without the secret.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoBackend, startDemoBackend } from '../../examples/demo-backend.js';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/infra/log.js';
import { FLY_RESOLVER } from '../../src/proxy-config/fly.js';
import { printProxyConfig } from '../../src/proxy-config/print-config.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { startTraefikEmulator } from '../e2e/traefik-forward-auth-emulator.js';
import { registerSecret } from '../helpers/audit.js';
import { createLogCapture, type LogCapture } from '../helpers/log-capture.js';
import { unusedPort } from '../helpers/ports.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';
import { HS_SECRET, mint } from '../helpers/tokens.js';
import { waitFor } from '../helpers/wait-for.js';
import { REPO } from './deploy-proxy-configs.js';
import { startDnsServer } from './dns-server.js';
import {
  envsubst,
  localize,
  type RunningProxy,
  startCaddy,
  startNginx,
  testNginx,
  traefikEnv,
} from './proxies.js';

const SECRET = 'deploy-e2e-proxy-secret-0123456789abcdef';
registerSecret(SECRET, 'proxy secret');
const read = (path: string) => readFileSync(join(REPO, path), 'utf8');

let redis: RedisServer;
const scratch = mkdtempSync(join(tmpdir(), 'keyway-deploy-e2e-'));
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.close();
  rmSync(scratch, { recursive: true, force: true });
});

interface Keyway {
  readonly server: RunningServer;
  readonly logs: LogCapture;
}

/** keyway on deploy/<dir>/keyway.yaml (localized), given inline as on Fly, with the secrets it names from env; on
 *  `port` 0 it binds a free one (server.port says which). */
async function startKeyway(
  dir: string,
  port: number,
  addresses: Record<string, string> = {},
  host = '127.0.0.1',
): Promise<Keyway> {
  const logs = createLogCapture();
  const config = loadConfig({
    KEYWAY_CONFIG_YAML: localize(read(`deploy/${dir}/keyway.yaml`), addresses),
    KEYWAY_ISSUER: 'https://idp.deploy.test',
    KEYWAY_HS_SECRET: HS_SECRET,
    KEYWAY_PROXY_SECRET: SECRET,
    REDIS_URL: redis.url,
    HOST: host,
    PORT: String(port),
  });
  const server = await startServer(config, { deps: { log: createLogger('info', logs) } });
  await waitFor(
    'keyway to be ready',
    async () => (await fetch(`http://${host}:${server.port}/readyz`)).status === 200,
    10_000,
    50,
  );
  return { server, logs };
}

/** What the demo backend saw: its name and the request headers (lower-cased names). */
async function backendSaw(res: Response): Promise<{ backend: string; headers: Record<string, string> }> {
  expect(res.status).toBe(200);
  return (await res.json()) as { backend: string; headers: Record<string, string> };
}

describe('deploy/fly/caddy/Caddyfile (the Fly Caddy app) through real Caddy', () => {
  let keyway: Keyway;
  let app: DemoBackend;
  let caddy: RunningProxy;
  let url: string;
  let keywayPort: number;
  let healthPort: number;
  beforeAll(async () => {
    keyway = await startKeyway('fly', 0);
    keywayPort = keyway.server.port;
    app = await startDemoBackend('app', 0);
    const port = await unusedPort();
    healthPort = await unusedPort();
    // The app's fly.toml [env] and secrets, with loopback addresses for the private ones.
    caddy = await startCaddy(
      read('deploy/fly/caddy/Caddyfile'),
      {
        PORT: String(port),
        HEALTH_PORT: String(healthPort),
        KEYWAY_ADDRESS: `127.0.0.1:${keywayPort}`,
        APP_UPSTREAM: `127.0.0.1:${app.port}`,
        KEYWAY_PROXY_SECRET: SECRET,
      },
      port,
    );
    url = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await caddy?.stop();
    await app?.close();
    await keyway?.server.close();
  });

  it('allows a valid token; the app sees keyway’s subject, never the proxy secret or a client’s copy', async () => {
    const token = await mint(
      { iss: 'https://idp.deploy.test', aud: 'api', sub: 'alice' },
      { secret: HS_SECRET },
    );
    const saw = await backendSaw(
      await fetch(`${url}/orders`, {
        headers: {
          authorization: `Bearer ${token}`,
          'x-auth-subject': 'mallory',
          'x-keyway-proxy-secret': 'a-guess-from-the-client',
          'fly-client-ip': '203.0.113.50',
        },
      }),
    );
    expect(saw.headers['x-auth-subject']).toBe('alice');
    expect(saw.headers['x-keyway-proxy-secret']).toBeUndefined();
    expect(JSON.stringify(saw)).not.toContain(SECRET);
    // keyway read the client from Fly-Client-IP (server.client_ip_header in deploy/fly/keyway.yaml).
    const line = keyway.logs
      .entries()
      .filter((e) => e['msg'] === 'decision')
      .at(-1);
    expect(line).toMatchObject({ result: 'allow', client_ip: '203.0.113.50' });
  });

  it('passes keyway’s 401 to a client without a token', async () => {
    const res = await fetch(`${url}/orders`);
    expect(res.status).toBe(401);
    expect(res.headers.get('x-auth-reason')).toBe('missing_token');
  });

  it('keyway refuses a caller without the secret (another app on the private network)', async () => {
    const token = await mint(
      { iss: 'https://idp.deploy.test', aud: 'api', sub: 'alice' },
      { secret: HS_SECRET },
    );
    const res = await fetch(`http://127.0.0.1:${keywayPort}/auth`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-auth-reason')).toBe('proxy_secret_mismatch');
  });

  it('Caddy’s health port answers for fly.toml’s check', async () => {
    const res = await fetch(`http://127.0.0.1:${healthPort}/healthz`);
    expect([res.status, await res.text()]).toEqual([200, 'ok']);
  });
});

/** The compose stack's backends and keyway, and the address map `localize` applies to the compose files. */
async function startComposeStack() {
  const proxyPort = await unusedPort();
  const v1 = await startDemoBackend('app-v1', 0);
  const v2 = await startDemoBackend('app-v2', 0);
  const routes = join(scratch, `routes-${proxyPort}.yaml`);
  const addresses: Record<string, string> = {
    'app-v1:80': `127.0.0.1:${v1.port}`,
    'app-v2:80': `127.0.0.1:${v2.port}`,
    '/etc/keyway/routes.yaml': routes,
    'http://:8080 {': `http://:${proxyPort} {`,
    'listen 8080;': `listen ${proxyPort};`,
  };
  writeFileSync(routes, localize(read('deploy/compose/routes.yaml'), addresses));
  const keyway = await startKeyway('compose', 0, addresses);
  // The proxies' configs name keyway's address: known once it listens.
  addresses['keyway:8081'] = `127.0.0.1:${keyway.server.port}`;
  return {
    keyway,
    addresses,
    proxyPort,
    url: `http://127.0.0.1:${proxyPort}`,
    close: async () => {
      await keyway.server.close();
      await Promise.all([v1.close(), v2.close()]);
    },
  };
}

const composeToken = (claims: Record<string, unknown>) =>
  mint({ iss: 'https://issuer.compose.example', aud: 'shop', sub: 'bob', ...claims }, { secret: HS_SECRET });

describe.each([
  ['caddy', 'deploy/compose/caddy/Caddyfile'],
  ['nginx', 'deploy/compose/nginx/templates/keyway.conf.template'],
  ['nginx (print-config fly: variables, resolver)', 'fly'],
  ['the Traefik forwardAuth emulator', 'deploy/compose/traefik/dynamic.yml'],
])('deploy/compose through real %s', (kind, file) => {
  let stack: Awaited<ReturnType<typeof startComposeStack>>;
  let proxy: RunningProxy;
  beforeAll(async () => {
    stack = await startComposeStack();
    if (kind.includes('Traefik')) {
      // The emulator takes a static file naming the dynamic one: a harness file of this test, not a repository copy.
      const dir = mkdtempSync(join(scratch, 'traefik-'));
      const dynamic = traefikEnv(localize(read(file), stack.addresses), { KEYWAY_PROXY_SECRET: SECRET });
      writeFileSync(join(dir, 'dynamic.yml'), dynamic);
      const web = `entryPoints:\n  web:\n    address: 127.0.0.1:${stack.proxyPort}\n`;
      writeFileSync(join(dir, 'traefik.yml'), `${web}providers:\n  file:\n    filename: dynamic.yml\n`);
      const emulator = await startTraefikEmulator(join(dir, 'traefik.yml'));
      proxy = { stop: () => emulator.close() };
    } else if (kind === 'caddy')
      proxy = await startCaddy(
        localize(read(file), stack.addresses),
        { KEYWAY_PROXY_SECRET: SECRET },
        stack.proxyPort,
      );
    else {
      const text =
        file === 'fly'
          ? printProxyConfig('fly', stack.keyway.server.config, {
              keyway: stack.addresses['keyway:8081'],
              listen: String(stack.proxyPort),
            })
          : localize(read(file), stack.addresses);
      proxy = await startNginx(envsubst(text, { KEYWAY_PROXY_SECRET: SECRET }), stack.proxyPort);
    }
  });
  afterAll(async () => {
    await proxy?.stop();
    await stack?.close();
  });

  const get = async (headers: Record<string, string>) => fetch(`${stack.url}/cart`, { headers });

  it('routes by keyway’s choice: v2 → app-v2, v1 → app-v1, no routing claims → the default', async () => {
    const v2 = await backendSaw(
      await get({
        authorization: `Bearer ${await composeToken({ tenant: 'acme', service: 'shop', version: 'v2' })}`,
      }),
    );
    expect(v2.backend).toBe('app-v2');
    expect(v2.headers['x-auth-subject']).toBe('bob');
    const v1 = await backendSaw(
      await get({
        authorization: `Bearer ${await composeToken({ tenant: 'acme', service: 'shop', version: 'v1' })}`,
      }),
    );
    expect(v1.backend).toBe('app-v1');
    expect((await backendSaw(await get({ authorization: `Bearer ${await composeToken({})}` }))).backend).toBe(
      'app-v1',
    );
  });

  it('a forged X-Route-Upstream or proxy secret changes nothing and never reaches the backend', async () => {
    const token = await composeToken({ tenant: 'acme', service: 'shop', version: 'v1' });
    const saw = await backendSaw(
      await get({
        authorization: `Bearer ${token}`,
        'x-route-upstream': stack.addresses['app-v2:80']!,
        'x-keyway-proxy-secret': 'client-guess',
      }),
    );
    expect(saw.backend).toBe('app-v1');
    expect(saw.headers['x-keyway-proxy-secret']).toBeUndefined();
    expect(JSON.stringify(saw)).not.toContain(SECRET);
  });

  it('no token → 401 from keyway', async () => {
    const res = await get({});
    expect(res.status).toBe(401);
    expect(res.headers.get('x-auth-reason')).toBe('missing_token');
  });
});

describe('nginx configs that cannot start without the secret, and print-config fly as shipped', () => {
  it('the compose template with KEYWAY_PROXY_SECRET unset: nginx refuses it (no empty secret is ever sent)', () => {
    const addresses = {
      'keyway:8081': '127.0.0.1:9',
      'app-v1:80': '127.0.0.1:10',
      'app-v2:80': '127.0.0.1:11',
    };
    const result = testNginx(
      localize(read('deploy/compose/nginx/templates/keyway.conf.template'), addresses),
    );
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/unknown "keyway_proxy_secret" variable/i);
  });

  it('print-config fly: resolver [fdaa::3], keyway’s Flycast address in a variable, no upstream block — nginx -t ok', () => {
    const config = loadConfig({
      KEYWAY_CONFIG_YAML: read('deploy/compose/keyway.yaml'),
      KEYWAY_HS_SECRET: HS_SECRET,
      KEYWAY_PROXY_SECRET: SECRET,
      REDIS_URL: 'redis://redis:6379',
    });
    const text = printProxyConfig('fly', config, {});
    expect(text).toContain('resolver [fdaa::3] valid=10s ipv6=on;');
    expect(text).toContain('set $keyway_address keyway.flycast:8081;');
    expect(text).toContain('proxy_pass http://$keyway_address/auth;');
    expect(text).toContain('"app-v2:80" "app-v2:80";');
    expect(text).not.toMatch(/^upstream (keyway|keyway_upstream_\d+) \{/m);
    expect(text).not.toContain(SECRET);
    const checked = testNginx(envsubst(text, { KEYWAY_PROXY_SECRET: SECRET }));
    expect([checked.ok, checked.output]).toEqual([true, expect.stringContaining('test is successful')]);
  });

  it('the CLI: print-config --target fly prints it (and a kind twice is refused)', () => {
    const env = {
      PATH: process.env['PATH'] ?? '',
      KEYWAY_CONFIG_YAML: read('deploy/compose/keyway.yaml'),
      KEYWAY_HS_SECRET: HS_SECRET,
      KEYWAY_PROXY_SECRET: SECRET,
      REDIS_URL: 'redis://redis:6379',
    };
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'print-config', ...args], {
        env,
        encoding: 'utf8',
        timeout: 20_000,
      });
    const fly = run('--target', 'fly', '--keyway', 'keyway.internal:8081');
    expect(fly.status).toBe(0);
    expect(fly.stdout).toContain('set $keyway_address keyway.internal:8081;');
    expect(fly.stdout).not.toContain(SECRET);
    expect(run('nginx', '--target', 'fly').status).toBe(2);
  });
});

describe('print-config fly through real nginx: keyway.internal is resolved per request', () => {
  it('after a redeploy (keyway at a new address) nginx dials the new one without a reload', async () => {
    const dns = await startDnsServer();
    const proxyPort = await unusedPort();
    const v1 = await startDemoBackend('app-v1', 0);
    const v2 = await startDemoBackend('app-v2', 0);
    const routes = join(scratch, `routes-dns-${proxyPort}.yaml`);
    const addresses = {
      'app-v1:80': `127.0.0.1:${v1.port}`,
      'app-v2:80': `127.0.0.1:${v2.port}`,
      '/etc/keyway/routes.yaml': routes,
    };
    writeFileSync(routes, localize(read('deploy/compose/routes.yaml'), addresses));
    // The old machine and the new one: same port, two addresses (as two 6PN addresses on Fly).
    const before = await startKeyway('compose', 0, addresses, '127.0.0.1');
    const port = before.server.port;
    const after = await startKeyway('compose', port, addresses, '127.0.0.2');
    dns.set('keyway.internal', '127.0.0.1');
    const printed = printProxyConfig('fly', before.server.config, {
      keyway: `keyway.internal:${port}`,
      listen: String(proxyPort),
    });
    // The documented transform: Fly's DNS server → this test's, a 1 s cache instead of 10 s.
    const text = localize(printed, {
      [`resolver ${FLY_RESOLVER} valid=10s ipv6=on;`]: `resolver 127.0.0.1:${dns.port} valid=1s ipv6=off;`,
    });
    const nginx = await startNginx(envsubst(text, { KEYWAY_PROXY_SECRET: SECRET }), proxyPort);
    const decisions = (k: Keyway) => k.logs.entries().filter((e) => e['msg'] === 'decision').length;
    try {
      const token = await composeToken({ tenant: 'acme', service: 'shop', version: 'v2' });
      const call = () =>
        fetch(`http://127.0.0.1:${proxyPort}/cart`, { headers: { authorization: `Bearer ${token}` } });
      expect((await backendSaw(await call())).backend).toBe('app-v2');
      expect([decisions(before), decisions(after)]).toEqual([1, 0]);
      expect(dns.queries('keyway.internal')).toBeGreaterThan(0);
      // Redeploy: the name now points at the new machine, the old one is gone.
      dns.set('keyway.internal', '127.0.0.2');
      await before.server.close();
      await waitFor('nginx to reach the new machine', async () => (await call()).status === 200, 5_000, 100);
      expect(decisions(after)).toBeGreaterThan(0);
    } finally {
      await nginx.stop();
      await after.server.close();
      await before.server.close();
      await Promise.all([v1.close(), v2.close(), dns.close()]);
    }
  });
});
