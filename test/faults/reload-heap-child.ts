// Run by reload-heap.test.ts as `node --expose-gc --import tsx reload-heap-child.ts RELOADS TOKENS MODE`: keyway's
// server (startServer, the production wiring) in this process, reloaded RELOADS times, its verified-token cache
// refilled with TOKENS tokens after every reload. MODE `policy` changes a policy setting only (every pooled part is
// kept); `parts` alternates two configs that differ in the issuer's key source and the routing section too, so every
// reload builds a new key store and router and the sweep releases the old ones. Each token carries a 5 KB claim (under the 8 KB cached-token cap), so a
// runtime kept alive by mistake holds ~0.3 MB and a leak stands far above the heap's noise. Prints one JSON line:
// the heap after GC before and after the reloads.
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { parseConfig } from '../../src/config/parse.js';
import { startServer } from '../../src/server.js';
import { createTestKey, startJwksServer } from '../helpers/jwks-server.js';

const RELOADS = Number(process.argv[2] ?? 50);
const TOKENS = Number(process.argv[3] ?? 60);
const MODE = process.argv[4] === 'parts' ? 'parts' : 'policy';
const WARMUP = 10;
const PAD = 5_000;
const ISSUER = 'https://idp.heap.test';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

async function heapAfterGc(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc!();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
}

const idp = await startJwksServer();
const key = createTestKey('heap-k1');
idp.setKeys([key.jwk]);
let generation = 0;
// Every reload is a change (a policy setting), so each one builds and swaps a whole new generation; in `parts` mode
// the JWKS URL (same keys, another query) and the default upstream alternate as well.
const load = () => {
  const odd = generation++ % 2;
  const parts = MODE === 'parts' ? odd : 0;
  return parseConfig(
    {
      server: { host: '127.0.0.1', port: 0, watch_config: false },
      log: { level: 'silent' },
      limits: { verified_cache_size: TOKENS },
      issuers: [{ name: 'idp', issuer: ISSUER, jwks_uri: `${idp.jwksUrl}?generation=${parts}` }],
      policies: [{ name: 'api', max_header_value_bytes: 1024 + odd }],
      routing: { default_upstreams: [`127.0.0.1:${10_001 + parts}`], health: { enabled: false } },
    },
    'reload-heap',
    { readFile: () => '' },
  );
};
const server = await startServer(load(), { loadConfig: load });
const now = Math.floor(Date.now() / 1000);
const tokens = await Promise.all(
  Array.from({ length: TOKENS }, (_, i) =>
    key.sign({
      iss: ISSUER,
      sub: `u${i}`,
      iat: now,
      exp: now + 900,
      pad: randomBytes(PAD / 2).toString('hex'),
    }),
  ),
);
const agent = new Agent({ keepAlive: true, maxSockets: 16 });
// startServer loads keys in the background: wait for them before the first request.
for (let i = 0; i < 200 && (await fetch(`http://127.0.0.1:${server.port}/readyz`)).status !== 200; i++)
  await new Promise((r) => setTimeout(r, 50));

function auth(token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        path: '/auth',
        agent,
        headers: { authorization: `Bearer ${token}` },
      },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.setTimeout(5_000, () => req.destroy(new Error('timeout')));
    req.once('error', reject);
    req.end();
  });
}

/** One reload, then every token once (16 at a time): the new runtime's cache is full again. */
async function cycle(): Promise<void> {
  const result = await server.reload();
  if (!result.ok) throw new Error(`reload refused: ${result.problems.join('; ')}`);
  for (let i = 0; i < tokens.length; i += 16) {
    const statuses = await Promise.all(tokens.slice(i, i + 16).map(auth));
    if (statuses.some((s) => s !== 200)) throw new Error(`a valid token was denied: ${statuses.join(',')}`);
  }
}

for (let i = 0; i < WARMUP; i++) await cycle();
const before = await heapAfterGc();
for (let i = 0; i < RELOADS; i++) await cycle();
const after = await heapAfterGc();
agent.destroy();
await server.close();
await idp.close();
const jwksFetches = idp.count();
process.stdout.write(
  `${JSON.stringify({ mode: MODE, reloads: RELOADS, tokens: TOKENS, jwksFetches, before, after })}\n`,
);
process.exit(0);
