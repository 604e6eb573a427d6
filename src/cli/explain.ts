// `keyway explain`: the decision the configured keyway would make for a token and request, without a server.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Env } from '../config/load.js';
import { loadConfig } from '../config/load.js';
import { createDeps } from '../deps-create.js';
import { explain, explainInput } from '../explain/explain.js';
import { createLogger } from '../infra/log.js';
import { createMetrics } from '../infra/metrics.js';
import { createRuntime } from '../runtime.js';

const USAGE = `usage: keyway explain (--token-file F | --token-file - | --token T) [--method GET] [--host H] [--uri /path]
       [--header 'Name: value']... [--policy NAME]
Loads the config (KEYWAY_CONFIG or env), fetches the keys, and prints the decision as JSON (exit 0 allow, 3 deny).
`;

/** Run explain; prints JSON and returns 0 (allow), 3 (deny) or 2 (usage). */
export async function runExplain(
  argv: string[],
  env: Env,
  out: (text: string) => void,
  readStdin: () => string = () => readFileSync(0, 'utf8'),
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      token: { type: 'string' },
      'token-file': { type: 'string' },
      method: { type: 'string' },
      host: { type: 'string' },
      uri: { type: 'string' },
      header: { type: 'string', multiple: true },
      policy: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    out(USAGE);
    return 0;
  }
  const file = values['token-file'];
  const token = file === '-' ? readStdin().trim() : file ? readFileSync(file, 'utf8').trim() : values.token;
  const headers: Record<string, string> = {};
  for (const line of values.header ?? []) {
    const colon = line.indexOf(':');
    if (colon < 1) {
      out(`explain: --header expects 'Name: value'\n${USAGE}`);
      return 2;
    }
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  const { method, host, uri, policy } = values;
  const input = explainInput.safeParse({ token, method, host, uri, policy, headers });
  if (!input.success) {
    out(`explain: ${input.error.issues.map((i) => i.message).join('; ')}\n${USAGE}`);
    return 2;
  }
  const config = loadConfig(env);
  const runtime = createRuntime(
    createDeps(config, { log: createLogger('silent'), metrics: createMetrics() }),
  );
  try {
    await runtime.start(true);
    const result = await explain(runtime.decide, input.data);
    out(`${JSON.stringify(result, null, 2)}\n`);
    return result['result'] === 'allow' ? 0 : 3;
  } finally {
    await runtime.close();
  }
}
