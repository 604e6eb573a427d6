// Start a real redis-server on a free loopback port for a test run; stop/restart it by PID for fault tests.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { waitForPort } from './wait-for.js';

export interface RedisServer {
  readonly port: number;
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

/** Start redis-server on a free port with its own temp dir (extra args e.g. cluster mode). */
export async function startRedis(extraArgs: readonly string[] = []): Promise<RedisServer> {
  const port = await freePort();
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
      { stdio: 'ignore' },
    );
    await waitForPort(port);
  };
  const stop = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGKILL');
    });
  };
  await launch(false);
  return {
    port,
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
