// `keyway serve` and `keyway dev`: start the server (io.serve, src/main.ts's runServe) and keep the process running.
import { type CommandRun, SERVING } from './command-run.js';

/** `keyway serve`: the configured service (dev mode when no config source exists). */
export const runServeCommand: CommandRun = async (_parsed, io) => {
  await io.serve(io.env, {});
  return SERVING;
};

/** `keyway dev`: the embedded development issuer, whatever the config says about issuers. */
export const runDevCommand: CommandRun = async (_parsed, io) => {
  await io.serve(io.env, { forceDev: true });
  return SERVING;
};
