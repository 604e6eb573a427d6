// `keyway explain`: the decision the configured keyway would make for a token and request, without a server.
import { readFileSync } from 'node:fs';
import { createDeps } from '../deps-create.js';
import { explain, explainInput } from '../explain/explain.js';
import { createGeneration } from '../generation.js';
import { createLogger } from '../infra/log.js';
import { createMetrics } from '../infra/metrics.js';
import { createProcess } from '../process.js';
import type { CliIo, CommandRun } from './command-run.js';
import { resolveStartup } from './startup.js';
import { CliError, UsageError } from './usage-error.js';

async function readToken(values: Readonly<Record<string, unknown>>, io: CliIo): Promise<string | undefined> {
  const file = values['token-file'] as string | undefined;
  const token = values['token'] as string | undefined;
  if (file !== undefined && token !== undefined)
    throw new UsageError('give --token or --token-file, not both');
  if (file === undefined) {
    if (token !== undefined && token.trim() === '') throw new UsageError('--token is empty: give the token');
    return token;
  }
  let text: string;
  try {
    text = file === '-' ? await io.readStdin() : readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(
      `--token-file ${file}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  // An empty file is not a malformed token: say what is wrong with the input, not with an Authorization header.
  if (text.trim() === '')
    throw new CliError(
      `--token-file ${file}: ${file === '-' ? 'stdin is empty' : 'the file is empty'}: put the token (the compact JWS) in it`,
    );
  return text.trim();
}

function parseHeaders(lines: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon < 1) throw new UsageError(`--header ${JSON.stringify(line)}: expected 'Name: value'`);
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/** Run explain; prints JSON and returns 0 (allow) or 3 (deny). */
export const runExplain: CommandRun = async ({ values }, io) => {
  const token = await readToken(values, io);
  const headers = parseHeaders((values['header'] as string[] | undefined) ?? []);
  const { method, host, uri, policy } = values;
  const input = explainInput.safeParse({ token, method, host, uri, policy, headers });
  if (!input.success)
    throw new UsageError(input.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  // The same startup resolution as serve: the config, or in dev mode the running dev server's issuer.
  const startup = await resolveStartup(io.env, { devKeysFromServer: true });
  if (!startup.ok) throw startup.error;
  const { config, dev } = startup;
  const wanted = input.data.policy;
  if (wanted !== undefined && !config.policies.some((p) => p.name === wanted))
    throw new UsageError(
      `--policy ${wanted}: no such policy in ${config.source} (configured: ${config.policies.map((p) => p.name).join(', ') || 'none'})`,
    );
  if (dev)
    io.err(
      `explain: dev mode (no config source): explaining against the running dev server's issuer, its keys read from ${new URL(dev.jwksPath, dev.issuer).href} — start \`keyway serve\` (or \`keyway dev\`) with the same PORT first\n`,
    );
  const deps = createDeps(config, { log: createLogger('silent'), metrics: createMetrics() });
  const proc = createProcess(config, deps);
  try {
    const generation = createGeneration(proc, config);
    // keyway explain decides at once: it waits for the first key fetches and the first revocation load.
    const revocationLoaded = proc.start();
    await generation.start(true);
    await revocationLoaded;
    const result = await explain({ ...generation, clock: deps.clock }, input.data);
    io.out(`${JSON.stringify(result, null, 2)}\n`);
    return result['result'] === 'allow' ? 0 : 3;
  } finally {
    await proc.close();
  }
};
