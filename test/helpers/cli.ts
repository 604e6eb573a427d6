// Run the `keyway` CLI: as a real child process (exit code, stdout, stderr) or in process through runCommand.
import { execFile } from 'node:child_process';
import { runCommand } from '../../src/cli/run-command.js';

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `node --import tsx src/cli.ts ...args` with only PATH and `env`; resolves when it exits (killed after 30 s). */
export function spawnCli(
  args: readonly string[],
  env: Record<string, string> = {},
  stdin?: string,
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', ...args],
      { env: { PATH: process.env['PATH'] ?? '', ...env }, encoding: 'utf8', timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, stdout, stderr });
      },
    );
    if (stdin !== undefined) child.stdin?.end(stdin);
    else child.stdin?.end();
  });
}

/** runCommand in this process, with captured stdout/stderr and `stdin` as the input. */
export async function runCli(
  argv: readonly string[],
  env: Record<string, string | undefined> = {},
  stdin = '',
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCommand(argv, {
    env,
    out: (t) => {
      stdout += t;
    },
    err: (t) => {
      stderr += t;
    },
    readStdin: async () => stdin,
    serve: async () => {
      throw new Error('runCli does not start servers: use spawnCli');
    },
  });
  return { code, stdout, stderr };
}
