// Config reload (POST /admin/reload, as SIGHUP does): a valid file swaps every part atomically, an invalid one is refused.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/infra/log.js';
import { writeRouteTable } from '../../src/route/table-redis-layout.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { createTestKey, startJwksServer } from '../helpers/jwks-server.js';
import { createLogCapture } from '../helpers/log-capture.js';
import { startRedis } from '../helpers/redis-server.js';
import { HS_SECRET, mint } from '../helpers/tokens.js';
import { waitFor } from '../helpers/wait-for.js';

const ADMIN = 'reload-admin-token-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'keyway-reload-'));

/** One server of its own per test (no state carried between tests): its config file, /auth, /admin/reload, logs. */
async function startReloadServer() {
  const file = join(mkdtempSync(join(dir, 'server-')), 'keyway.yaml');
  const env = { KEYWAY_CONFIG: file, HS: HS_SECRET, KEYWAY_ADMIN_TOKEN: ADMIN };
  const write = (projects: string, extra = '') =>
    writeFileSync(
      file,
      `server: { port: 0${extra} }\nadmin: { port: 0 }\nissuers:\n  - issuer: https://idp.test\n    hs_secrets: ["\${HS}"]\n` +
        `policies:\n  - name: api\n    claims: { project: [${projects}] }\n`,
    );
  write('alpha');
  const logs = createLogCapture();
  const server = await startServer(loadConfig(env), {
    loadConfig: () => loadConfig(env),
    deps: { log: createLogger('info', logs) },
  });
  servers.push(server);
  const auth = async (claims: Record<string, unknown>) =>
    fetch(`http://127.0.0.1:${server.port}/auth`, {
      headers: {
        authorization: `Bearer ${await mint({ iss: 'https://idp.test', sub: 'u', ...claims }, { secret: HS_SECRET })}`,
      },
    });
  const reload = () =>
    fetch(`http://127.0.0.1:${server.adminPort}/admin/reload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}` },
    });
  return { server, file, write, logs, auth, reload };
}

const servers: RunningServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

/** A server whose reload re-reads the config from `env` (KEYWAY_CONFIG names a file the test rewrites). */
const startReloadable = (env: Record<string, string>) =>
  startServer(loadConfig(env), { loadConfig: () => loadConfig(env), deps: { log: createLogger('silent') } });

describe('config reload', () => {
  it('applies a changed policy, keeping revocations made before it', async () => {
    const { server, write, auth, reload } = await startReloadServer();
    expect((await auth({ project: 'beta' })).headers.get('x-auth-reason')).toBe('claim_mismatch');
    const revoke = await fetch(`http://127.0.0.1:${server.adminPort}/admin/revocations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ jti: 'revoked-before-reload', exp: Math.floor(Date.now() / 1000) + 600 }),
    });
    expect(revoke.status).toBe(201);
    write('alpha, beta');
    const res = await reload();
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ reloaded: true, problems: [] });
    expect((await auth({ project: 'beta' })).status).toBe(200);
    // The in-memory revocation store survives a reload whose revocation section is unchanged.
    expect((await auth({ project: 'beta', jti: 'revoked-before-reload' })).headers.get('x-auth-reason')).toBe(
      'revoked',
    );
  });

  it('refuses an invalid file with the key path and keeps serving the current config', async () => {
    const { file, logs, auth, reload } = await startReloadServer();
    writeFileSync(file, 'policies:\n  - name: api\n    anonymous: perhaps\n');
    const res = await reload();
    expect(res.status).toBe(400);
    const body = (await res.json()) as { reloaded: boolean; problems: string[] };
    expect(body.reloaded).toBe(false);
    expect(body.problems.join('\n')).toContain('policies[0].anonymous');
    expect((await auth({ project: 'alpha' })).status).toBe(200);
    expect((await auth({ project: 'beta' })).headers.get('x-auth-reason')).toBe('claim_mismatch');
    expect(logs.entries().some((e) => e['msg'] === 'config reload refused: keeping the current config')).toBe(
      true,
    );
  });

  it('says which settings need a restart, and counts reloads', async () => {
    const { server, file, write, reload } = await startReloadServer();
    write('alpha, beta');
    expect((await reload()).status).toBe(200);
    writeFileSync(file, 'policies: [');
    expect((await reload()).status).toBe(400);
    write('alpha, beta', ', request_timeout: 5s');
    const res = await reload();
    expect(await res.json()).toEqual({
      reloaded: true,
      problems: ['server changed: takes effect after a restart'],
    });
    const metrics = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
    expect(metrics).toMatch(/keyway_config_reloads_total\{outcome="ok"\} 2/);
    expect(metrics).toMatch(/keyway_config_reloads_total\{outcome="refused"\} 1/);
  });

  it('refuses to raise an issuer leeway past what revocation entries are kept for', async () => {
    const { file, write, reload } = await startReloadServer();
    write('alpha, beta');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('hs_secrets:', 'leeway: 5m\n    hs_secrets:'));
    const res = await reload();
    expect(res.status).toBe(400);
    expect(((await res.json()) as { problems: string[] }).problems.join('\n')).toContain('issuers[0].leeway');
  });

  it('needs the admin token', async () => {
    const { server } = await startReloadServer();
    const res = await fetch(`http://127.0.0.1:${server.adminPort}/admin/reload`, { method: 'POST' });
    expect(res.status).toBe(401);
  });

  it('a change of the watched file reloads by itself', async () => {
    const watchedFile = join(dir, 'watched.yaml');
    const policy = (projects: string) =>
      writeFileSync(
        watchedFile,
        `server: { port: 0 }\nissuers:\n  - issuer: https://idp.test\n    hs_secrets: ["\${HS}"]\n` +
          `policies:\n  - name: api\n    claims: { project: [${projects}] }\n`,
      );
    policy('alpha');
    const watchEnv = { KEYWAY_CONFIG: watchedFile, HS: HS_SECRET };
    const watched = await startServer(loadConfig(watchEnv), {
      loadConfig: () => loadConfig(watchEnv),
      watchFile: watchedFile,
      deps: { log: createLogger('info', createLogCapture()) },
    });
    const token = await mint({ iss: 'https://idp.test', sub: 'u', project: 'gamma' }, { secret: HS_SECRET });
    const ask = async () =>
      (
        await fetch(`http://127.0.0.1:${watched.port}/auth`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).status;
    expect(await ask()).toBe(403);
    policy('alpha, gamma');
    await waitFor('the watched file to reload', async () => (await ask()) === 200, 6_000, 100);
    await watched.close();
  });
});

describe('config reload while the IdP is down', () => {
  it('keeps the running key store (and its cached keys) of an issuer whose key source did not change', async () => {
    const idp = await startJwksServer();
    const key = createTestKey('k1');
    idp.setKeys([key.jwk]);
    const file5 = join(dir, 'idp-down.yaml');
    const write5 = (projects: string, timeout = '300ms') =>
      writeFileSync(
        file5,
        `server: { port: 0 }\nissuers:\n  - issuer: https://idp.test\n    jwks_uri: ${idp.jwksUrl}\n` +
          `    jwks: { retries: 0, timeout: ${timeout} }\n` +
          `policies:\n  - name: api\n    claims: { project: [${projects}] }\n`,
      );
    write5('alpha');
    const env5 = { KEYWAY_CONFIG: file5 };
    const s = await startReloadable(env5);
    try {
      const token = await key.sign({
        iss: 'https://idp.test',
        sub: 'u',
        project: 'beta',
        exp: Math.floor(Date.now() / 1000) + 600,
      });
      const ask = async () =>
        (
          await fetch(`http://127.0.0.1:${s.port}/auth`, { headers: { authorization: `Bearer ${token}` } })
        ).headers.get('x-auth-reason');
      expect(await ask()).toBe('claim_mismatch');
      idp.reply('/jwks', { status: 500 });
      const fetchesBefore = idp.count();
      write5('alpha, beta');
      expect((await s.reload()).ok).toBe(true);
      // The policy change applied, the keys fetched before the outage still verify, and no refetch was needed.
      expect(await ask()).toBe(null);
      expect((await fetch(`http://127.0.0.1:${s.port}/readyz`)).status).toBe(200);
      expect(idp.count()).toBe(fetchesBefore);
      // A changed key source (here: the fetch timeout) is a new store: it must fetch, and the IdP is down.
      write5('alpha, beta', '400ms');
      expect((await s.reload()).ok).toBe(true);
      expect(await ask()).toBe('keys_unavailable');
    } finally {
      await s.close();
      await idp.close();
    }
  });
});

describe('config reload while the Redis route table is unreachable', () => {
  /** A server routing from a real Redis table (t1/shop/blue → 10.9.0.1:8080); `write` rewrites its config file. */
  async function redisRouted(name: string) {
    const redis = await startRedis();
    const client = new Redis(redis.url);
    client.on('error', () => undefined);
    await writeRouteTable(client, 'keyway:routes', { routes: { 't1/shop/blue': ['10.9.0.1:8080'] } });
    const file = join(dir, name);
    const write = (resync: string, projects: string) =>
      writeFileSync(
        file,
        `server: { port: 0 }\nissuers:\n  - issuer: https://idp.test\n    hs_secrets: ["\${HS}"]\n` +
          `revocation: { redis_url: "${redis.url}", fail: open }\n` +
          `routing: { redis: true, resync_interval: ${resync}, health: { enabled: false } }\n` +
          `policies:\n  - name: api\n    claims: { project: [${projects}] }\n`,
      );
    write('30s', 'alpha');
    const s = await startReloadable({ KEYWAY_CONFIG: file, HS: HS_SECRET });
    const claims = {
      iss: 'https://idp.test',
      sub: 'u',
      project: 'alpha',
      tenant: 't1',
      service: 'shop',
      version: 'blue',
    };
    const token = await mint(claims, { secret: HS_SECRET });
    const upstream = async () =>
      (
        await fetch(`http://127.0.0.1:${s.port}/auth`, { headers: { authorization: `Bearer ${token}` } })
      ).headers.get('x-route-upstream');
    // The server answers before its first revocation load; until it completes every token gets 503 (in both modes).
    await waitFor('the first revocation load', async () => (await upstream()) !== null, 5_000, 10);
    const close = async () => {
      await s.close();
      client.disconnect();
      await redis.close();
    };
    return { redis, s, write, upstream, close };
  }

  it('an unchanged routing section keeps the running router (route table, health, last-known upstreams)', async () => {
    const r = await redisRouted('routes-redis.yaml');
    try {
      expect(await r.upstream()).toBe('10.9.0.1:8080');
      await r.redis.stop();
      r.write('30s', 'alpha, beta');
      expect((await r.s.reload()).ok).toBe(true);
      // The new policy is in force and the route table survived: a new router would start empty with Redis down.
      expect(await r.upstream()).toBe('10.9.0.1:8080');
    } finally {
      await r.close();
    }
  });

  it('a changed routing section is refused (the running router keeps its table), not swapped in empty', async () => {
    const r = await redisRouted('routes-redis-change.yaml');
    try {
      expect(await r.upstream()).toBe('10.9.0.1:8080');
      await r.redis.stop();
      r.write('45s', 'alpha');
      const result = await r.s.reload();
      expect(result.ok).toBe(false);
      expect(result.problems.join('\n')).toContain(
        'routing: the new route table could not be read from redis',
      );
      expect(await r.upstream()).toBe('10.9.0.1:8080');
    } finally {
      await r.close();
    }
  });
});

describe('shutdown during a reload', () => {
  it('close() does not wait past shutdown_timeout for a reload stuck on a key fetch', async () => {
    const idp = await startJwksServer();
    const key = createTestKey('k1');
    idp.setKeys([key.jwk]);
    const file6 = join(dir, 'stuck-reload.yaml');
    const write6 = (timeout: string) =>
      writeFileSync(
        file6,
        `server: { port: 0, shutdown_timeout: 500ms }\nissuers:\n  - issuer: https://idp.test\n    jwks_uri: ${idp.jwksUrl}\n` +
          `    jwks: { retries: 0, timeout: ${timeout} }\npolicies:\n  - name: api\n`,
      );
    write6('1s');
    const env6 = { KEYWAY_CONFIG: file6 };
    const s = await startReloadable(env6);
    try {
      // The IdP stops answering; a reload with a changed key source starts a fetch that would wait 10 minutes.
      idp.reply('/jwks', { hang: 'headers' });
      write6('10m');
      const reloading = s.reload();
      await waitFor('the reload to fetch the keys', () => idp.count() >= 2, 2_000, 20);
      expect(idp.count()).toBeGreaterThanOrEqual(2);
      // Were close() to wait for that reload, this test would hit its own timeout instead of passing.
      await s.close();
      void reloading;
    } finally {
      await idp.close();
    }
  });
});

describe('config reload: metrics of upstreams the new router no longer tracks', () => {
  it('drops keyway_upstream_healthy of an upstream that left with the old route table', async () => {
    writeFileSync(join(dir, 'a.yaml'), 'routes:\n  t1/svc/v1: 127.0.0.1:9\n');
    writeFileSync(join(dir, 'b.yaml'), 'routes:\n  t1/svc/v1: 127.0.0.1:10\n');
    const file8 = join(dir, 'routing-switch.yaml');
    const write8 = (table: string) =>
      writeFileSync(
        file8,
        `server: { port: 0 }\nissuers:\n  - issuer: https://idp.test\n    hs_secrets: ["\${HS}"]\n` +
          `routing: { table_file: ${join(dir, table)}, health: { enabled: false } }\npolicies:\n  - name: api\n`,
      );
    write8('a.yaml');
    const env8 = { KEYWAY_CONFIG: file8, HS: HS_SECRET };
    const s = await startReloadable(env8);
    try {
      const healthSeries = async () =>
        (await (await fetch(`http://127.0.0.1:${s.port}/metrics`)).text())
          .split('\n')
          .filter((l) => l.startsWith('keyway_upstream_healthy{'));
      expect(await healthSeries()).toEqual(['keyway_upstream_healthy{upstream="127.0.0.1:9"} 1']);
      write8('b.yaml');
      expect((await s.reload()).ok).toBe(true);
      expect(await healthSeries()).toEqual(['keyway_upstream_healthy{upstream="127.0.0.1:10"} 1']);
    } finally {
      await s.close();
    }
  });
});

describe('config reload: metrics of a removed issuer', () => {
  it('an issuer the new config drops no longer reports keys loaded or key age', async () => {
    const file4 = join(dir, 'issuers.yaml');
    const issuers = (...names: string[]) =>
      writeFileSync(
        file4,
        `server: { port: 0 }\nissuers:\n${names.map((n) => `  - issuer: ${n}\n    hs_secrets: ["\${HS}"]\n`).join('')}` +
          'policies:\n  - name: api\n',
      );
    issuers('https://old.test', 'https://kept.test');
    const env4 = { KEYWAY_CONFIG: file4, HS: HS_SECRET };
    const s = await startReloadable(env4);
    try {
      const series = async () =>
        (await (await fetch(`http://127.0.0.1:${s.port}/metrics`)).text())
          .split('\n')
          .filter((l) => /^keyway_keys_loaded\{/.test(l));
      expect(await series()).toEqual([
        'keyway_keys_loaded{issuer="https://old.test"} 1',
        'keyway_keys_loaded{issuer="https://kept.test"} 1',
      ]);
      issuers('https://kept.test');
      expect((await s.reload()).ok).toBe(true);
      expect(await series()).toEqual(['keyway_keys_loaded{issuer="https://kept.test"} 1']);
    } finally {
      await s.close();
    }
  });
});

describe('config reload: the admin API follows the serving generation', () => {
  it('/admin/status and /admin/keys show the new issuers after a reload (the admin app is built once)', async () => {
    const file5 = join(dir, 'admin-follows.yaml');
    const issuers = (...names: string[]) =>
      writeFileSync(
        file5,
        `server: { port: 0 }\nadmin: { port: 0 }\nissuers:\n${names.map((n) => `  - issuer: ${n}\n    hs_secrets: ["\${HS}"]\n`).join('')}` +
          'policies:\n  - name: api\n',
      );
    issuers('https://first.test');
    const s = await startReloadable({ KEYWAY_CONFIG: file5, HS: HS_SECRET, KEYWAY_ADMIN_TOKEN: ADMIN });
    servers.push(s);
    const admin = async (path: string) =>
      (await (
        await fetch(`http://127.0.0.1:${s.adminPort}/admin/${path}`, {
          headers: { authorization: `Bearer ${ADMIN}` },
        })
      ).json()) as { issuers: { issuer: string }[] };
    expect((await admin('status')).issuers.map((i) => i.issuer)).toEqual(['https://first.test']);
    issuers('https://first.test', 'https://second.test');
    expect((await s.reload()).ok).toBe(true);
    const both = ['https://first.test', 'https://second.test'];
    expect((await admin('status')).issuers.map((i) => i.issuer)).toEqual(both);
    expect((await admin('keys')).issuers.map((i) => i.issuer)).toEqual(both);
  });
});

describe('config reload: triggers and the revocation section', () => {
  it('a reload asked for while one is running is not lost (a second save during the first reload applies)', async () => {
    const file2 = join(dir, 'coalesce.yaml');
    const policy = (projects: string) =>
      writeFileSync(
        file2,
        `server: { port: 0 }\nissuers:\n  - issuer: https://idp.test\n    hs_secrets: ["\${HS}"]\n` +
          `policies:\n  - name: api\n    claims: { project: [${projects}] }\n`,
      );
    policy('alpha');
    const env2 = { KEYWAY_CONFIG: file2, HS: HS_SECRET };
    const s = await startReloadable(env2);
    try {
      const token = await mint(
        { iss: 'https://idp.test', sub: 'u', project: 'gamma' },
        { secret: HS_SECRET },
      );
      const ask = async () =>
        (await fetch(`http://127.0.0.1:${s.port}/auth`, { headers: { authorization: `Bearer ${token}` } }))
          .status;
      policy('alpha, beta');
      const first = s.reload(); // reads 'alpha, beta' and is still starting its runtime
      policy('alpha, gamma'); // saved again before the first reload finished
      const second = s.reload();
      expect((await first).ok).toBe(true);
      expect((await second).ok).toBe(true);
      expect(await ask()).toBe(200);
    } finally {
      await s.close();
    }
  });

  it('a changed revocation section is reported and not applied: max_token_lifetime stays what the store keeps', async () => {
    const file3 = join(dir, 'lifetime.yaml');
    const cfg = (lifetime: string) =>
      writeFileSync(
        file3,
        `server: { port: 0 }\nrevocation: { max_token_lifetime: ${lifetime} }\nissuers:\n` +
          `  - issuer: https://idp.test\n    hs_secrets: ["\${HS}"]\npolicies:\n  - name: api\n`,
      );
    cfg('1h');
    const env3 = { KEYWAY_CONFIG: file3, HS: HS_SECRET };
    const s = await startReloadable(env3);
    try {
      const iat = Math.floor(Date.now() / 1000);
      const token = await mint(
        { iss: 'https://idp.test', sub: 'u', iat, exp: iat + 2 * 86_400 },
        { secret: HS_SECRET },
      );
      const ask = async () =>
        (
          await fetch(`http://127.0.0.1:${s.port}/auth`, { headers: { authorization: `Bearer ${token}` } })
        ).headers.get('x-auth-reason');
      expect(await ask()).toBe('lifetime_too_long');
      cfg('7d');
      expect(await s.reload()).toEqual({
        ok: true,
        problems: ['revocation changed: takes effect after a restart'],
      });
      // Subject revocations are still kept for 1 h (the running store's retention): a 2-day token could outlive one.
      expect(await ask()).toBe('lifetime_too_long');
    } finally {
      await s.close();
    }
  });
});
