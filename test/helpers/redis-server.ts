// Start a real redis-server on an unused loopback port for a test run; stop/restart it by PID for fault tests.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { retryOnBindConflict, waitForReadyLine } from './ports.js';

export interface RedisServer {
  readonly port: number;
  /** The extra ports asked for (see startRedis). */
  readonly extraPorts: readonly number[];
  readonly url: string;
  /** Kill the server (SIGKILL by PID) and wait until it is gone. */
  stop(): Promise<void>;
  /** Start it again on the same port; `keepData` reloads the RDB snapshot written by `save()`. */
  start(options?: { keepData?: boolean }): Promise<void>;
  /** Force an RDB snapshot (so a restart with keepData has the data). */
  save(): Promise<void>;
  /** Stop and remove the data directory. */
  close(): Promise<void>;
}

/** Start redis-server on an unused port with its own temp dir; `extraArgs` e.g. cluster mode, or a function of
 *  `extraPorts` more unused ports (a TLS port, a cluster bus port). Started again on new ports when one was taken. */
export function startRedis(
  extraArgs: readonly string[] | ((extra: readonly number[]) => readonly string[]) = [],
  extraPorts = 0,
): Promise<RedisServer> {
  return retryOnBindConflict(1 + extraPorts, ([port, ...extra]) =>
    startRedisOn(port!, extra, typeof extraArgs === 'function' ? extraArgs(extra) : extraArgs),
  );
}

async function startRedisOn(
  port: number,
  extraPorts: readonly number[],
  extraArgs: readonly string[],
): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'keyway-redis-'));
  let child: ChildProcess | undefined;
  const launch = async (keepData: boolean) => {
    if (!keepData) rmSync(join(dir, 'dump.rdb'), { force: true });
    child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
        ...extraArgs,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    // Its own "ready" line, not a connect to the port: that could reach whoever took the port instead.
    await waitForReadyLine(child, /Ready to accept connections/, 'redis-server', port);
  };
  const stop = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGKILL');
    });
  };
  try {
    await launch(false);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    port,
    extraPorts,
    url: `redis://127.0.0.1:${port}`,
    stop,
    start: (options) => launch(options?.keepData ?? false),
    save: async () => {
      const { execFileSync } = await import('node:child_process');
      execFileSync('redis-cli', ['-p', String(port), 'save'], { timeout: 10_000 });
    },
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
