// Start a real Redis Sentinel (redis-server --sentinel) on a free loopback port, monitoring one master, for tests.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';
import { waitForPort } from './wait-for.js';

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
export async function startSentinel(
  name: string,
  masterPort: number,
  downAfterMs = 1_000,
): Promise<RedisSentinel> {
  const port = await freePort();
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
  const child = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
  await waitForPort(port);
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
