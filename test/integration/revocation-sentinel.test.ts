// Revocation through Redis Sentinel (real master, replica and sentinel): shared across instances, and it survives a
// failover — the master is killed, Sentinel promotes the replica, both instances follow and keep every revocation.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RevocationGuard } from '../../src/revocation/guard.js';
import type { TestKeyway } from '../helpers/keyway.js';
import { type RedisSentinel, startSentinel } from '../helpers/redis-sentinel.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';
import { HS_SECRET, mint, nowSeconds } from '../helpers/tokens.js';
import { waitFor } from '../helpers/wait-for.js';
import { startKeywayWithGuard } from './revocation-helpers.js';

const run = promisify(execFile);
const cli = async (port: number, ...args: string[]) =>
  (
    await run('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8', timeout: 10_000 })
  ).stdout.trim();

let master: RedisServer;
let replica: RedisServer;
let sentinel: RedisSentinel;
const open: { kw: TestKeyway; guard: RevocationGuard }[] = [];

beforeAll(async () => {
  master = await startRedis();
  replica = await startRedis(['--replicaof', '127.0.0.1', String(master.port)]);
  sentinel = await startSentinel('keyway-master', master.port);
  // Failover needs a replica the sentinel knows about and that is in sync.
  await waitFor(
    'sentinel to see an in-sync replica',
    async () => {
      const replicas = await sentinel.ask('replicas', 'keyway-master').catch(() => '');
      const link = await cli(replica.port, 'info', 'replication').catch(() => '');
      return replicas.includes(String(replica.port)) && link.includes('master_link_status:up');
    },
    20_000,
    100,
  );
});
afterAll(async () => {
  for (const { kw, guard } of open) {
    await guard.close();
    await kw.close();
  }
  await sentinel?.close();
  await replica?.close();
  await master?.close();
});

async function instance() {
  const started = await startKeywayWithGuard({
    issuers: [{ issuer: 'https://idp.test', hs_secrets: [HS_SECRET] }],
    policies: [{ name: 'api' }],
    revocation: {
      sentinel: { name: 'keyway-master', sentinels: [`127.0.0.1:${sentinel.port}`] },
      heartbeat: '100ms',
      max_staleness: '1s',
      start_timeout: '5s',
    },
  });
  open.push(started);
  return started;
}

const reason = async (kw: TestKeyway, jti: string) =>
  (
    await kw.auth({
      authorization: `Bearer ${await mint({ iss: 'https://idp.test', sub: 'u', jti }, { secret: HS_SECRET })}`,
    })
  ).headers.get('x-auth-reason');

describe('revocation through Redis Sentinel (real master, replica and sentinel)', () => {
  it('shares revocations and keeps them across a failover', async () => {
    const a = await instance();
    const b = await instance();
    expect(a.guard.readiness.check().ok).toBe(true);
    await a.guard.revokeJti({ jti: 'before-failover', exp: nowSeconds() + 600 });
    await waitFor('B to deny before-failover', () => b.guard.stats().size === 1, 5_000);
    expect(await reason(b.kw, 'before-failover')).toBe('revoked');
    // The write reached the replica before its master goes away (replication is asynchronous).
    await waitFor(
      'the replica to hold the write',
      async () => (await cli(replica.port, 'zcard', '{keyway:rev}:jtis')) === '1',
      5_000,
      50,
    );

    await master.stop();
    const promoted = Date.now();
    while ((await sentinel.masterPort()) !== replica.port) {
      if (Date.now() - promoted > 20_000) throw new Error('sentinel did not promote the replica');
      await new Promise((r) => setTimeout(r, 100));
    }
    // Both instances find the new master through the sentinel and confirm their mirrors again.
    await waitFor('A ready on the new master', () => a.guard.readiness.check().ok, 20_000);
    await waitFor('B ready on the new master', () => b.guard.readiness.check().ok, 20_000);
    expect(await reason(b.kw, 'before-failover')).toBe('revoked');
    await b.guard.revokeJti({ jti: 'after-failover', exp: nowSeconds() + 600 });
    await waitFor('A to deny after-failover', () => a.guard.stats().size === 2, 5_000);
    expect(await reason(a.kw, 'after-failover')).toBe('revoked');
    expect(await reason(a.kw, 'never-revoked')).toBe(null);
  }, 60_000);
});
