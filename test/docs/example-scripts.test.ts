// examples/<proxy>/run.sh run for real, as the guides show them: every flow checked and exit 0 on free ports; with
// --keep (KEEP=1) the stack stays up, answers, and SIGTERM stops everything it started; a port held by another
// program fails the run loudly (exit 1, the logs kept and their path printed), even one that answers like keyway.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { unusedPort } from '../helpers/ports.js';
import { startRedis } from '../helpers/redis-server.js';
import { PATH } from './doc-run.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FLOWS = 7; // the checked flows of examples/lib.sh demo_flows
const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]*/;

interface ScriptRun {
  readonly child: ChildProcess;
  output(): string;
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Run `examples/<proxy>/run.sh args` from the repository root, as the guides write it. */
function runScript(proxy: string, args: string[], env: Record<string, string> = {}): ScriptRun {
  const child = spawn(join(ROOT, 'examples', proxy, 'run.sh'), args, {
    cwd: ROOT,
    env: { PATH, HOME: process.env['HOME'] ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c));
  child.stderr!.on('data', (c: Buffer) => (output += c));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const run = { child, output: () => output, done };
  running.add(run);
  void done.then(() => running.delete(run));
  return run;
}

/**
 * Run a script to its end, again (at most twice more) when it stopped because a port it picked itself was taken in
 * between (its free_port asks the kernel for one, then a parallel test file may bind it first): that race is this
 * machine's, not the script's. Any other failure is returned as it is.
 */
async function runToEnd(
  proxy: string,
  args: readonly string[],
  env: Record<string, string>,
  what: string,
): Promise<{ run: ScriptRun; code: number | null }> {
  for (let attempt = 1; ; attempt++) {
    const run = runScript(proxy, [...args], env);
    const { code } = await within(run, run.done, 120_000, what);
    if (code === 0 || attempt === 3 || !run.output().includes('EADDRINUSE')) return { run, code };
  }
}

/** Scripts still running (a failed assertion in --keep mode): SIGTERM, which their trap turns into stopping all. */
const running = new Set<ScriptRun>();
afterEach(async () => {
  for (const run of [...running]) {
    run.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([run.done, new Promise((r) => (timer = setTimeout(r, 15_000)))]);
    clearTimeout(timer);
  }
});

/** Resolve within `ms` or kill the script (its trap stops its children) and fail with its output. */
async function within<T>(run: ScriptRun, promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          run.child.kill('SIGTERM');
          reject(new Error(`${what}: not within ${ms} ms; output:\n${run.output()}`));
        }, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const kept: string[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const dir of kept.splice(0)) rmSync(dir, { recursive: true, force: true });
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** The flows' verdicts: every one "ok", none unexpected, the final line printed. */
function expectEveryFlowOk(output: string): void {
  expect(output).not.toContain('UNEXPECTED');
  expect(output.match(/^ {3}ok$/gm)?.length, output).toBe(FLOWS);
  expect(output).toContain('== every flow answered as expected');
}

/** A program on a port that is not the one the script starts: answers every request, like keyway's /healthz. */
async function squatter(): Promise<number> {
  const server = createServer((req, res) => {
    if (req.url === '/healthz')
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    else if (req.url === '/readyz') res.writeHead(200).end('{}');
    else res.writeHead(404).end('not here\n');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function refused(port: number): Promise<boolean> {
  return fetch(`http://127.0.0.1:${port}/`).then(
    () => false,
    () => true,
  );
}

describe('examples/<proxy>/run.sh', () => {
  it.each([
    ['caddy', []],
    ['nginx', []],
    ['traefik', []],
  ] as const)(
    '%s %s: every flow as expected, exit 0, nothing left behind',
    async (proxy, args) => {
      const { run, code } = await runToEnd(proxy, args, {}, `${proxy}/run.sh`);
      expect(code, run.output()).toBe(0);
      expectEveryFlowOk(run.output());
      expect(run.output()).not.toContain('logs kept');
      expect(run.output()).not.toMatch(JWT);
    },
    250_000,
  );

  it.each([
    ['caddy', ['--keep'], ''],
    ['nginx', [], 'KEEP=1 PROXY_PORT=<free port>'],
    ['traefik', ['--keep', '--two-hop'], ''],
  ] as const)(
    '%s %s %s: flows, then the stack stays up and answers; SIGTERM stops all of it',
    async (proxy, args, env) => {
      const given = env ? String(await unusedPort()) : '';
      const run = runScript(proxy, [...args], given ? { KEEP: '1', PROXY_PORT: given } : {});
      await within(
        run,
        new Promise<void>((resolve, reject) => {
          const timer = setInterval(() => {
            if (run.output().includes('   try ')) {
              clearInterval(timer);
              resolve();
            }
          }, 100);
          run.done.then(() => {
            clearInterval(timer);
            reject(new Error(`exited before keeping the stack up:\n${run.output()}`));
          });
        }),
        120_000,
        `${proxy}/run.sh keep`,
      );
      const out = run.output();
      expectEveryFlowOk(out);
      const proxyUrl = /^ {3}proxy +(http:\/\/127\.0\.0\.1:(\d+))$/m.exec(out)!;
      const keywayPort = Number(/^ {3}keyway +http:\/\/127\.0\.0\.1:(\d+),/m.exec(out)![1]);
      const workDir = /^ {3}logs +(\S+)$/m.exec(out)![1]!;
      if (given) expect(proxyUrl[2]).toBe(given);
      // The printed try line reads the token from a 0600 file (no token on stdout, where logs collect it); as
      // printed, the instance token reaches backend i1 (restarted for --keep).
      expect(out).not.toMatch(JWT);
      const tokenFile = /^ {3}try +curl .*Authorization: Bearer \$\(cat (\S+)\)"$/m.exec(out)![1]!;
      expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
      const token = readFileSync(tokenFile, 'utf8').trim();
      const answer = await fetch(`${proxyUrl[1]}/orders`, { headers: { authorization: `Bearer ${token}` } });
      expect(answer.status).toBe(200);
      expect(((await answer.json()) as { backend: string }).backend).toBe('i1');
      expect(existsSync(join(workDir, 'env'))).toBe(true);

      run.child.kill('SIGTERM');
      const { code } = await within(run, run.done, 30_000, 'stop after SIGTERM');
      expect(code).toBe(0);
      expect(await refused(Number(proxyUrl[2]))).toBe(true);
      expect(await refused(keywayPort)).toBe(true);
      expect(existsSync(workDir)).toBe(false);
    },
    150_000,
  );

  it('a given proxy port held by another program: caddy cannot bind, exit 1, its log shown and kept', async () => {
    const port = await squatter();
    const run = runScript('caddy', ['--proxy-port', String(port)]);
    const { code } = await within(run, run.done, 120_000, 'caddy/run.sh with a squatter');
    const out = run.output();
    expect(code, out).toBe(1);
    expect(out).toMatch(/run\.sh: caddy (exited before answering|did not answer as expected)/);
    expect(out).toContain('address already in use');
    const dir = /logs kept in (\S+)/.exec(out)?.[1];
    expect(dir).toBeDefined();
    kept.push(dir!);
    expect(readFileSync(join(dir!, 'proxy.log'), 'utf8')).toContain('address already in use');
    expect(out).not.toContain('== token for instance i1'); // no flow ran against the squatter
  }, 130_000);

  it('KEYWAY_PORT held by a program answering {"status":"ok"} on /healthz: not taken for keyway, exit 1', async () => {
    const port = await squatter();
    const run = runScript('nginx', [], { KEYWAY_PORT: String(port) });
    const { code } = await within(run, run.done, 120_000, 'nginx/run.sh with a fake keyway');
    const out = run.output();
    expect(code, out).toBe(1);
    expect(out).toContain('run.sh: keyway exited before it was up');
    expect(out).toContain(`cannot listen on 127.0.0.1:${port}: EADDRINUSE`);
    const dir = /logs kept in (\S+)/.exec(out)![1]!;
    kept.push(dir);
    expect(readFileSync(join(dir, 'keyway.log'), 'utf8')).toContain('EADDRINUSE');
  }, 130_000);

  it('a backend port held by another program: exit 1 naming the backend; a bad option: exit 2 with usage', async () => {
    const port = await squatter();
    const [i1, i2] = [await unusedPort(), await unusedPort()];
    const run = runScript('traefik', ['--backend-ports', `${i1},${i2},${port}`]);
    const { code } = await within(run, run.done, 120_000, 'traefik/run.sh with a squatter');
    const out = run.output();
    expect(code, out).toBe(1);
    expect(out).toContain('run.sh: backend default exited before answering');
    const dir = /logs kept in (\S+)/.exec(out)![1]!;
    kept.push(dir);
    expect(readdirSync(dir)).toContain('backend-default.log');

    const bad = runScript('caddy', ['--bogus']);
    const result = await within(bad, bad.done, 30_000, 'caddy/run.sh --bogus');
    expect(result.code).toBe(2);
    expect(bad.output()).toContain('usage: examples/caddy/run.sh');
    const badPort = runScript('nginx', ['--proxy-port', 'eighty']);
    expect((await within(badPort, badPort.done, 30_000, 'nginx/run.sh --proxy-port eighty')).code).toBe(2);
    expect(badPort.output()).toContain("proxy port must be a port, got 'eighty'");
    expect(badPort.output()).not.toContain('logs kept in');
    const help = runScript('traefik', ['--help']);
    expect((await within(help, help.done, 30_000, 'traefik/run.sh --help')).code).toBe(0);
    expect(help.output()).toContain('--two-hop');
  }, 130_000);

  it.each([
    ['caddy', ['--two-hop']],
    ['nginx', ['--hop-port', '18090']],
    ['caddy', ['--keyway-port']],
  ] as const)('%s %s: a usage error, exit 2 with usage, and no work dir left behind', async (proxy, args) => {
    const tmp = mkdtempSync(join(tmpdir(), 'keyway-run-usage-'));
    kept.push(tmp);
    const run = runScript(proxy, [...args], { TMPDIR: tmp });
    expect((await within(run, run.done, 30_000, `${proxy}/run.sh ${args.join(' ')}`)).code).toBe(2);
    expect(run.output()).toContain(`usage: examples/${proxy}/run.sh`);
    expect(run.output()).not.toContain('logs kept in');
    expect(readdirSync(tmp)).toEqual([]);
  });

  it("the caller's keyway environment never reaches the demo: flows pass, the given Redis untouched", async () => {
    const redis = await startRedis();
    try {
      const cli = (...args: string[]) =>
        execFileSync('redis-cli', ['-p', String(redis.port), ...args], { encoding: 'utf8' });
      const connections = () => Number(/total_connections_received:(\d+)/.exec(cli('INFO', 'stats'))![1]);
      const before = connections();
      const [port, adminPort] = [await unusedPort(), await unusedPort()];
      const { run, code } = await runToEnd(
        'caddy',
        [],
        {
          PORT: String(port),
          HOST: '0.0.0.0',
          ADMIN_PORT: String(adminPort),
          REDIS_URL: redis.url,
          KEYWAY_PROXY_SECRET: 'p'.repeat(40),
          KEYWAY_PROXY_SECRET_PREVIOUS: 'q'.repeat(40),
          KEYWAY_CONFIG: '/nonexistent/keyway.yaml',
          KEYWAY_CONFIG_YAML: 'issuers: []\n',
          KEYWAY_ISSUER: 'https://idp.invalid/',
          KEYWAY_ADMIN_TOKEN: 'caller-admin-token-not-the-demos',
          LOG_LEVEL: 'error',
          NODE_ENV: 'production',
        },
        'caddy/run.sh with a keyway environment',
      );
      expect(code, run.output()).toBe(0);
      expectEveryFlowOk(run.output());
      // Nothing connected to the caller's Redis (this INFO is the one connection since `before`), nothing written.
      expect(connections()).toBe(before + 1);
      expect(cli('DBSIZE').trim()).toBe('0');
      expect(run.output()).not.toContain(`:${port}`);
    } finally {
      await redis.close();
    }
  }, 250_000);
});
