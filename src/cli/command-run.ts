// What a command body is: CliIo in, an exit code out (SERVING when a server now holds the process).
import type { Env } from '../config/load.js';
import type { ParsedCommand } from './parse-command.js';

/** The world a command sees: the environment, stdout, stderr and stdin. */
export interface CliIo {
  readonly env: Env;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly readStdin: () => Promise<string>;
  /** Start the server and return once it listens (main.ts's runServe, handed in by the process edge). */
  readonly serve: (env: Env, options: { readonly forceDev?: boolean }) => Promise<void>;
}

/** A command's body: runs with its parsed flags, returns the exit code; throws UsageError (2) or anything else (1). */
export type CommandRun = (parsed: ParsedCommand, io: CliIo) => Promise<number>;

/** The exit "code" of serve and dev: the process keeps running until a signal. */
export const SERVING = -1;
