// `npm run bench`: keyway vs a bare hono server in the same run, same load generator; prints throughput, latency, ratios.
import { type ChildProcess, fork } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createKeyPair, HS_SECRET, mint } from '../helpers/tokens.js';

const DURATION_MS = Number(process.env['BENCH_SECONDS'] ?? 5) * 1000;
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 32);

function start(
  script: string,
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(fileURLToPath(new URL(script, import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve({ child, port: (m as { port: number }).port }));
    child.once('exit', (code) => reject(new Error(`${script} exited ${code}`)));
  });
}

interface Result {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly statuses: Record<number, number>;
}

async function load(port: number, headers: Record<string, string>): Promise<Result> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  const deadline = Date.now() + DURATION_MS;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const t0 = process.hrtime.bigint();
      const req = request({ host: '127.0.0.1', port, path: '/auth', agent, headers }, (res) => {
        res.resume();
        res.on('end', () => {
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
          statuses[res.statusCode ?? 0] = (statuses[res.statusCode ?? 0] ?? 0) + 1;
          resolve();
        });
      });
      req.on('error', reject);
      req.end();
    });
  const worker = async () => {
    while (Date.now() < deadline) await one();
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))] ?? 0;
  return { rps: latencies.length / ((Date.now() - started) / 1000), p50: at(0.5), p99: at(0.99), statuses };
}

const es = await createKeyPair('ES256', 'bench-es');
const config = {
  issuers: [
    { name: 'hs', issuer: 'https://hs.bench', hs_secrets: [HS_SECRET], audiences: ['api'] },
    { name: 'es', issuer: 'https://es.bench', keys: [{ jwk: es.publicJwk }], audiences: ['api'] },
  ],
  policies: [{ name: 'api', headers: { 'X-User-Email': 'email' } }],
  log: { level: 'silent' },
  server: { host: '127.0.0.1', port: 0 },
};
const claims = {
  aud: 'api',
  sub: 'bench-user',
  email: 'b@bench',
  tenant: 't',
  service: 's',
  version: 'v',
  instance: 'i',
};
const hsToken = await mint(
  { ...claims, iss: 'https://hs.bench', exp: Math.floor(Date.now() / 1000) + 3600 },
  { secret: HS_SECRET },
);
const esToken = await mint(
  { ...claims, iss: 'https://es.bench', exp: Math.floor(Date.now() / 1000) + 3600 },
  es,
);

const bare = await start('./bare-server.ts');
const keyway = await start('./keyway-server.ts', { BENCH_CONFIG: JSON.stringify(config) });
// The same keyway with the verified-token cache off: every request pays the signature check.
const uncached = await start('./keyway-server.ts', {
  BENCH_CONFIG: JSON.stringify({ ...config, limits: { verified_cache_size: 0 } }),
});
const forwarded = {
  'x-forwarded-method': 'GET',
  'x-forwarded-host': 'app.bench',
  'x-forwarded-uri': '/api/items',
};
try {
  const scenarios: [string, number, Record<string, string>][] = [
    ['bare hono (baseline)', bare.port, forwarded],
    ['keyway allow HS256', keyway.port, { ...forwarded, authorization: `Bearer ${hsToken}` }],
    ['keyway allow ES256', keyway.port, { ...forwarded, authorization: `Bearer ${esToken}` }],
    ['keyway allow HS256, no cache', uncached.port, { ...forwarded, authorization: `Bearer ${hsToken}` }],
    ['keyway allow ES256, no cache', uncached.port, { ...forwarded, authorization: `Bearer ${esToken}` }],
    ['keyway deny missing_token', keyway.port, forwarded],
  ];
  const results: [string, Result][] = [];
  for (const [name, port, headers] of scenarios) {
    await load(port, headers); // warm-up pass, discarded
    results.push([name, await load(port, headers)]);
  }
  const base = results[0]![1];
  console.log(`\n${CONCURRENCY} connections, ${DURATION_MS / 1000}s per scenario, loopback, same machine\n`);
  console.log(
    'scenario                       req/s     p50 ms   p99 ms   throughput vs bare   p50 vs bare   statuses',
  );
  for (const [name, r] of results) {
    console.log(
      `${name.padEnd(29)} ${r.rps.toFixed(0).padStart(8)} ${r.p50.toFixed(2).padStart(9)} ${r.p99.toFixed(2).padStart(8)}` +
        `   ${(r.rps / base.rps).toFixed(2).padStart(14)}x   ${(r.p50 / base.p50).toFixed(2).padStart(9)}x   ${JSON.stringify(r.statuses)}`,
    );
  }
} finally {
  bare.child.disconnect();
  keyway.child.disconnect();
  uncached.child.disconnect();
}
