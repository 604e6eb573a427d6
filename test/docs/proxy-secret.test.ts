// Each proxy guide's "The proxy secret" section, checked against what print-config emits for a config with
// server.proxy_secret: the placeholder the guide quotes is in the snippet, and for nginx the guide's commands, run as
// written (paths moved to a temp dir), give a config `nginx -t` accepts — where the snippet as printed is refused.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { registerSecret } from '../helpers/audit.js';
import { EXAMPLE_ENV } from '../helpers/example-env.js';
import { PATH, runCommand } from './doc-run.js';
import { shellCommands } from './shell-commands.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SECRET = `ps-${Math.random().toString(36).slice(2)}-${Date.now().toString(36)}-guide`;
registerSecret(SECRET, 'guide proxy secret');
const env = { HOME: tmpdir(), ...EXAMPLE_ENV, KEYWAY_PROXY_SECRET: SECRET };
/** `node dist/cli.js` of the guides, from this checkout's source (no build needed, any working directory). */
const CLI = `node --import file://${ROOT}node_modules/tsx/dist/loader.mjs ${ROOT}src/cli.ts`;

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function printConfig(proxy: string, kind: string): string {
  const r = spawnSync('bash', ['-c', `${CLI} print-config ${kind}`], {
    cwd: join(ROOT, 'examples', proxy),
    env: { PATH, ...env, KEYWAY_CONFIG: 'keyway.yaml' },
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).not.toContain(SECRET); // the printed file never holds the value
  return r.stdout;
}

const guide = (proxy: string) => readFileSync(join(ROOT, 'examples', proxy, 'README.md'), 'utf8');
const secretSection = (proxy: string) => {
  const text = guide(proxy);
  const start = text.indexOf('## The proxy secret (`server.proxy_secret`)');
  expect(start, `examples/${proxy}/README.md has a proxy secret section`).toBeGreaterThan(0);
  return text.slice(start, text.indexOf('\n## ', start + 1));
};

describe('the proxy secret, per guide', () => {
  it.each([
    ['caddy', 'caddy', 'header_up X-Keyway-Proxy-Secret {env.KEYWAY_PROXY_SECRET}'],
    ['traefik', 'traefik', `X-Keyway-Proxy-Secret: '{{ env "KEYWAY_PROXY_SECRET" }}'`],
    ['traefik', 'traefik-two-hop', `X-Keyway-Proxy-Secret: '{{ env "KEYWAY_PROXY_SECRET" }}'`],
    ['nginx', 'nginx', 'proxy_set_header X-Keyway-Proxy-Secret "${KEYWAY_PROXY_SECRET}";'],
  ])('%s guide: quotes what print-config %s emits', (proxy, kind, line) => {
    expect(secretSection(proxy).replace(/\s+/g, ' ')).toContain(`\`${line}\``);
    expect(printConfig(proxy, kind)).toContain(line);
  });

  it('nginx guide: print-config, then its envsubst line, then nginx -t passes (as printed it fails)', async () => {
    const commands = shellCommands(ROOT, 'examples/nginx/README.md').filter((c) =>
      c.section.startsWith('The proxy secret'),
    );
    expect(commands.map((c) => c.command.split(' ')[0])).toEqual([
      'KEYWAY_CONFIG=/etc/keyway/keyway.yaml',
      '(umask',
      'nginx',
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'keyway-guide-secret-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'tmp'));
    for (const file of ['nginx.conf', 'keyway.yaml', 'routes.yaml'])
      copyFileSync(join(ROOT, 'examples/nginx', file), join(dir, file));
    const local = (command: string) =>
      command
        .replace('/etc/keyway/keyway.yaml', 'keyway.yaml')
        .replace('/etc/nginx/conf.d/keyway.conf', 'keyway.conf')
        .replace('node dist/cli.js', CLI);
    const nginxT = () =>
      spawnSync('/usr/sbin/nginx', ['-t', '-p', `${dir}/`, '-c', 'nginx.conf'], { encoding: 'utf8' });

    const [print, fill, check] = commands;
    const printed = await runCommand(local(print!.command), dir, env);
    expect(printed.code, printed.stderr).toBe(0);
    // Loaded as printed, nginx refuses it, as the guide says.
    copyFileSync(join(dir, 'keyway.conf.template'), join(dir, 'keyway.conf'));
    const refused = nginxT();
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('unknown "keyway_proxy_secret" variable');

    rmSync(join(dir, 'keyway.conf'));
    const filled = await runCommand(local(fill!.command), dir, env);
    expect(filled.code, filled.stderr).toBe(0);
    const conf = readFileSync(join(dir, 'keyway.conf'), 'utf8');
    expect(conf).toContain(`proxy_set_header X-Keyway-Proxy-Secret "${SECRET}";`);
    expect(conf).not.toContain('${KEYWAY_PROXY_SECRET}');
    // nginx's own variables ($host, $request_uri, …) are left alone: the same ones as in the template.
    const variables = (text: string) => text.match(/\$[a-z_]+/g) ?? [];
    const template = readFileSync(join(dir, 'keyway.conf.template'), 'utf8');
    expect(variables(conf)).toEqual(variables(template));
    expect(variables(conf).length).toBeGreaterThan(5);
    expect(statSync(join(dir, 'keyway.conf')).mode & 0o077).toBe(0);
    expect(check!.command).toMatch(/^nginx -t\b/);
    const accepted = nginxT();
    expect(accepted.status, accepted.stderr).toBe(0);
  }, 60_000);
});
