// Buffered log lines are not lost when the process exits: every decision line of the last requests before a
// SIGTERM reaches stdout, and so does the line of a fatal start error.
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type KeywayProcess, listeningPorts, spawnKeyway, within } from '../helpers/keyway-process.js';

const SECRET = 'log-flush-test-secret-0123456789-abcdef';
const config = (port: number) =>
  `server: { host: 127.0.0.1, port: ${port}, shutdown_timeout: 5s }\n` +
  `issuers:\n  - issuer: https://flush.test\n    hs_secrets: ["${SECRET}"]\npolicies:\n  - name: api\n`;

/** One request on its own connection (closed after), so the drain has nothing to wait for. */
const get = (port: number) =>
  new Promise<number>((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/auth', agent: false, headers: { connection: 'close' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });

async function ready(kw: KeywayProcess, port: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (kw.child.exitCode !== null) throw new Error(`keyway exited:\n${kw.output()}`);
    try {
      await get(port);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`keyway did not listen:\n${kw.output()}`);
}

let kw: KeywayProcess | undefined;
afterEach(() => kw?.kill());

describe('buffered log output', () => {
  it('the decision lines of requests answered just before SIGTERM are all written', async () => {
    kw = spawnKeyway(config(0), { NODE_ENV: 'production' });
    const { port } = await listeningPorts(kw);
    await ready(kw, port);
    for (let i = 0; i < 5; i++) expect(await get(port)).toBe(401);
    kw.child.kill('SIGTERM');
    expect((await within(kw.exited, 10_000, 'exit after SIGTERM')).code).toBe(0);
    const out = kw.output();
    // ready() got one answer (its decision line is counted too).
    expect((out.match(/"msg":"decision"/g) ?? []).length).toBe(6);
    expect(out).toMatch(/"reason":"missing_token"/);
    expect(out).toContain('shutting down');
  });

  it('a start that fails (port taken) still writes its last log lines before exiting 1', async () => {
    const first = spawnKeyway(config(0), { NODE_ENV: 'production' });
    kw = first;
    const { port } = await listeningPorts(first);
    await ready(first, port);
    const second = spawnKeyway(config(port), { NODE_ENV: 'production' });
    try {
      const { code } = await within(second.exited, 15_000, 'second instance exit');
      expect(code).toBe(1);
      expect(second.output()).toMatch(/EADDRINUSE/);
    } finally {
      second.kill();
    }
  });

  it('a line still in the buffer when process.exit runs is written (pino flushes on exit)', () => {
    const script =
      "import { createLogger } from './src/infra/log.ts';" +
      "createLogger('info').info('last words'); process.exit(0);";
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('"msg":"last words"');
  });
});
