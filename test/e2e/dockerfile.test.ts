// No Docker engine here: replay deploy/Dockerfile's COPY/RUN/WORKDIR steps in temp dirs, then run the final
// stage's ENTRYPOINT + CMD and probe it — so a step that would fail in `docker build` fails here.
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';

interface Stage {
  readonly name: string;
  root: string;
  workdir: string;
  env: Record<string, string>;
  entrypoint: string[];
  cmd: string[];
}

const repo = process.cwd();
const scratch = mkdtempSync(join(tmpdir(), 'keyway-docker-'));
let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
});

// A RUN step is bounded: a registry that stops answering fails this test instead of hanging the run. The npm
// settings stand in for a build cache (reuse what this machine already downloaded) and bound each fetch.
const RUN_TIMEOUT_MS = 240_000;
const npmBounds = {
  npm_config_prefer_offline: 'true',
  npm_config_fetch_retries: '1',
  npm_config_fetch_timeout: '60000',
};

/** Run a shell command in its own process group; past the bound the whole group is killed and this rejects. */
function runStep(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const sh = spawn('sh', ['-c', command], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4_000);
    };
    sh.stdout.on('data', keep);
    sh.stderr.on('data', keep);
    const timer = setTimeout(() => {
      try {
        process.kill(-sh.pid!, 'SIGKILL');
      } catch {}
    }, RUN_TIMEOUT_MS);
    sh.once('error', reject);
    sh.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `RUN ${command} ended with ${signal ?? `exit ${code}`} (bound ${RUN_TIMEOUT_MS} ms):\n${output}`,
          ),
        );
    });
  });
}

async function replay(dockerfile: string): Promise<Stage[]> {
  const stages: Stage[] = [];
  let stage: Stage | undefined;
  for (const raw of dockerfile.replace(/\\\n/g, ' ').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [op, ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (op === 'FROM') {
      const name = / AS (\S+)/i.exec(args)?.[1] ?? `stage${stages.length}`;
      stage = { name, root: join(scratch, name), workdir: '/', env: {}, entrypoint: [], cmd: [] };
      mkdirSync(stage.root, { recursive: true });
      stages.push(stage);
      continue;
    }
    if (!stage) throw new Error(`${op} before FROM`);
    const here = join(stage.root, stage.workdir);
    if (op === 'WORKDIR') {
      stage.workdir = args;
      mkdirSync(join(stage.root, args), { recursive: true });
    } else if (op === 'COPY') {
      const from = /^--from=(\S+)\s+/.exec(args);
      const parts = args.replace(/^--from=\S+\s+/, '').split(/\s+/);
      const dest = parts.pop()!;
      const source = from ? stages.find((s) => s.name === from[1])!.root : repo;
      for (const p of parts) {
        const target = dest.endsWith('/') ? join(here, dest, p.replace(/^.*\//, '')) : join(here, dest);
        cpSync(join(source, p.startsWith('/') ? p : p), target, { recursive: true });
      }
    } else if (op === 'RUN') {
      await runStep(args, here, { ...process.env, ...npmBounds, ...stage.env });
    } else if (op === 'ENV') {
      for (const m of args.matchAll(/(\w+)=(\S+)/g)) stage.env[m[1]!] = m[2]!;
    } else if (op === 'ENTRYPOINT') stage.entrypoint = JSON.parse(args) as string[];
    else if (op === 'CMD') stage.cmd = JSON.parse(args) as string[];
  }
  return stages;
}

describe('deploy/Dockerfile (steps replayed without an engine)', () => {
  it('builds, prunes dev dependencies, and the final stage serves /healthz', async () => {
    const stages = await replay(readFileSync(join(repo, 'deploy/Dockerfile'), 'utf8'));
    const final = stages.at(-1)!;
    const app = join(final.root, final.workdir);
    expect(() => readFileSync(join(app, 'dist/cli.js'))).not.toThrow();
    // Production image: no dev toolchain.
    expect(() => readFileSync(join(app, 'node_modules/typescript/package.json'))).toThrow();
    const port = await freePort();
    const secretFile = join(scratch, 'hs-secret');
    writeFileSync(secretFile, 'docker-test-secret-0123456789abcdefghij');
    const [cmd, ...args] = [...final.entrypoint, ...final.cmd];
    child = spawn(cmd === 'node' ? process.execPath : cmd!, args, {
      cwd: app,
      // The image sets NODE_ENV=production, where dev mode is refused: give it the env quick start.
      env: {
        PATH: process.env['PATH'] ?? '',
        ...final.env,
        PORT: String(port),
        LOG_LEVEL: 'warn',
        KEYWAY_ISSUER: 'https://idp.example',
        KEYWAY_HS_SECRET_FILE: secretFile,
      },
      stdio: 'ignore',
    });
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      status = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.status,
        () => 0,
      );
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
  }, 600_000);
});
