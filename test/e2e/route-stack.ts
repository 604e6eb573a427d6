// One e2e stack: demo backends, keyway (in-process startServer) and a proxy running a per-test copy of an example.
import { type ChildProcess, spawn } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { type DemoBackend, startDemoBackend } from '../../examples/demo-backend.js';
import { readConfigFile } from '../../src/config/load.js';
import { parseConfig } from '../../src/config/parse.js';
import type { Config } from '../../src/config/types.js';
import { createLogger } from '../../src/infra/log.js';
import { startServer } from '../../src/main.js';
import { EXAMPLE_ENV } from '../helpers/example-env.js';
import { createLogCapture } from '../helpers/log-capture.js';
import { answersAs, unusedPort } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait-for.js';
import { startTraefikEmulator } from './traefik-forward-auth-emulator.js';

/** The proxies the e2e flows run through. */
export type ProxyKind = 'caddy' | 'nginx' | 'traefik' | 'traefik-two-hop';

/** A running e2e stack and the knobs the flows turn. */
export interface Stack {
  readonly url: string;
  readonly config: Config;
  /** Where the proxy expects keyway (free again after stopKeyway()). */
  readonly keywayPort: number;
  /** Backend name (i1, i2, default) → its `host:port`. */
  readonly upstreams: Readonly<Record<string, string>>;
  mint(claims: Record<string, unknown>): Promise<string>;
  stopBackend(name: string): Promise<void>;
  startBackend(name: string): Promise<void>;
  stopKeyway(): Promise<void>;
  close(): Promise<void>;
}

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
// The fixed ports of the examples, replaced by free ones in each test's copy.
const EXAMPLE_PORTS = {
  proxy: 18080,
  keyway: 18081,
  admin: 18082,
  hop: 18090,
  i1: 19001,
  i2: 19002,
  default: 19003,
};

/** Copy examples/<dir> to a temp dir with every example port replaced by a free one. */
function copyExample(dir: string, ports: Record<string, number>): string {
  const out = mkdtempSync(join(tmpdir(), `keyway-e2e-${dir}-`));
  chmodSync(out, 0o755); // nginx workers run as an unprivileged user when the master is root
  const swap = new Map(Object.entries(EXAMPLE_PORTS).map(([k, v]) => [String(v), String(ports[k])]));
  for (const file of readdirSync(join(EXAMPLES, dir))) {
    const text = readFileSync(join(EXAMPLES, dir, file), 'utf8');
    writeFileSync(
      join(out, file),
      text.replace(/\b(1808[0-2]|18090|1900[1-3])\b/g, (p) => swap.get(p) ?? p),
    );
  }
  cpSync(join(EXAMPLES, 'demo-backend.ts'), join(out, 'demo-backend.ts'));
  return out;
}

/** Start the proxy for `kind` on the configs in `dir` (the layout of examples/<dir>) and wait for `port`. */
export async function startProxy(
  kind: ProxyKind,
  dir: string,
  port: number,
): Promise<{ stop(): Promise<void> }> {
  if (kind === 'traefik' || kind === 'traefik-two-hop') {
    const emulator = await startTraefikEmulator(
      join(dir, kind === 'traefik' ? 'traefik.yml' : 'traefik-two-hop.yml'),
    );
    return { stop: () => emulator.close() };
  }
  let child: ChildProcess;
  let output = '';
  if (kind === 'caddy') {
    const env = { PATH: process.env['PATH'] ?? '', HOME: dir, XDG_CONFIG_HOME: dir, XDG_DATA_HOME: dir };
    child = spawn('caddy', ['run', '--config', 'Caddyfile', '--adapter', 'caddyfile'], { cwd: dir, env });
  } else {
    mkdirSync(join(dir, 'tmp'));
    child = spawn('/usr/sbin/nginx', ['-p', `${dir}/`, '-c', 'nginx.conf'], { cwd: dir });
  }
  child.stdout?.on('data', (c: Buffer) => (output += c));
  child.stderr?.on('data', (c: Buffer) => (output += c));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      // Graceful first; a proxy still draining after 5 s is killed so no test leaves one behind.
      const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`${kind} exited ${code}:\n${output}`))),
  );
  exited.catch(() => undefined); // stopping the proxy later is not an error
  try {
    // Its own answer (Server: nginx / Caddy), not a connect: whoever took the port would accept that too.
    const server = kind === 'caddy' ? /caddy/i : /nginx/i;
    await Promise.race([waitFor(`${kind} on ${port}`, () => answersAs(port, server), 15_000, 25), exited]);
  } catch (err) {
    await stop();
    throw err;
  }
  return { stop };
}

/**
 * Start backends i1, i2, default, keyway and the proxy for `kind`, all on free loopback ports; retried (after cleaning
 * up) when a port picked as free was taken by a parallel test file in the meantime.
 */
export async function startStack(kind: ProxyKind, attempts = 3): Promise<Stack> {
  for (let attempt = 1; ; attempt++) {
    const cleanups: (() => Promise<void>)[] = [];
    try {
      return await startStackOnce(kind, cleanups);
    } catch (err) {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
      const text = String((err as Error)?.message ?? err);
      if (attempt >= attempts || !/EADDRINUSE|address already in use|nothing listens/i.test(text)) throw err;
      process.stdout.write(`[${kind}] stack start failed (${text.split('\n')[0]}); retrying on new ports\n`);
    }
  }
}

async function startStackOnce(kind: ProxyKind, cleanups: (() => Promise<void>)[]): Promise<Stack> {
  const ports: Record<string, number> = {};
  for (const name of Object.keys(EXAMPLE_PORTS)) ports[name] = await unusedPort();
  const dir = copyExample(kind.startsWith('traefik') ? 'traefik' : kind, ports);
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  const backends = new Map<string, DemoBackend>();
  cleanups.push(() => Promise.all([...backends.values()].map((b) => b.close())).then(() => undefined));
  const startBackend = async (name: string) => {
    backends.set(name, await startDemoBackend(name, ports[name]!));
  };
  for (const name of ['i1', 'i2', 'default']) await startBackend(name);

  const doc = readConfigFile(join(dir, 'keyway.yaml'), EXAMPLE_ENV) as { routing: Record<string, unknown> };
  doc.routing['table_file'] = join(dir, 'routes.yaml');
  const config = parseConfig(doc, join(dir, 'keyway.yaml'), { readFile: (p) => readFileSync(p, 'utf8') });
  let keyway: { close(): Promise<void> } | undefined = await startServer(config, {
    deps: { log: createLogger('debug', createLogCapture()) },
  });
  cleanups.push(async () => keyway?.close());
  await waitFor(
    'keyway to be ready',
    async () => (await fetch(`http://127.0.0.1:${ports['keyway']}/readyz`)).status === 200,
    10_000,
    50,
  );
  const proxy = await startProxy(kind, dir, ports['proxy']!);
  const issuer = config.issuers[0]!;
  return {
    url: `http://127.0.0.1:${ports['proxy']}`,
    config,
    keywayPort: ports['keyway']!,
    upstreams: {
      i1: `127.0.0.1:${ports['i1']}`,
      i2: `127.0.0.1:${ports['i2']}`,
      default: `127.0.0.1:${ports['default']}`,
    },
    mint: (claims) =>
      new SignJWT({ iss: issuer.issuer, aud: 'shop', ...claims })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(issuer.hs_secrets[0]!.key),
    stopBackend: async (name) => {
      await backends.get(name)?.close();
      backends.delete(name);
    },
    startBackend,
    stopKeyway: async () => {
      await keyway?.close();
      keyway = undefined;
    },
    close: async () => {
      await proxy.stop();
      for (const cleanup of cleanups.reverse()) await cleanup();
    },
  };
}
