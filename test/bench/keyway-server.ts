// keyway for `npm run bench`: one HS256 and one ES256 issuer, one policy with claim mappings, no Redis, no routing.
import { parseConfig } from '../../src/config/parse.js';
import { createLogger } from '../../src/infra/log.js';
import { startServer } from '../../src/server.js';

const input = JSON.parse(process.env['BENCH_CONFIG'] ?? '{}') as unknown;
const config = parseConfig(input, 'bench', { readFile: () => '' });
const server = await startServer(config, { deps: { log: createLogger('silent') } });
process.send?.({ port: server.port });
process.on('disconnect', () => void server.close().then(() => process.exit(0)));
