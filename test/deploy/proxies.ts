// Run the deploy/ proxy configs through the real Caddy and nginx installed here, on loopback. A deploy config names
// platform addresses (compose service names, Fly placeholders); `localize` is the one documented transform that turns
// them into this machine's free ports, applied to the file's text — never a separate copy kept in the repository.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BindConflictError, ownsListeningPort, saysAddressInUse } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait-for.js';

/** Replace each address (`keyway:8081`, `app-v1:80`, a listen `8080`) by its loopback stand-in, longest first. */
export function localize(text: string, addresses: Readonly<Record<string, string>>): string {
  let out = text;
  for (const from of Object.keys(addresses).sort((a, b) => b.length - a.length))
    out = out.split(from).join(addresses[from]!);
  return out;
}

/**
 * What the nginx image's entrypoint does to /etc/nginx/templates/*.template: replace ${NAME} for the variables set in
 * its environment only (nginx's own $variables stay).
 */
export function envsubst(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (m, name: string) => env[name] ?? m);
}

export interface RunningProxy {
  stop(): Promise<void>;
}

function supervise(
  name: string,
  child: ChildProcess,
  port: number,
  cleanup: () => void,
): Promise<RunningProxy> {
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c));
  child.stderr?.on('data', (c: Buffer) => (output += c));
  const stop = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        cleanup();
        resolve();
      };
      if (child.exitCode !== null || child.signalCode !== null) return done();
      const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
      child.once('exit', () => {
        clearTimeout(kill);
        done();
      });
      child.kill('SIGTERM');
    });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) =>
      reject(
        saysAddressInUse(output)
          ? new BindConflictError(name, port, output)
          : new Error(`${name} exited ${code}:\n${output}`),
      ),
    ),
  );
  exited.catch(() => undefined);
  // The child holding the port, not a connect to it: whoever took the port would accept that too.
  const bound = () => child.pid !== undefined && ownsListeningPort(child.pid, port);
  return Promise.race([waitFor(`${name} to listen on ${port}`, bound, 15_000, 25), exited]).then(
    () => ({ stop }),
    async (err: unknown) => {
      await stop();
      throw err;
    },
  );
}

/** Start Caddy on a Caddyfile text with `env` (its {$VAR} and {env.VAR} placeholders), wait for `port`. */
export function startCaddy(
  caddyfile: string,
  env: Record<string, string>,
  port: number,
): Promise<RunningProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'keyway-deploy-caddy-'));
  writeFileSync(join(dir, 'Caddyfile'), caddyfile);
  const child = spawn('caddy', ['run', '--config', 'Caddyfile', '--adapter', 'caddyfile'], {
    cwd: dir,
    env: { PATH: process.env['PATH'] ?? '', HOME: dir, XDG_CONFIG_HOME: dir, XDG_DATA_HOME: dir, ...env },
  });
  return supervise('caddy', child, port, () => rmSync(dir, { recursive: true, force: true }));
}

/** The http {} wrapper the nginx image's nginx.conf gives conf.d/*.conf, runnable unprivileged with a prefix. */
function nginxConf(): string {
  return `daemon off;
worker_processes 1;
pid nginx.pid;
error_log stderr warn;
events { worker_connections 256; }
http {
	access_log off;
	client_body_temp_path tmp/client_body;
	proxy_temp_path tmp/proxy;
	fastcgi_temp_path tmp/fastcgi;
	uwsgi_temp_path tmp/uwsgi;
	scgi_temp_path tmp/scgi;
	include keyway.conf;
}
`;
}

function nginxDir(snippet: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'keyway-deploy-nginx-'));
  chmodSync(dir, 0o755); // nginx workers run as an unprivileged user when the master is root
  mkdirSync(join(dir, 'tmp'));
  writeFileSync(join(dir, 'nginx.conf'), nginxConf());
  writeFileSync(join(dir, 'keyway.conf'), snippet);
  return dir;
}

/** `nginx -t` on an http {} snippet: { ok, output }. */
export function testNginx(snippet: string): { ok: boolean; output: string } {
  const dir = nginxDir(snippet);
  const r = spawnSync('/usr/sbin/nginx', ['-t', '-p', `${dir}/`, '-c', 'nginx.conf'], {
    encoding: 'utf8',
    timeout: 15_000,
  });
  rmSync(dir, { recursive: true, force: true });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

/** Start nginx on an http {} snippet (what conf.d/keyway.conf holds in the image), wait for `port`. */
export function startNginx(snippet: string, port: number): Promise<RunningProxy> {
  const dir = nginxDir(snippet);
  const child = spawn('/usr/sbin/nginx', ['-p', `${dir}/`, '-c', 'nginx.conf'], { cwd: dir });
  return supervise('nginx', child, port, () => rmSync(dir, { recursive: true, force: true }));
}

/** What Traefik's file provider does to `{{ env "NAME" }}` (a Go template with Sprig's env) when it loads the file. */
export function traefikEnv(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(
    /\{\{\s*env\s+"([A-Za-z_][A-Za-z0-9_]*)"\s*\}\}/g,
    (_m, name: string) => env[name] ?? '',
  );
}
