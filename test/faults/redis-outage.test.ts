// Fault suite: two keyway processes on one real Redis under a steady load while Redis is killed and restarted empty,
// and while an instance restarts during the outage (with and without its snapshot file) — in both fail modes. No
// revoked token may ever be allowed; a valid token may be denied only `revocation_unavailable`, only in closed mode (or by an instance whose mirror never
// loaded), and only from the kill until RECOVERY_MS after Redis is back.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FailMode, getJson, type Rig, startRig } from './harness.js';
import { cycle, startLoad } from './load.js';
import { span, describe as summary, tally, type Window } from './tally.js';

/** After Redis is back, the mirrors are confirmed fresh again within this (reconnect + full load + heartbeat). */
const RECOVERY_MS = 5_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const snapshotFile = (dir: string, i: number) => join(dir, `revocations-${i}.json`);
const KINDS = { allowed: ['valid'], refused: ['revoked'] };

function revokedInRedis(rig: Rig): number {
  const out = execFileSync('redis-cli', ['-p', String(rig.redis.port), 'zcard', '{keyway:rev}:jtis'], {
    timeout: 5_000,
  });
  return Number(out.toString().trim());
}

async function staleAllowed(rig: Rig, i: number): Promise<number> {
  const text = String((await getJson(rig.instances[i]!.port, '/metrics')).body);
  const line = text.split('\n').find((l) => l.startsWith('keyway_revocation_stale_allowed_total'));
  return Number(line?.split(' ')[1] ?? 0);
}

describe.each<FailMode>(['closed', 'open'])('Redis outage, revocation.fail: %s', (fail) => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({
      fail,
      patch: (config, i, dir) => {
        (config['revocation'] as Record<string, unknown>)['snapshot_file'] = snapshotFile(dir, i);
      },
    });
  });
  afterAll(async () => {
    await rig?.close();
  });

  it('Redis killed and restarted empty under load: no revoked token allowed, valid ones denied only in the window', async () => {
    const [a, b] = rig.instances;
    const load = startLoad({
      targets: [a!, b!],
      mix: [cycle('valid', rig.valid, 3), cycle('revoked', rig.revoked, 1)],
    });
    await sleep(1_500);
    const killedAt = Date.now();
    await rig.redis.stop();
    await sleep(3_000);
    const backAt = Date.now();
    await rig.redis.start();
    await sleep(RECOVERY_MS + 1_500);
    const samples = await load.stop();

    const windows: Window[] =
      fail === 'closed'
        ? [{ from: killedAt, to: backAt + RECOVERY_MS, reason: 'revocation_unavailable' }]
        : [];
    const t = tally(samples, KINDS, windows);
    const denied = span(t.deniedInWindow);
    console.log(
      summary(`redis restarted empty, fail ${fail}`, t, {
        outage_ms: backAt - killedAt,
        denied_from_kill_ms: denied ? denied.first - killedAt : null,
        denied_until_after_restart_ms: denied ? denied.last - backAt : null,
      }),
    );
    expect(t.wronglyAllowed.slice(0, 5)).toEqual([]);
    expect(t.wronglyDenied.slice(0, 5)).toEqual([]);
    expect(t.resets.slice(0, 5)).toEqual([]);
    expect(t.unanswered.slice(0, 5)).toEqual([]);
    // The outage was seen: closed mode denied during it, open mode allowed on a stale mirror.
    if (fail === 'closed') expect(t.deniedInWindow.length).toBeGreaterThan(0);
    else expect((await staleAllowed(rig, 0)) + (await staleAllowed(rig, 1))).toBeGreaterThan(0);
    // The mirrors wrote the revocations back into the emptied Redis.
    expect(revokedInRedis(rig)).toBeGreaterThanOrEqual(rig.revoked.length);
  }, 30_000);

  const restartDuringOutage = (snapshot: boolean) => async () => {
    const [a, b] = rig.instances;
    await rig.ready();
    const load = startLoad({
      targets: [a!, b!],
      mix: [cycle('valid', rig.valid, 3), cycle('revoked', rig.revoked, 1)],
    });
    await sleep(1_000);
    const killedAt = Date.now();
    await rig.redis.stop();
    await sleep(1_500);
    // Taken out of the load first (as a load balancer would), so the restart costs no request.
    load.pause(b!.name);
    await sleep(300);
    const exit = await b!.stop();
    if (!snapshot) {
      b!.writeConfig(
        rig.config(1, (c) => delete (c['revocation'] as Record<string, unknown>)['snapshot_file']),
      );
      rmSync(snapshotFile(rig.dir, 1), { force: true });
    }
    const restartedAt = Date.now();
    await b!.start();
    load.resume(b!.name);
    await sleep(2_500);
    const backAt = Date.now();
    await rig.redis.start();
    await sleep(RECOVERY_MS + 1_000);
    const samples = await load.stop();

    // Closed mode: every instance may deny in the outage. Open mode: only a restarted instance without a snapshot,
    // whose mirror never loaded, may refuse to decide (it must not treat "never loaded" as "stale").
    const windows: Window[] =
      fail === 'closed'
        ? [{ from: killedAt, to: backAt + RECOVERY_MS, reason: 'revocation_unavailable' }]
        : snapshot
          ? []
          : [
              {
                from: restartedAt,
                to: backAt + RECOVERY_MS,
                reason: 'revocation_unavailable',
                target: b!.name,
              },
            ];
    const t = tally(samples, KINDS, windows);
    const restarted = samples.filter((s) => s.target === b!.name && s.at >= restartedAt);
    const allowed = span(t.wronglyAllowed);
    console.log(
      summary(
        `instance restarted during the redis outage, ${snapshot ? 'with' : 'without'} snapshot_file, fail ${fail}`,
        t,
        {
          restarted_instance_requests: restarted.length,
          restarted_instance_valid_denied: t.deniedInWindow.filter((s) => s.target === b!.name).length,
          wrongly_allowed_from_redis_back_ms: allowed
            ? [allowed.first - backAt, allowed.last - backAt]
            : null,
        },
      ),
    );
    expect(exit).toEqual({ code: 0, signal: null });
    expect(restarted.filter((s) => s.kind === 'revoked').length).toBeGreaterThan(0);
    expect(t.wronglyAllowed.slice(0, 5)).toEqual([]);
    expect(t.wronglyDenied.slice(0, 5)).toEqual([]);
    expect(t.resets.slice(0, 5)).toEqual([]);
    expect(t.unanswered.slice(0, 5)).toEqual([]);
  };

  it(
    'an instance restarted during the outage with its snapshot_file, Redis back empty: no revoked token allowed',
    restartDuringOutage(true),
    30_000,
  );

  it(
    'an instance restarted during the outage without a snapshot file, Redis back empty: no revoked token allowed',
    restartDuringOutage(false),
    30_000,
  );
});
