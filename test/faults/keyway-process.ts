// One keyway instance as a real process (`node dist/cli.js serve` on a JSON config file): start, restart on the same
// ports, signal, and read its exit; every process is killed by PID in killAllInstances (afterAll).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { recordOutput } from '../helpers/audit.js';
import { BindConflictError, ownsListeningPort, saysAddressInUse } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait-for.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// KEYWAY_FAULTS_CLI runs the suite against another build (e.g. an older commit's, to see a scenario fail without a fix).
const CLI = process.env['KEYWAY_FAULTS_CLI'] ?? `${ROOT}dist/cli.js`;

/** How a process ended: its exit code, or the signal that killed it. */
export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface KeywayInstance {
  readonly name: string;
  readonly port: number;
  readonly adminPort: number;
  readonly configFile: string;
  /** The running process's PID (undefined when none runs). */
  readonly pid: number | undefined;
  /** Everything the current and earlier processes of this instance wrote (stdout and stderr). */
  output(): string;
  /** Write the config file (a JSON document, which YAML reads as is). */
  writeConfig(config: unknown): void;
  /** Spawn the process and resolve once its main port accepts connections (throws after 20 s, process killed). */
  start(): Promise<void>;
  /** Send a signal to the running process. */
  signal(signal: NodeJS.Signals): void;
  /** Resolves when the current process exits. */
  exited(): Promise<Exit>;
  /** SIGTERM and wait for the exit (SIGKILL after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<Exit>;
}

const live = new Set<ChildProcess>();

/** SIGKILL every instance process still running (by PID); for afterAll. */
export function killAllInstances(): void {
  for (const child of live) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  live.clear();
}

/** An instance on fixed ports (so a restart comes back where the load generator sends). Not started. */
export function createInstance(
  name: string,
  port: number,
  adminPort: number,
  configFile: string,
): KeywayInstance {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` before the fault suite`);
  let child: ChildProcess | undefined;
  let exit: Promise<Exit> = Promise.resolve({ code: null, signal: null });
  let output = '';
  const running = () => child !== undefined && child.exitCode === null && child.signalCode === null;

  return {
    name,
    port,
    adminPort,
    configFile,
    get pid() {
      return running() ? child?.pid : undefined;
    },
    output: () => output,
    writeConfig(config) {
      writeFileSync(configFile, JSON.stringify(config, null, 2));
    },
    async start() {
      if (running()) throw new Error(`${name} is already running`);
      const c = spawn(process.execPath, [CLI, 'serve'], {
        cwd: ROOT,
        env: { PATH: process.env['PATH'] ?? '', KEYWAY_CONFIG: configFile },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = c;
      live.add(c);
      const collect = (chunk: Buffer) => {
        const text = chunk.toString();
        output += text;
        // Secrets audit: a token or the admin token in a log line fails the file.
        recordOutput('log', text);
      };
      c.stdout?.on('data', collect);
      c.stderr?.on('data', collect);
      exit = new Promise<Exit>((resolve) => {
        c.once('exit', (code, signal) => {
          live.delete(c);
          resolve({ code, signal });
        });
      });
      const early = exit.then((e) => {
        if (saysAddressInUse(output)) throw new BindConflictError(name, port, output);
        throw new Error(`${name} exited during start (${e.code ?? e.signal}):\n${output.slice(-2_000)}`);
      });
      try {
        // This process holding the port, not a connect to it: whoever took the port would accept that too.
        const bound = () => c.pid !== undefined && ownsListeningPort(c.pid, port);
        await Promise.race([waitFor(`${name} to listen on ${port}`, bound, 20_000, 25), early]);
      } catch (err) {
        if (running()) c.kill('SIGKILL');
        throw err;
      }
      early.catch(() => undefined);
    },
    signal(signal) {
      if (running()) child?.kill(signal);
    },
    exited: () => exit,
    async stop(timeoutMs = 15_000) {
      if (!running()) return exit;
      const c = child;
      c?.kill('SIGTERM');
      const timer = setTimeout(() => c?.kill('SIGKILL'), timeoutMs);
      const result = await exit;
      clearTimeout(timer);
      return result;
    },
  };
}
