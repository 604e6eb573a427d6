// The path-bypass e2e stack: the framework-echo backend, keyway (in-process) with `api-admin` (/api/admin, scope
// admin) before `api` (/api), and real Caddy or nginx running exactly what `keyway print-config` prints for it.
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { parseConfig } from '../../src/config/parse.js';
import type { Config } from '../../src/config/types.js';
import { createLogger } from '../../src/infra/log.js';
import { printProxyConfig } from '../../src/proxy-config/print-config.js';
import { startServer } from '../../src/server.js';
import { registerSecret, registerToken } from '../helpers/audit.js';
import { type FrameworkEcho, startFrameworkEcho } from '../helpers/framework-echo.js';
import { createLogCapture } from '../helpers/log-capture.js';
import { answersAs, BindConflictError, retryOnBindConflict, saysAddressInUse } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait-for.js';

export type BypassProxy = 'caddy' | 'nginx';

export interface BypassStack {
  readonly proxyPort: number;
  readonly keywayPort: number;
  readonly echo: FrameworkEcho;
  readonly config: Config;
  /** A token of issuer e2e with the given scope claim. */
  mint(sub: string, scope: string): Promise<string>;
  close(): Promise<void>;
}

const SECRET = 'path-bypass-e2e-secret-0123456789abcdef';
registerSecret(SECRET, 'path-bypass e2e HS secret');
const ISSUER = 'https://issuer.path-bypass.test';

/** The Caddyfile or nginx.conf around the printed snippet, as examples/<proxy>/ wraps it. */
function proxyFiles(kind: BypassProxy, snippet: string): Record<string, string> {
  if (kind === 'caddy') return { Caddyfile: `{\n\tadmin off\n\tauto_https off\n}\n\n${snippet}` };
  return {
    'nginx.conf': `daemon off;
worker_processes 1;
pid nginx.pid;
error_log stderr warn;
events {
\tworker_connections 64;
}
http {
\taccess_log off;
\tclient_body_temp_path tmp/client_body;
\tproxy_temp_path tmp/proxy;
\tfastcgi_temp_path tmp/fastcgi;
\tuwsgi_temp_path tmp/uwsgi;
\tscgi_temp_path tmp/scgi;
${snippet}
}
`,
  };
}

function startProxy(kind: BypassProxy, dir: string): ChildProcess {
  if (kind === 'caddy') {
    const env = { PATH: process.env['PATH'] ?? '', HOME: dir, XDG_CONFIG_HOME: dir, XDG_DATA_HOME: dir };
    return spawn('caddy', ['run', '--config', 'Caddyfile', '--adapter', 'caddyfile'], { cwd: dir, env });
  }
  mkdirSync(join(dir, 'tmp'));
  return spawn('/usr/sbin/nginx', ['-p', `${dir}/`, '-c', 'nginx.conf'], { cwd: dir });
}

/** Stop a child: SIGTERM, then SIGKILL after 5 s, so no test leaves one behind. */
function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Start the echo backend, keyway (on port 0) and the proxy on loopback; started again on a new proxy port when the
 *  one picked was taken meanwhile. close() stops all of them. */
export function startBypassStack(kind: BypassProxy): Promise<BypassStack> {
  return retryOnBindConflict(1, ([proxyPort]) => startBypassStackOn(kind, proxyPort!));
}

async function startBypassStackOn(kind: BypassProxy, proxyPort: number): Promise<BypassStack> {
  const cleanups: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const echo = await startFrameworkEcho('/api/admin');
    cleanups.push(() => echo.close());
    const config = parseConfig(
      {
        server: { host: '127.0.0.1', port: 0 },
        admin: { host: '127.0.0.1', port: 0 },
        issuers: [{ name: 'e2e', issuer: ISSUER, hs_secrets: [SECRET] }],
        policies: [
          { name: 'api-admin', match: { paths: ['/api/admin'] }, scopes: ['admin'] },
          { name: 'api', match: { paths: ['/api'] } },
        ],
        routing: { default_upstreams: [echo.address], health: { enabled: false } },
      },
      'path-bypass-stack',
      { readFile: () => '' },
    );
    const keyway = await startServer(config, { deps: { log: createLogger('warn', createLogCapture()) } });
    cleanups.push(() => keyway.close());
    const dir = mkdtempSync(join(tmpdir(), `keyway-path-bypass-${kind}-`));
    chmodSync(dir, 0o755); // nginx workers run as an unprivileged user when the master is root
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const keywayPort = keyway.port;
    const snippet = printProxyConfig(kind, config, {
      listen: `127.0.0.1:${proxyPort}`,
      keyway: `127.0.0.1:${keywayPort}`,
    });
    for (const [name, text] of Object.entries(proxyFiles(kind, snippet)))
      writeFileSync(join(dir, name), text);
    const child = startProxy(kind, dir);
    let output = '';
    child.stdout?.on('data', (c: Buffer) => (output += c));
    child.stderr?.on('data', (c: Buffer) => (output += c));
    cleanups.push(() => stopChild(child));
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) =>
        reject(
          saysAddressInUse(output)
            ? new BindConflictError(kind, proxyPort, output)
            : new Error(`${kind} exited ${code}:\n${output}`),
        ),
      ),
    );
    exited.catch(() => undefined);
    // Its own answer (Server: nginx / Caddy), not a connect: whoever took the port would accept that too.
    const server = kind === 'caddy' ? /caddy/i : /nginx/i;
    await Promise.race([
      waitFor(`${kind} on ${proxyPort}`, () => answersAs(proxyPort, server), 15_000, 25),
      exited,
    ]);
    const key = new TextEncoder().encode(SECRET);
    return {
      proxyPort,
      keywayPort,
      echo,
      config,
      mint: async (sub, scope) => {
        const token = await new SignJWT({ iss: ISSUER, sub, scope })
          .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
          .setIssuedAt()
          .setExpirationTime('10m')
          .sign(key);
        registerToken(token);
        return token;
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
