// `keyway check-config`: load and validate the config exactly as serve does, print a summary; ConfigError otherwise.
import { loadConfig } from '../config/load.js';
import type { CommandRun } from './command-run.js';

/** Exit 0 with a one-line summary; a ConfigError (exit 1, every problem) when the config is invalid. */
export const runCheckConfig: CommandRun = async (_parsed, io) => {
  const config = loadConfig(io.env);
  io.out(
    `config ok: ${config.source} (${config.issuers.length} issuers, ${config.policies.length} policies)\n`,
  );
  return 0;
};
