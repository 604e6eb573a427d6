// Run `keyway serve` as a real child process (this checkout's src/cli.ts through tsx) with a config file and env.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface KeywayProcess {
  readonly child: ChildProcess;
  readonly configFile: string;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal) and how long after spawn it came. */
  readonly exited: Promise<{ code: number | null; afterMs: number }>;
  /** SIGKILL it if it is still running (cleanup). */
  kill(): void;
}

/** Write `yaml` to a temp file and start keyway on it; `env` is added to PATH and KEYWAY_CONFIG. */
export function spawnKeyway(yaml: string, env: Record<string, string> = {}): KeywayProcess {
  const dir = mkdtempSync(join(tmpdir(), 'keyway-proc-'));
  const configFile = join(dir, 'keyway.yaml');
  writeFileSync(configFile, yaml);
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    env: { PATH: process.env['PATH'] ?? '', KEYWAY_CONFIG: configFile, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c));
  child.stderr!.on('data', (c: Buffer) => (output += c));
  const exited = new Promise<{ code: number | null; afterMs: number }>((resolve) =>
    child.once('exit', (code) => resolve({ code, afterMs: Date.now() - started })),
  );
  return {
    child,
    configFile,
    output: () => output,
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** Resolve `promise`, or reject after `ms` naming `what` (so a hung child fails the test instead of the run). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
    }),
  ]);
}
