// Revocation test helpers: a guard on a real Redis, bounded polling, a TCP proxy that cuts one instance off from Redis.
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { parseConfig } from '../../src/config/parse.js';
import type { Config } from '../../src/config/types.js';
import type { Deps } from '../../src/deps.js';
import { type Clock, systemClock } from '../../src/lib/clock.js';
import { createRevocationGuard, type RevocationGuard } from '../../src/revocation/guard.js';
import { createTestKeyway, type TestKeyway, type TestKeywayOptions } from '../helpers/keyway.js';
import type { LogCapture } from '../helpers/log-capture.js';
import { createTestDeps } from '../helpers/test-deps.js';
import { waitFor } from '../helpers/wait-for.js';

export interface TestGuard {
  readonly guard: RevocationGuard;
  readonly deps: Deps;
  readonly logs: LogCapture;
}

/** Fast timings for tests: heartbeat 100 ms, max_staleness 1 s. */
export const FAST = {
  heartbeat: '100ms',
  max_staleness: '1s',
  start_timeout: '3s',
  command_timeout: '500ms',
};

/** A config with the given revocation section (durations as in the YAML file). */
export function revocationConfig(revocation: Record<string, unknown>): Config {
  return parseConfig({ revocation: { ...FAST, ...revocation } }, 'test', { readFile: () => '' });
}

/** Deps with a captured logger and a private registry (createTestDeps). */
export function testDeps(config: Config, clock: Clock = systemClock): { deps: Deps; logs: LogCapture } {
  const deps = createTestDeps(config, { clock });
  return { deps, logs: deps.logs };
}

/** Create and start a guard for `revocation` (merged over FAST). */
export async function startGuard(revocation: Record<string, unknown>): Promise<TestGuard> {
  const config = revocationConfig(revocation);
  const { deps, logs } = testDeps(config);
  const guard = createRevocationGuard(config.revocation, deps);
  await guard.start();
  return { guard, deps, logs };
}

/** A /auth pipeline (createTestKeyway) with its revocation guard (a real one for the config's Redis), started. */
export async function startKeywayWithGuard(
  input: Record<string, unknown>,
  options: TestKeywayOptions = {},
): Promise<{ kw: TestKeyway; guard: RevocationGuard }> {
  const kw = await createTestKeyway(input, options);
  return { kw, guard: kw.runtime.revocation };
}

/** What check() does for these claims: 'ok', 'stale_allowed', or the KeywayError reason it throws. */
export function outcome(
  guard: RevocationGuard,
  claims: { jti?: string; sub?: string; iat?: number; iss?: string },
  failMode: 'closed' | 'open' = 'closed',
): string {
  try {
    return guard.check(claims, failMode);
  } catch (err) {
    return (err as { reason?: string }).reason ?? String(err);
  }
}

export const nowSec = (): number => Math.floor(Date.now() / 1000);

export interface TcpProxy {
  readonly url: string;
  /** Drop every connection and refuse new ones. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/** A loopback TCP proxy to `targetPort` (a real Redis behind it), so one guard can lose Redis while another keeps it. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let refusing = false;
  const server: Server = createServer((client) => {
    if (refusing) return void client.destroy();
    const upstream = tcpConnect({ host: '127.0.0.1', port: targetPort });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `redis://127.0.0.1:${port}`,
    cut() {
      refusing = true;
      for (const s of sockets) s.destroy();
    },
    restore() {
      refusing = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Full resyncs this guard has completed (all causes), from its metrics. */
export async function resyncCount(g: TestGuard): Promise<number> {
  const metric = g.deps.metrics.registry.getSingleMetric('keyway_revocation_resyncs_total');
  const data = await metric?.get();
  return (data?.values ?? []).reduce((sum, v) => sum + v.value, 0);
}

/** Wait until every guard has completed a resync after `before` (their counts when the trouble started). */
export async function waitForResync(
  gs: readonly TestGuard[],
  before: readonly number[],
  timeoutMs = 10_000,
): Promise<void> {
  for (const [i, g] of gs.entries()) {
    await waitFor('a resync', async () => (await resyncCount(g)) > before[i]!, timeoutMs);
    await waitFor('readiness after the resync', () => g.guard.readiness.check().ok, timeoutMs);
  }
}
