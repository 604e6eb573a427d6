// Revocation over TLS to a real redis-server (rediss://): trusted through revocation.tls_ca_file, refused without it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RevocationGuard } from '../../src/revocation/guard.js';
import type { TestKeyway } from '../helpers/keyway.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';
import { selfSignedCert, type TestCert } from '../helpers/tls-cert.js';
import { HS_SECRET, mint, nowSeconds } from '../helpers/tokens.js';
import { waitFor, waitForPort } from '../helpers/wait-for.js';
import { startKeywayWithGuard } from './revocation-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'keyway-redis-tls-'));
let cert: TestCert;
let redis: RedisServer;
let tlsPort: number;
const open: { kw: TestKeyway; guard: RevocationGuard }[] = [];

beforeAll(async () => {
  cert = selfSignedCert(dir);
  redis = await startRedis(
    ([tls]) => [
      ...['--tls-port', String(tls), '--tls-cert-file', cert.certFile, '--tls-key-file', cert.keyFile],
      ...['--tls-ca-cert-file', cert.certFile, '--tls-auth-clients', 'no'],
    ],
    1,
  );
  tlsPort = redis.extraPorts[0]!;
  await waitForPort(tlsPort);
});
afterAll(async () => {
  for (const { kw, guard } of open) {
    await guard.close();
    await kw.close();
  }
  await redis?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function instance(revocation: Record<string, unknown>) {
  const started = await startKeywayWithGuard(
    {
      issuers: [{ issuer: 'https://idp.test', hs_secrets: [HS_SECRET] }],
      policies: [{ name: 'api' }],
      revocation: { heartbeat: '100ms', max_staleness: '1s', start_timeout: '2s', ...revocation },
    },
    { readFile: (path) => (path === cert.certFile ? cert.cert : '') },
  );
  open.push(started);
  return started;
}

const ask = async (kw: TestKeyway, jti: string) =>
  kw.auth({
    authorization: `Bearer ${await mint({ iss: 'https://idp.test', sub: 'u', jti }, { secret: HS_SECRET })}`,
  });

describe('revocation over TLS (real redis-server with --tls-port)', () => {
  it('rediss:// with tls_ca_file: loads, revokes on A, denies on B', async () => {
    const url = `rediss://localhost:${tlsPort}`;
    const a = await instance({ redis_url: url, tls_ca_file: cert.certFile });
    const b = await instance({ redis_url: url, tls_ca_file: cert.certFile });
    expect(a.guard.readiness.check().ok).toBe(true);
    expect(b.guard.stats()).toMatchObject({ connected: true, mode: 'redis' });
    expect((await ask(b.kw, 'tls-1')).status).toBe(200);
    await a.guard.revokeJti({ jti: 'tls-1', exp: nowSeconds() + 600 });
    await waitFor('B to see the revocation', () => b.guard.stats().size > 0);
    const denied = await ask(b.kw, 'tls-1');
    expect(denied.status).toBe(401);
    expect(denied.headers.get('x-auth-reason')).toBe('revoked');
  });

  it('without the CA the server certificate is refused: not ready, fail closed answers revocation_unavailable', async () => {
    const c = await instance({ redis_url: `rediss://localhost:${tlsPort}` });
    expect(c.guard.readiness.check().ok).toBe(false);
    expect(c.guard.stats().connected).toBe(false);
    const res = await ask(c.kw, 'tls-2');
    expect(res.status).toBe(503);
    expect(res.headers.get('x-auth-reason')).toBe('revocation_unavailable');
    // The log says why (and names no secret: the audit checks every line).
    expect(c.kw.logs.entries().some((e) => String(e['err']).includes('self-signed certificate'))).toBe(true);
  });

  it('a plaintext client on the TLS port never becomes ready', async () => {
    const d = await instance({ redis_url: `redis://127.0.0.1:${tlsPort}` });
    expect(d.guard.readiness.check().ok).toBe(false);
  });
});
