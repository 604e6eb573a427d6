// `npm run bench`: keyway against a bare hono floor and a naive hono + jose service in one run, driven by wrk.
// Each subject runs as its own process pinned to CPU 0, wrk (1 thread, 64 connections) pinned to CPU 1; 1,000
// distinct tokens per pool; a warm-up run discarded; every scenario measured in each of ROUNDS interleaved rounds,
// medians printed with the ratio to the floor. `-- --quick`: one short round (about a minute). No assertions: numbers.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPools, ISSUERS, type Pools } from './pools.js';

const quick = process.argv.includes('--quick');
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const ROUNDS = env('BENCH_ROUNDS', quick ? 1 : 3);
const WARMUP = env('BENCH_WARMUP', quick ? 1 : 3);
const SECONDS = env('BENCH_SECONDS', quick ? 3 : 10);
const CONNECTIONS = env('BENCH_CONNECTIONS', 64);
const TOKENS = env('BENCH_TOKENS', 1000);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HERE = fileURLToPath(new URL('.', import.meta.url));
const PORT = 18_400;

type Kind = 'floor' | 'naive' | 'keyway';
interface Scenario {
  readonly name: string;
  readonly kind: Kind;
  readonly pool: string;
  /** The status every request must get (a sanity check before measuring). */
  readonly status: number;
  readonly limits?: Record<string, unknown>;
  readonly log?: Record<string, unknown>;
}

const ALL_SCENARIOS: readonly Scenario[] = [
  { name: 'bare hono (floor)', kind: 'floor', pool: 'RS256', status: 200 },
  {
    name: 'keyway warm RS256, every allow logged',
    kind: 'keyway',
    pool: 'RS256',
    status: 200,
    log: { allow_lines: 'all' },
  },
  ...(['RS256', 'ES256', 'EdDSA', 'HS256'] as const).flatMap((alg): Scenario[] => [
    { name: `naive hono+jose ${alg}`, kind: 'naive', pool: alg, status: 200 },
    { name: `keyway warm ${alg}`, kind: 'keyway', pool: alg, status: 200 },
    {
      name: `keyway no cache ${alg}`,
      kind: 'keyway',
      pool: alg,
      status: 200,
      limits: { verified_cache_size: 0 },
    },
  ]),
  { name: 'keyway deny missing_token', kind: 'keyway', pool: 'missing_token', status: 401 },
  { name: 'keyway deny bad_signature', kind: 'keyway', pool: 'bad_signature', status: 401 },
];

/** BENCH_ONLY: a regular expression on scenario names (the floor always runs: every ratio is to it). */
const only = process.env['BENCH_ONLY'] === undefined ? undefined : new RegExp(process.env['BENCH_ONLY'], 'i');
const SCENARIOS = ALL_SCENARIOS.filter((s) => s.kind === 'floor' || only === undefined || only.test(s.name));

interface Sample {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly cpuUsPerReq: number;
  readonly rssMb: number;
  readonly errors: number;
  readonly unexpected: number;
  readonly jwksFetches: number;
}

function requireTools(): { pin: boolean } {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore', timeout: 5_000 });
  } catch (err) {
    // wrk --version exits 1 after printing its version; only a missing binary is fatal.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      console.error('npm run bench needs wrk, an external load generator: apt-get install -y wrk');
      process.exit(2);
    }
  }
  let pin = cpus().length >= 2;
  try {
    execFileSync('taskset', ['-c', '0', 'true'], { timeout: 5_000 });
  } catch {
    pin = false;
  }
  if (!pin)
    console.warn('warning: fewer than 2 cores or no taskset: server and wrk share cores (numbers are lower)');
  return { pin };
}

const pinned = (pin: boolean, cpu: number, cmd: string, args: string[]): [string, string[]] =>
  pin ? ['taskset', ['-c', String(cpu), cmd, ...args]] : [cmd, args];

function keywayConfig(dir: string, pools: Pools, scenario: Scenario): string {
  const file = join(dir, 'keyway.json');
  const config = {
    server: { host: '127.0.0.1', port: PORT },
    issuers: [
      { name: 'jwks', issuer: ISSUERS.jwks, jwks_uri: pools.jwksUrl, audiences: ['api'] },
      { name: 'hs', issuer: ISSUERS.hs, hs_secrets: [pools.hsSecret], audiences: ['api'] },
    ],
    policies: [{ name: 'default', headers: { 'X-User-Email': 'email' } }],
    ...(scenario.limits ? { limits: scenario.limits } : {}),
    ...(scenario.log ? { log: scenario.log } : {}),
  };
  writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
  return file;
}

function startSubject(dir: string, pools: Pools, scenario: Scenario, pin: boolean): ChildProcess {
  const log = openSync(join(dir, `${scenario.name.replace(/\W+/g, '-')}.log`), 'a');
  const base = { ...process.env, NODE_ENV: 'production', PORT: String(PORT) };
  const [cmd, args] =
    scenario.kind === 'keyway'
      ? pinned(pin, 0, process.execPath, [join(ROOT, 'dist/cli.js'), 'serve'])
      : pinned(pin, 0, process.execPath, [
          '--import',
          'tsx',
          join(HERE, scenario.kind === 'floor' ? 'bare-server.ts' : 'naive-server.ts'),
        ]);
  const extra =
    scenario.kind === 'keyway'
      ? { KEYWAY_CONFIG: keywayConfig(dir, pools, scenario) }
      : { JWKS_URL: pools.jwksUrl, HS_SECRET: pools.hsSecret, ISSUERS: Object.values(ISSUERS).join(',') };
  return spawn(cmd, args, {
    cwd: ROOT,
    env: { ...base, ...extra },
    stdio: ['ignore', log, log],
    detached: true,
  });
}

async function waitReady(child: ChildProcess, token: string | undefined, status: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  let last = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`subject exited with ${child.exitCode}`);
    try {
      const res = await fetch(`http://127.0.0.1:${PORT}/auth`, {
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          'x-forwarded-method': 'GET',
          'x-forwarded-host': 'app.bench.test',
          'x-forwarded-uri': '/api/v1/items/1',
        },
      });
      await res.arrayBuffer();
      if (res.status === status) return;
      last = `status ${res.status} ${res.headers.get('x-auth-reason') ?? ''}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`subject not answering ${status}: ${last}`);
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(-child.pid, 'SIGTERM');
  const hard = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 10_000);
  return exited.finally(() => clearTimeout(hard));
}

const TICK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICK;
}
function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/);
  return Number(line?.[1] ?? 0) / 1024;
}

function wrk(
  pin: boolean,
  seconds: number,
  file: string,
): { requests: number; duration_us: number; p50_us: number; p99_us: number; errors: number; non2xx: number } {
  const [cmd, args] = pinned(pin, 1, 'wrk', [
    '-t1',
    `-c${CONNECTIONS}`,
    `-d${seconds}s`,
    '--latency',
    '-s',
    join(HERE, 'forward-auth.lua'),
    `http://127.0.0.1:${PORT}/auth`,
    '--',
    file,
  ]);
  const out = execFileSync(cmd, args, { timeout: (seconds + 30) * 1000 }).toString();
  const json = out.split('\n').find((l) => l.startsWith('BENCH_JSON '));
  if (!json) throw new Error(`wrk printed no result:\n${out}`);
  return JSON.parse(json.slice('BENCH_JSON '.length));
}

async function measure(dir: string, pools: Pools, scenario: Scenario, pin: boolean): Promise<Sample> {
  const child = startSubject(dir, pools, scenario, pin);
  try {
    const first = readFileSync(pools.files[scenario.pool]!, 'utf8').split('\n')[0];
    await waitReady(child, first === '-' ? undefined : first, scenario.status);
    wrk(pin, WARMUP, pools.files[scenario.pool]!);
    const fetchesBefore = pools.fetches();
    const cpuBefore = cpuSeconds(child.pid!);
    const r = wrk(pin, SECONDS, pools.files[scenario.pool]!);
    const cpu = cpuSeconds(child.pid!) - cpuBefore;
    // wrk counts non-2xx as errors: for a deny scenario those are the expected answers.
    const unexpected = scenario.status === 200 ? r.non2xx : r.requests - r.non2xx;
    return {
      rps: r.requests / (r.duration_us / 1e6),
      p50: r.p50_us / 1000,
      p99: r.p99_us / 1000,
      cpuUsPerReq: (cpu * 1e6) / r.requests,
      rssMb: rssMb(child.pid!),
      errors: r.errors,
      unexpected,
      jwksFetches: pools.fetches() - fetchesBefore,
    };
  } finally {
    await stop(child);
  }
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main(): Promise<void> {
  const { pin } = requireTools();
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit', timeout: 120_000 });
  const dir = mkdtempSync(join(tmpdir(), 'keyway-bench-'));
  const pools = await createPools(dir, TOKENS);
  const samples = new Map<string, Sample[]>(SCENARIOS.map((s) => [s.name, []]));
  try {
    for (let round = 1; round <= ROUNDS; round++)
      for (const scenario of SCENARIOS) {
        const sample = await measure(dir, pools, scenario, pin);
        samples.get(scenario.name)!.push(sample);
        console.error(`round ${round}/${ROUNDS} ${scenario.name}: ${sample.rps.toFixed(0)} req/s`);
      }
  } finally {
    await pools.close();
  }
  const med = (name: string, f: (s: Sample) => number) => median(samples.get(name)!.map(f));
  const floor = med(SCENARIOS[0]!.name, (s) => s.rps);
  const model = cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `\n${model}, ${cpus().length} cores, node ${process.version}; ${pin ? 'server on CPU 0, wrk on CPU 1' : 'unpinned'}; ` +
      `wrk -t1 -c${CONNECTIONS}; ${TOKENS} tokens per pool; ${ROUNDS} round(s) of ${SECONDS}s after ${WARMUP}s warm-up (medians)\n`,
  );
  console.log(
    '| scenario | req/s | × floor | p50 ms | p99 ms | server CPU µs/req | RSS MB | × naive | errors | JWKS fetches |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const rows: Record<string, unknown>[] = [];
  for (const s of SCENARIOS) {
    const rps = med(s.name, (x) => x.rps);
    const alg = s.pool;
    const naive = SCENARIOS.find((n) => n.kind === 'naive' && n.pool === alg);
    const vsNaive = s.kind === 'keyway' && naive ? (rps / med(naive.name, (x) => x.rps)).toFixed(2) : '';
    const errors = samples.get(s.name)!.reduce((n, x) => n + x.errors + x.unexpected, 0);
    const fetches = samples.get(s.name)!.reduce((n, x) => n + x.jwksFetches, 0);
    const row = {
      scenario: s.name,
      rps,
      ratio: rps / floor,
      p50: med(s.name, (x) => x.p50),
      p99: med(s.name, (x) => x.p99),
      cpu: med(s.name, (x) => x.cpuUsPerReq),
      rss: med(s.name, (x) => x.rssMb),
    };
    rows.push({ ...row, samples: samples.get(s.name) });
    console.log(
      `| ${s.name} | ${rps.toFixed(0)} | ${row.ratio.toFixed(2)} | ${row.p50.toFixed(2)} | ${row.p99.toFixed(2)} | ` +
        `${row.cpu.toFixed(1)} | ${row.rss.toFixed(0)} | ${vsNaive} | ${errors} | ${fetches} |`,
    );
  }
  writeFileSync(join(dir, 'results.json'), JSON.stringify({ model, pin, ROUNDS, SECONDS, rows }, null, 2));
  console.log(`\nraw samples and subject logs: ${dir}`);
}

await main();
