// Start a real Redis Sentinel (redis-server --sentinel) on an unused loopback port, monitoring one master, for tests.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { retryOnBindConflict, waitForReadyLine } from './ports.js';

const run = promisify(execFile);

export interface RedisSentinel {
  readonly port: number;
  /** `SENTINEL <args>` against this sentinel, as redis-cli prints it. */
  ask(...args: string[]): Promise<string>;
  /** The port of the master the sentinel currently names. */
  masterPort(): Promise<number>;
  close(): Promise<void>;
}

/** Monitor `127.0.0.1:masterPort` as `name` with quorum 1; a master down for `downAfterMs` is failed over. */
export function startSentinel(name: string, masterPort: number, downAfterMs = 1_000): Promise<RedisSentinel> {
  return retryOnBindConflict(1, ([port]) => startSentinelOn(port!, name, masterPort, downAfterMs));
}

async function startSentinelOn(
  port: number,
  name: string,
  masterPort: number,
  downAfterMs: number,
): Promise<RedisSentinel> {
  const dir = mkdtempSync(join(tmpdir(), 'keyway-sentinel-'));
  const conf = join(dir, 'sentinel.conf');
  // Sentinel rewrites its own config file, so it gets a writable one of its own.
  writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1`,
      `sentinel down-after-milliseconds ${name} ${downAfterMs}`,
      `sentinel failover-timeout ${name} 5000`,
      `sentinel parallel-syncs ${name} 1`,
      '',
    ].join('\n'),
  );
  const child = spawn('redis-server', [conf, '--sentinel'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    await waitForReadyLine(child, /Sentinel ID is|\+monitor master/, 'redis sentinel', port);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const ask = async (...args: string[]) =>
    (
      await run('redis-cli', ['-p', String(port), 'sentinel', ...args], { encoding: 'utf8', timeout: 10_000 })
    ).stdout.trim();
  return {
    port,
    ask,
    masterPort: async () => Number((await ask('get-master-addr-by-name', name)).split('\n')[1]),
    close: async () => {
      if (child.exitCode === null && child.signalCode === null)
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
