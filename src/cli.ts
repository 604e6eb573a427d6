#!/usr/bin/env node
// The `keyway` command: serve (default) | dev | keygen | mint | revoke | explain | check-config | print-config.
import { parseArgs } from 'node:util';
import { runExplain } from './cli/explain.js';
import { runKeygen } from './cli/keygen.js';
import { runMint } from './cli/mint.js';
import { runRevokeCommand } from './cli/revoke.js';
import { loadConfig } from './config/load.js';
import { ConfigError } from './errors.js';
import { runServe } from './main.js';
import { printProxyConfig } from './proxy-config/print-config.js';
import { VERSION } from './version.js';

const USAGE = `usage: keyway <command>
  serve                      run the service (default; dev mode when no issuer is configured)
  dev                        run with the embedded development issuer
  keygen [--alg ES256] [--kid K] [--out DIR]
  mint ...                   sign a test token (keyway mint --help)
  revoke ...                 revoke a token or subject (Redis or admin API)
  explain --token-file F [--host H] [--uri /p] [--method M]   the decision for a token, as JSON
  check-config               validate KEYWAY_CONFIG / KEYWAY_CONFIG_YAML / env and exit
  --version                  print the version and exit
  print-config caddy|nginx|traefik|traefik-two-hop|fly [--listen :8080] [--keyway host:port] [--hop addr]
`;

const PRINT_CONFIG_USAGE = `usage: keyway print-config caddy|nginx|traefik|traefik-two-hop|fly [options]
  Print the proxy's keyway snippet for KEYWAY_CONFIG: forward auth, the header strip/copy lists (every header keyway
  can emit, policy mappings included) and, with routing, the upstream allowlist guard.
  --listen ADDR     where the proxy listens (default :8080)
  --keyway ADDR     where the proxy reaches keyway (default: server.host:server.port of the config)
  --hop ADDR        traefik-two-hop: the address of the second (routing) entrypoint (default 127.0.0.1:8090)
  --target KIND     the same as the positional KIND; --target fly: nginx on Fly.io, every name re-resolved
                    through Fly's DNS [fdaa::3] per request (default --keyway keyway.flycast:8081)
`;

const write = (text: string) => process.stdout.write(text);

async function run(argv: string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv;
  const env = process.env;
  switch (command) {
    case 'serve':
      await runServe(env);
      return -1;
    case 'dev':
      await runServe(env, { forceDev: true });
      return -1;
    case 'keygen':
      return runKeygen(rest, write);
    case 'mint':
      return runMint(rest, env, write);
    case 'revoke':
      return runRevokeCommand(rest, env, (line) => write(`${line}\n`));
    case 'explain':
      return runExplain(rest, env, write);
    case 'check-config': {
      const config = loadConfig(env);
      write(
        `config ok: ${config.source} (${config.issuers.length} issuers, ${config.policies.length} policies)\n`,
      );
      return 0;
    }
    case 'print-config': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          listen: { type: 'string' },
          keyway: { type: 'string' },
          hop: { type: 'string' },
          target: { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
      });
      if (values.help) {
        write(PRINT_CONFIG_USAGE);
        return 0;
      }
      const kind = values.target ?? positionals[0];
      if (
        (values.target !== undefined && positionals.length > 0) ||
        (kind !== 'caddy' &&
          kind !== 'nginx' &&
          kind !== 'traefik' &&
          kind !== 'traefik-two-hop' &&
          kind !== 'fly')
      ) {
        write(USAGE);
        return 2;
      }
      write(
        printProxyConfig(kind, loadConfig(env), {
          listen: values.listen,
          keyway: values.keyway,
          hop: values.hop,
        }),
      );
      return 0;
    }
    case '--version':
    case 'version':
      write(`keyway ${VERSION}\n`);
      return 0;
    default:
      write(USAGE);
      return command === 'help' || command === '--help' ? 0 : 2;
  }
}

run(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      err instanceof ConfigError ? `${err.message}\n` : `keyway: ${(err as Error).message}\n`,
    );
    process.exitCode = 1;
  },
);
