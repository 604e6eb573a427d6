// No Docker engine here: replay deploy/Dockerfile's ARG/COPY/RUN/WORKDIR/ENV steps in temp dirs, with the build
// context filtered by .dockerignore as `docker build` filters it, then run the final stage's ENTRYPOINT + CMD as the
// image's non-root USER with the image's env and an inline config (KEYWAY_CONFIG_YAML), run its HEALTHCHECK, and stop
// it with its STOPSIGNAL — so a step that would fail in `docker build` or `docker run` fails here.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { unusedPort } from '../helpers/ports.js';
import { HS_SECRET } from '../helpers/tokens.js';

interface Stage {
  readonly name: string;
  root: string;
  workdir: string;
  env: Record<string, string>;
  args: Record<string, string>;
  user: string;
  entrypoint: string[];
  cmd: string[];
  healthcheck: string[];
  stopSignal: NodeJS.Signals;
  labels: Record<string, string>;
}

const repo = process.cwd();
const scratch = mkdtempSync(join(tmpdir(), 'keyway-docker-'));
chmodSync(scratch, 0o755); // the image's user (not root) must reach the replayed /app
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

/** A .dockerignore pattern as a regexp over context-relative paths (`*` within a segment, `**` across). */
function globRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/^\/+|\/+$/g, '')
    .split('')
    .map((c) => (/[.+^${}()|[\]\\]/.test(c) ? `\\${c}` : c))
    .join('')
    .split(/\*\*\/?/)
    .map((part) => part.replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]'))
    .join('.*');
  return new RegExp(`^${body}(/.*)?$`);
}

/** Docker's rule: the last matching pattern wins; a `!pattern` re-includes. */
function createIgnore(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => ({ include: l.startsWith('!'), re: globRegExp(l.replace(/^!/, '')) }));
  return (path) => {
    let ignored = false;
    for (const rule of rules) if (rule.re.test(path)) ignored = !rule.include;
    return ignored;
  };
}
const ignored = createIgnore(readFileSync(join(repo, '.dockerignore'), 'utf8'));

/** Replace ${NAME} / $NAME with build args (Docker substitutes them in FROM, COPY, ENV, LABEL, WORKDIR). */
const substitute = (text: string, args: Record<string, string>) =>
  text.replace(/\$\{(\w+)\}|\$(\w+)/g, (m, a?: string, b?: string) => args[(a ?? b)!] ?? m);

/** Shell-like words: "quoted strings" kept whole (LABEL k="a b", ENV k=v). */
const pairs = (text: string) =>
  [...text.matchAll(/([\w.-]+)=("(?:[^"\\]|\\.)*"|\S+)/g)].map(
    ([, k, v]) => [k!, v!.startsWith('"') ? (JSON.parse(v!) as string) : v!] as const,
  );

async function replay(dockerfile: string): Promise<Stage[]> {
  const stages: Stage[] = [];
  const globalArgs: Record<string, string> = {};
  let stage: Stage | undefined;
  for (const raw of dockerfile.replace(/\\\n/g, ' ').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [op, ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (op === 'ARG') {
      const [name, value = ''] = args.split('=');
      if (stage) stage.args[name!] = substitute(value, stage.args);
      else globalArgs[name!] = value;
      continue;
    }
    if (op === 'FROM') {
      const name = / AS (\S+)/i.exec(args)?.[1] ?? `stage${stages.length}`;
      const image = substitute(args.split(/\s+/)[0]!, globalArgs);
      stage = {
        name,
        root: join(scratch, name),
        workdir: '/',
        env: {},
        args: { NODE_IMAGE: image },
        user: 'root',
        entrypoint: [],
        cmd: [],
        healthcheck: [],
        stopSignal: 'SIGTERM',
        labels: {},
      };
      mkdirSync(stage.root, { recursive: true });
      stages.push(stage);
      continue;
    }
    if (!stage) throw new Error(`${op} before FROM`);
    const here = join(stage.root, stage.workdir);
    const text = substitute(args, { ...stage.args, ...stage.env });
    if (op === 'WORKDIR') {
      stage.workdir = text;
      mkdirSync(join(stage.root, text), { recursive: true });
    } else if (op === 'COPY') {
      const from = /--from=(\S+)/.exec(text)?.[1];
      const parts = text.replace(/--\w+=\S+\s+/g, '').split(/\s+/);
      const dest = parts.pop()!;
      const source = from ? stages.find((s) => s.name === from)!.root : repo;
      for (const p of parts) {
        // From the context, a path .dockerignore excludes does not exist for the build.
        if (!from && ignored(p)) throw new Error(`COPY ${p}: excluded by .dockerignore`);
        const target = dest.endsWith('/') ? join(here, dest, p.replace(/^.*\//, '')) : join(here, dest);
        cpSync(join(source, p), target, {
          recursive: true,
          filter: (src) => from !== undefined || !ignored(relative(repo, src)),
        });
      }
    } else if (op === 'RUN') {
      await runStep(text, here, { ...process.env, ...npmBounds, ...stage.env });
    } else if (op === 'ENV') {
      for (const [k, v] of pairs(text)) stage.env[k] = v;
    } else if (op === 'LABEL') {
      for (const [k, v] of pairs(text)) stage.labels[k] = v;
    } else if (op === 'USER') stage.user = text;
    else if (op === 'STOPSIGNAL') stage.stopSignal = text as NodeJS.Signals;
    else if (op === 'HEALTHCHECK')
      stage.healthcheck = JSON.parse(text.replace(/^.*?\bCMD\s+/, '')) as string[];
    else if (op === 'ENTRYPOINT') stage.entrypoint = JSON.parse(args) as string[];
    else if (op === 'CMD') stage.cmd = JSON.parse(args) as string[];
  }
  return stages;
}

/** uid/gid of a user of this machine (the image's `node` user is uid 1000; else `nobody`): never root. */
function unprivileged(name: string): { uid: number; gid: number } {
  const passwd = readFileSync('/etc/passwd', 'utf8').split('\n');
  const entry = passwd.find((l) => l.startsWith(`${name}:`)) ?? passwd.find((l) => l.startsWith('nobody:'));
  const [, , uid, gid] = (entry ?? 'nobody:x:65534:65534').split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** Every file under `dir`, relative to it. */
function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path, base) : [relative(base, path)];
  });
}

const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string };
const dockerfile = readFileSync(join(repo, 'deploy/Dockerfile'), 'utf8');

describe('.dockerignore', () => {
  it('keeps dependencies, git, build output and local secrets out of the context; keeps what the build copies', () => {
    for (const path of [
      'node_modules/hono/package.json',
      '.git/HEAD',
      'dist/cli.js',
      '.env',
      'test/e2e/x.ts',
    ])
      expect([path, ignored(path)]).toEqual([path, true]);
    for (const path of ['package.json', 'package-lock.json', 'tsconfig.json', 'src/cli.ts'])
      expect([path, ignored(path)]).toEqual([path, false]);
  });
});

describe('deploy/Dockerfile (steps replayed without an engine)', () => {
  it('pins a current Node LTS image by exact version, labels the version, checks health without curl', () => {
    const image = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1] ?? '';
    expect(image).toMatch(/^node:(22|24)\.\d+\.\d+-bookworm-slim$/);
    expect(dockerfile).toMatch(/^FROM \$\{NODE_IMAGE\} AS build$/m);
    expect(/^ARG VERSION=(\S+)$/m.exec(dockerfile)?.[1]).toBe(pkg.version);
    expect(dockerfile).toContain('org.opencontainers.image.version="${VERSION}"');
    // The health check runs node (in the image already): no curl or wget, and no package installed for one.
    expect(dockerfile.replace(/\\\n\s*/g, '')).toMatch(/^HEALTHCHECK [^\n]*CMD \["node", "-e", /m);
    expect(dockerfile).not.toMatch(/^RUN .*(apt-get|apk) /m);
  });

  it('builds, prunes dev dependencies, runs as non-root with an inline config, is healthy, exits 0 on SIGTERM', async () => {
    const stages = await replay(dockerfile);
    const final = stages.at(-1)!;
    const app = join(final.root, final.workdir);
    expect(final.labels['org.opencontainers.image.version']).toBe(pkg.version);
    expect(final.user).not.toBe('root');
    expect(() => readFileSync(join(app, 'dist/cli.js'))).not.toThrow();
    // Production image: no dev toolchain, no sources, no tests.
    expect(() => readFileSync(join(app, 'node_modules/typescript/package.json'))).toThrow();
    expect(listFiles(app).filter((f) => /^(src|test)\//.test(f) || /^dist\/.*\.test\.js$/.test(f))).toEqual(
      [],
    );
    const port = await unusedPort();
    const { uid, gid } = unprivileged(final.user);
    const env = {
      PATH: process.env['PATH'] ?? '',
      ...final.env,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      // The config as a Fly/Kubernetes secret delivers it: the YAML itself, its secret from another variable.
      KEYWAY_CONFIG_YAML:
        'issuers:\n  - issuer: https://idp.example\n    hs_secrets: ["${HS_SECRET}"]\npolicies:\n  - name: default\n',
      HS_SECRET,
    };
    const [cmd, ...args] = [...final.entrypoint, ...final.cmd];
    const node = (c: string | undefined) => (c === 'node' ? process.execPath : c!);
    let stderr = '';
    child = spawn(node(cmd), args, { cwd: app, env, uid, gid, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (c: Buffer) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      status = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.status,
        () => 0,
      );
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect([status, stderr]).toEqual([200, '']);
    // The HEALTHCHECK command, as the engine runs it inside the container (same env, same user).
    const [hc, ...hcArgs] = final.healthcheck;
    const health = spawnSync(node(hc), hcArgs, { cwd: app, env, uid, gid, timeout: 10_000 });
    expect(health.status).toBe(0);
    child.kill(final.stopSignal);
    expect(await exited).toBe(0);
    child = undefined;
    // With keyway stopped the same check fails: it really probed.
    expect(spawnSync(node(hc), hcArgs, { cwd: app, env, uid, gid, timeout: 10_000 }).status).toBe(1);
  }, 600_000);
});
