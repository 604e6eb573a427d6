// The fault rig: a real redis-server, a loopback JWKS server, N keyway processes sharing that Redis, token pools
// (valid, revoked through the admin API) and the config every instance runs; close() stops everything by PID.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerSecret } from '../helpers/audit.js';
import { createTestKey, type JwksServer, startJwksServer, type TestKey } from '../helpers/jwks-server.js';
import { retryOnBindConflict, unusedPort } from '../helpers/ports.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait-for.js';
import { createInstance, type KeywayInstance, killAllInstances } from './keyway-process.js';

export const ISSUER = 'https://idp.fault.test';
export const ADMIN_TOKEN = `fault-admin-${randomUUID()}`;
registerSecret(ADMIN_TOKEN, 'fault suite admin token');

export type FailMode = 'closed' | 'open';

export interface RigOptions {
  readonly fail: FailMode;
  readonly instances?: number;
  /** The issuer's `jwks` options (default: a short TTL, so background refreshes run during a test). */
  readonly jwks?: Readonly<Record<string, unknown>>;
  /** How many valid and revoked tokens to sign (default 40 each). */
  readonly tokens?: number;
  /** Change instance `i`'s config before it is first written (add an issuer, a file in `dir`, …). */
  readonly patch?: (config: Record<string, unknown>, i: number, dir: string) => void;
}

export interface Rig {
  /** A temp directory removed by close(): config files, snapshot files. */
  readonly dir: string;
  readonly redis: RedisServer;
  readonly idp: JwksServer;
  readonly key: TestKey;
  readonly instances: readonly KeywayInstance[];
  readonly valid: readonly string[];
  readonly revoked: readonly string[];
  /** The config instance `i` runs (each has its own ports); `patch` changes it before it is written. */
  config(i: number, patch?: (config: Record<string, unknown>) => void): Record<string, unknown>;
  /** Sign a token of ISSUER with `key` (default the rig's key), a fresh jti, 15 minutes to live. */
  sign(key?: TestKey, claims?: Record<string, unknown>): Promise<string>;
  /** POST /admin/revocations on instance 0 for each jti; throws unless every answer is 201. */
  revoke(jtis: readonly { jti: string; exp: number }[]): Promise<void>;
  /** Resolve once every running instance answers /readyz 200 (throws after timeoutMs). */
  ready(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** GET a JSON document from 127.0.0.1:port; `admin` sends the admin token. */
export async function getJson(
  port: number,
  path: string,
  admin = false,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    headers: admin ? { authorization: `Bearer ${ADMIN_TOKEN}` } : {},
    signal: AbortSignal.timeout(3_000),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON (metrics text)
  }
  return { status: res.status, body };
}

/** Build the rig and start every instance (waits for /readyz and for the revocations to reach every instance); built
 *  again on new ports when an instance's port was taken between picking it and binding it. */
export function startRig(options: RigOptions): Promise<Rig> {
  return retryOnBindConflict(0, () => startRigOnce(options));
}

async function startRigOnce(options: RigOptions): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'keyway-faults-'));
  const redis = await startRedis();
  const idp = await startJwksServer();
  const key = createTestKey('fault-k1');
  idp.setKeys([key.jwk]);
  const count = options.instances ?? 2;
  const instances: KeywayInstance[] = [];
  const base: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const port = await unusedPort();
    const adminPort = await unusedPort();
    instances.push(createInstance(`keyway-${i}`, port, adminPort, join(dir, `keyway-${i}.json`)));
    base.push({
      server: { host: '127.0.0.1', port, shutdown_timeout: '10s', watch_config: false },
      admin: { host: '127.0.0.1', port: adminPort, token: ADMIN_TOKEN },
      log: { level: 'warn' },
      issuers: [
        {
          name: 'idp',
          issuer: ISSUER,
          jwks_uri: idp.jwksUrl,
          jwks: options.jwks ?? {
            ttl: '1s',
            min_ttl: '500ms',
            timeout: '1s',
            retries: 1,
            retry_backoff: '100ms',
          },
        },
      ],
      policies: [{ name: 'api' }],
      revocation: {
        redis_url: redis.url,
        fail: options.fail,
        max_staleness: '1s',
        heartbeat: '200ms',
        start_timeout: '2s',
        command_timeout: '500ms',
      },
    });
    options.patch?.(base[i]!, i, dir);
  }
  const config = (i: number, patch?: (c: Record<string, unknown>) => void) => {
    const copy = structuredClone(base[i]!);
    patch?.(copy);
    return copy;
  };
  const sign = async (signer: TestKey = key, claims: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return signer.sign({
      iss: ISSUER,
      sub: `user-${randomUUID()}`,
      jti: randomUUID(),
      iat: now,
      exp: now + 900,
      ...claims,
    });
  };
  const n = options.tokens ?? 40;
  const valid = await Promise.all(Array.from({ length: n }, () => sign()));
  const revokedJtis = Array.from({ length: n }, () => ({
    jti: randomUUID(),
    exp: Math.floor(Date.now() / 1000) + 900,
  }));
  const revoked = await Promise.all(revokedJtis.map((r) => sign(key, { jti: r.jti, exp: r.exp })));

  const rig: Rig = {
    dir,
    redis,
    idp,
    key,
    instances,
    valid,
    revoked,
    config,
    sign,
    async revoke(jtis) {
      for (const entry of jtis) {
        const res = await fetch(`http://127.0.0.1:${instances[0]!.adminPort}/admin/revocations`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ ...entry, reason: 'fault suite', actor: 'test' }),
          signal: AbortSignal.timeout(3_000),
        });
        if (res.status !== 201) throw new Error(`revoke ${entry.jti}: ${res.status} ${await res.text()}`);
      }
    },
    async ready(timeoutMs = 15_000) {
      for (const instance of instances) {
        if (instance.pid === undefined) continue;
        await waitFor(
          `${instance.name} /readyz`,
          async () => (await getJson(instance.port, '/readyz')).status === 200,
          timeoutMs,
          50,
        );
      }
    },
    async close() {
      killAllInstances();
      await Promise.allSettled([redis.close(), idp.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    for (const [i, instance] of instances.entries()) instance.writeConfig(config(i));
    await Promise.all(instances.map((instance) => instance.start()));
    await rig.ready();
    await rig.revoke(revokedJtis);
    // Every instance denies every revoked token before the load starts (the feed has delivered them).
    for (const instance of instances) {
      await waitFor(
        `${instance.name} mirror`,
        async () => {
          const status = (await getJson(instance.adminPort, '/admin/status', true)).body as {
            revocation?: { size?: number };
          };
          return (status.revocation?.size ?? 0) >= revokedJtis.length;
        },
        10_000,
        50,
      );
    }
  } catch (err) {
    await rig.close();
    throw err;
  }
  return rig;
}
