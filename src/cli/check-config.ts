// `keyway check-config`: run every check `serve` runs before it listens (resolveStartup), report every problem at once.
import type { CommandRun } from './command-run.js';
import { resolveStartup } from './startup.js';

/** Exit 0 when `serve` would start (one summary line on stdout), 1 with every problem on stderr. */
export const runCheckConfig: CommandRun = async (_parsed, io) => {
  const startup = await resolveStartup(io.env);
  if (!startup.ok) {
    const n = startup.error.issues.length;
    io.err(
      `${startup.error.message}\n${n} problem${n === 1 ? '' : 's'}: \`keyway serve\` would refuse to start\n`,
    );
    return 1;
  }
  const { config } = startup;
  if (startup.devReason === 'no_config')
    io.out(
      'config ok: no config source; `keyway serve` runs DEV MODE (the embedded dev issuer, not for production)\n',
    );
  else
    io.out(
      `config ok: ${config.source} (${config.issuers.length} issuers, ${config.policies.length} policies)\n`,
    );
  return 0;
};
