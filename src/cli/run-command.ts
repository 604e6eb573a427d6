// runCommand: argv → the command's exit code. Help and usage errors come from COMMANDS; only src/cli.ts exits.
import { ConfigError } from '../errors.js';
import { VERSION } from '../version.js';
import type { CliIo, CommandRun } from './command-run.js';
import type { CommandName } from './command-spec.js';
import { COMMANDS } from './commands.js';
import { commandHelp, topHelp } from './help.js';
import { nearest, parseCommand } from './parse-command.js';
import { CliError, UsageError } from './usage-error.js';

// Loaded on use, so `--help` and a usage error never load the server, the key stores or Redis.
const RUNS: Readonly<Record<CommandName, () => Promise<CommandRun>>> = {
  serve: async () => (await import('./serve.js')).runServeCommand,
  dev: async () => (await import('./serve.js')).runDevCommand,
  keygen: async () => (await import('./keygen.js')).runKeygen,
  mint: async () => (await import('./mint.js')).runMint,
  revoke: async () => (await import('./revoke.js')).runRevoke,
  explain: async () => (await import('./explain.js')).runExplain,
  'check-config': async () => (await import('./check-config.js')).runCheckConfig,
  'print-config': async () => (await import('./print-config.js')).runPrintConfig,
};

const isCommand = (name: string): name is CommandName => Object.hasOwn(COMMANDS, name);

/** Run one command line; never throws (every failure is written to `io.err` and becomes its exit code). */
export async function runCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.err('keyway: no command given: running `keyway serve` (`keyway --help` lists the commands)\n');
    return run('serve', [], io);
  }
  if (first === '--help' || first === '-h' || (first === 'help' && rest.length === 0)) {
    io.out(topHelp());
    return 0;
  }
  if (first === '--version' || first === 'version') {
    io.out(`keyway ${VERSION}\n`);
    return 0;
  }
  if (first === 'help') {
    const name = rest[0] ?? '';
    if (rest.length === 1 && isCommand(name)) {
      io.out(commandHelp(COMMANDS[name]));
      return 0;
    }
    return topLevelUsage(io, `help: unknown command ${rest.join(' ')}`, name);
  }
  if (!isCommand(first)) {
    const what = first.startsWith('-')
      ? `unknown flag ${first} (give a command first)`
      : `unknown command ${first}`;
    return topLevelUsage(io, what, first);
  }
  return run(first, rest, io);
}

function topLevelUsage(io: CliIo, what: string, word: string): number {
  const hint = nearest(word.replace(/^-+/, ''), Object.keys(COMMANDS));
  io.err(`keyway: ${what}${hint === undefined ? '' : ` (did you mean ${hint}?)`}\n\n${topHelp()}`);
  return 2;
}

async function run(name: CommandName, argv: readonly string[], io: CliIo): Promise<number> {
  const spec = COMMANDS[name];
  try {
    const parsed = parseCommand(spec, argv);
    if (parsed.help) {
      io.out(commandHelp(spec));
      return 0;
    }
    return await (await RUNS[name]())(parsed, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`keyway ${name}: ${err.message}\n\n${commandHelp(spec)}`);
      return 2;
    }
    if (err instanceof ConfigError) io.err(`${err.message}\n`);
    else io.err(`keyway ${name}: ${err instanceof CliError ? '' : 'error: '}${(err as Error).message}\n`);
    return 1;
  }
}
