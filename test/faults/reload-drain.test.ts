// Fault suite: two keyway processes under a steady keep-alive load while each config is reloaded 20 times (SIGHUP,
// every reload a real change), then while one instance gets SIGTERM. No wrong answer during the reloads; the drain
// resets no connection and the process exits 0.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait-for.js';
import { getJson, type Rig, startRig } from './harness.js';
import type { KeywayInstance } from './keyway-process.js';
import { cycle, startLoad } from './load.js';
import { describe as summary, tally } from './tally.js';

const RELOADS = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const KINDS = { allowed: ['valid'], refused: ['revoked'] };

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ fail: 'closed' });
});
afterAll(async () => {
  await rig?.close();
});

async function reloads(instance: KeywayInstance, outcome: 'ok' | 'refused'): Promise<number> {
  const text = String((await getJson(instance.port, '/metrics')).body);
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`keyway_config_reloads_total{outcome="${outcome}"}`));
  return Number(line?.split(' ')[1] ?? 0);
}

/** Reload `n`: even ones change the issuer's key settings (a new key store, fetched before the swap), odd ones a policy. */
function reloadedConfig(i: number, n: number): Record<string, unknown> {
  return rig.config(i, (config) => {
    const [issuer] = config['issuers'] as { jwks: Record<string, unknown> }[];
    const [policy] = config['policies'] as Record<string, unknown>[];
    if (n % 2 === 0) issuer!.jwks['timeout'] = n % 4 === 0 ? '2s' : '1500ms';
    else policy!['max_header_value_bytes'] = 1024 + n;
  });
}

describe('reload and shutdown under load', () => {
  it(`config reloaded ${RELOADS} times on both instances under load: zero wrong answers`, async () => {
    const instances = rig.instances;
    const load = startLoad({
      targets: instances,
      mix: [cycle('valid', rig.valid, 3), cycle('revoked', rig.revoked, 1)],
    });
    await sleep(500);
    const before = await Promise.all(instances.map((inst) => reloads(inst, 'ok')));
    for (let n = 1; n <= RELOADS; n++) {
      for (const [i, instance] of instances.entries()) {
        instance.writeConfig(reloadedConfig(i, n));
        instance.signal('SIGHUP');
      }
      // One reload at a time, so each SIGHUP is one reload (a SIGHUP during a reload would be merged into one more).
      for (const [i, instance] of instances.entries())
        await waitFor(
          `${instance.name} reload ${n}`,
          async () => (await reloads(instance, 'ok')) >= before[i]! + n,
          10_000,
          50,
        );
      await sleep(100);
    }
    await sleep(500);
    const samples = await load.stop();
    const t = tally(samples, KINDS);
    console.log(summary(`${RELOADS} reloads under load`, t));
    for (const [i, instance] of instances.entries()) {
      expect(await reloads(instance, 'ok')).toBe(before[i]! + RELOADS);
      expect(await reloads(instance, 'refused')).toBe(0);
    }
    expect(t.wronglyAllowed.slice(0, 5)).toEqual([]);
    expect(t.wronglyDenied.slice(0, 5)).toEqual([]);
    expect(t.resets.slice(0, 5)).toEqual([]);
    expect(t.unanswered.slice(0, 5)).toEqual([]);
  }, 30_000);

  it('SIGTERM to an instance under keep-alive load: zero connection resets, every answer right, exit 0', async () => {
    const [a, b] = rig.instances;
    const load = startLoad({
      targets: [a!, b!],
      rate: 300,
      sockets: 16,
      mix: [cycle('valid', rig.valid, 3), cycle('revoked', rig.revoked, 1)],
    });
    await sleep(2_000);
    const termAt = Date.now();
    b!.signal('SIGTERM');
    // The client keeps sending on its pooled connections until the process is gone (a proxy learns it only then).
    const exit = await b!.exited();
    const exitedAt = Date.now();
    load.pause(b!.name);
    await sleep(500);
    const samples = await load.stop();

    const fromB = samples.filter((s) => s.target === b!.name);
    const t = tally(samples, KINDS);
    const refused = t.unanswered.filter((s) => s.error === 'ECONNREFUSED');
    console.log(
      summary('SIGTERM under keep-alive load', t, {
        exit,
        exit_after_ms: exitedAt - termAt,
        answered_while_draining: fromB.filter((s) => s.at >= termAt && s.status !== 0).length,
        connection_close_answers: fromB.filter((s) => s.closed).length,
        refused_after_close: refused.length,
      }),
    );
    expect(exit).toEqual({ code: 0, signal: null });
    expect(t.resets.slice(0, 5)).toEqual([]);
    expect(t.wronglyAllowed.slice(0, 5)).toEqual([]);
    expect(t.wronglyDenied.slice(0, 5)).toEqual([]);
    // A refused connect sent nothing (the listener was closed): the only failure a drain may cause.
    expect(t.unanswered.filter((s) => s.error !== 'ECONNREFUSED').slice(0, 5)).toEqual([]);
    expect(b!.output()).not.toContain('shutdown_timeout reached');
  }, 30_000);
});
