// Run `keyway serve` as a real child process (this checkout's src/cli.ts through tsx) with a config file and env.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './wait-for.js';

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

/** The ports a keyway started on port 0 bound, read from its "keyway listening" line (log level info or lower); rejects
 *  when the process exits first or says nothing within `timeoutMs`. */
export async function listeningPorts(
  proc: Pick<KeywayProcess, 'output' | 'exited'>,
  timeoutMs = 20_000,
): Promise<{ port: number; adminPort: number | undefined }> {
  let found: { port: number; adminPort: number | undefined } | undefined;
  const seen = () => {
    for (const line of proc.output().split('\n')) {
      if (!line.includes('"keyway listening"')) continue;
      const entry = JSON.parse(line) as { port: number; admin: number | 'disabled' };
      found = { port: entry.port, adminPort: typeof entry.admin === 'number' ? entry.admin : undefined };
      return true;
    }
    return false;
  };
  const exited = proc.exited.then(({ code }) => {
    throw new Error(`keyway exited (${code}) before listening:\n${proc.output().slice(-2_000)}`);
  });
  exited.catch(() => undefined);
  await Promise.race([waitFor('keyway to listen', seen, timeoutMs, 25), exited]);
  return found!;
}
