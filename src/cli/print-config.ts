// `keyway print-config KIND`: the proxy snippet for the loaded config (see src/proxy-config/print-config.ts).
import { loadConfig } from '../config/load.js';
import { type ProxyKind, printProxyConfig } from '../proxy-config/print-config.js';
import type { CommandRun } from './command-run.js';

/** Print the snippet; a config error (exit 1) names what the proxy cannot be told. */
export const runPrintConfig: CommandRun = async ({ values, positional }, io) => {
  const str = (name: string) => values[name] as string | undefined;
  io.out(
    printProxyConfig(positional as ProxyKind, loadConfig(io.env), {
      listen: str('listen'),
      keyway: str('keyway'),
      hop: str('hop'),
      app: str('app'),
    }),
  );
  return 0;
};
