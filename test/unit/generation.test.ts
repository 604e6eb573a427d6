// Generations across reloads: each reload builds one over the process's pools; a replaced generation, and the parts
// only it used, are garbage once the sweep is done (WeakRef proof over 50 reloads alternating two configs).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import type { Config } from '../../src/config/types.js';
import { createDeps } from '../../src/deps-create.js';
import { createGeneration, type Generation } from '../../src/generation.js';
import { createLogger } from '../../src/infra/log.js';
import { createMetrics } from '../../src/infra/metrics.js';
import { createProcess, type KeywayProcess } from '../../src/process.js';
import { createReloader, type Reloader } from '../../src/reload.js';
import { HS_SECRET } from '../helpers/tokens.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const SECRETS = [HS_SECRET, 'second-hs-secret-0123456789-abcdefghij'] as const;

/** Config `n` of two that differ in every pooled part (the issuer's HS secret, the routing section) and a policy. */
function config(n: number, extra: { table_file?: string } = {}): Config {
  return parseConfig(
    {
      issuers: [{ name: 'hs', issuer: 'https://hs.test', hs_secrets: [SECRETS[n % 2]] }],
      policies: [{ name: 'api', max_header_value_bytes: 1024 + (n % 2) }],
      routing: {
        default_upstreams: [`10.0.0.${(n % 2) + 1}:80`],
        health: { enabled: false },
        ...extra,
      },
    },
    `config-${n % 2}`,
    { readFile: () => '' },
  );
}

interface Running {
  readonly proc: KeywayProcess;
  readonly reloader: Reloader;
  current(): Generation;
  metrics(): Promise<string>;
}

async function start(load: () => Config): Promise<Running> {
  const first = config(0);
  const deps = createDeps(first, {
    log: createLogger('silent'),
    metrics: createMetrics({ processMetrics: false }),
  });
  const proc = createProcess(first, deps);
  let current = createGeneration(proc, first);
  await current.start(true);
  await proc.start();
  const reloader = createReloader({ get: () => current, set: (next) => (current = next) }, proc, load);
  return { proc, reloader, current: () => current, metrics: () => deps.metrics.registry.metrics() };
}

/**
 * Reload once, first adding WeakRefs to the serving generation and its parts to `refs`. Its own frame: a test frame
 * suspended at an await may keep the last value of a local alive, which would look like a leak.
 */
async function reloadWatching(k: Running, refs: WeakRef<object>[]) {
  const serving = k.current();
  refs.push(new WeakRef(serving), new WeakRef(serving.router));
  for (const store of serving.stores.values()) refs.push(new WeakRef(store));
  return k.reloader.reload();
}

/** Collect until every ref is gone or the tries run out (finalisation may need more than one cycle). */
async function collected(refs: readonly WeakRef<object>[]): Promise<number> {
  for (let i = 0; i < 20 && refs.some((ref) => ref.deref() !== undefined); i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  return refs.filter((ref) => ref.deref() !== undefined).length;
}

describe('generations across reloads', () => {
  it('50 reloads alternating two configs: every replaced generation and every part only it used is collected', async () => {
    let n = 1;
    const k = await start(() => config(n++));
    const replaced: WeakRef<object>[] = [];
    for (let i = 0; i < 50; i++)
      expect(await reloadWatching(k, replaced)).toEqual({ ok: true, problems: [] });
    expect(replaced).toHaveLength(150);
    expect(await collected(replaced)).toBe(0);
    // The pools hold exactly what the serving generation uses; the metrics name only its upstream.
    const serving = k.current();
    expect(k.proc.keyStores.stores()).toEqual([...serving.stores.values()]);
    const upstreams = (await k.metrics()).split('\n').filter((l) => l.startsWith('keyway_upstream_healthy{'));
    expect(serving.config.source).toBe('config-0'); // the 50th reload read config 50
    expect(upstreams).toEqual(['keyway_upstream_healthy{upstream="10.0.0.1:80"} 1']);
    await k.proc.close();
  });

  it('an unchanged config keeps every part: the new generation takes the running store and router', async () => {
    const k = await start(() => config(0));
    const before = k.current();
    expect((await k.reloader.reload()).ok).toBe(true);
    const after = k.current();
    expect(after).not.toBe(before);
    expect(after.router).toBe(before.router);
    expect(after.stores.get('hs')).toBe(before.stores.get('hs'));
    await k.proc.close();
  });

  it('a reload refused after its parts were built releases them and keeps serving the running ones', async () => {
    const k = await start(() => config(1, { table_file: '/nonexistent/keyway-routes.yaml' }));
    const before = k.current();
    const result = await k.reloader.reload();
    expect(result.ok).toBe(false);
    expect(k.current()).toBe(before);
    // The new issuer store (another secret) and the new router were built, then released by the sweep.
    expect(k.proc.keyStores.stores()).toEqual([before.stores.get('hs')]);
    const upstreams = (await k.metrics()).split('\n').filter((l) => l.startsWith('keyway_upstream_healthy{'));
    expect(upstreams).toEqual(['keyway_upstream_healthy{upstream="10.0.0.1:80"} 1']);
    expect(await k.metrics()).toContain('keyway_config_reloads_total{outcome="refused"} 1');
    await k.proc.close();
  });
});
