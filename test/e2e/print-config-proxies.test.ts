// print-config is honest about upstreams for every proxy: without routing it proxies to the one application (--app)
// and claims no allowlist; with routing it guards with the allowlist; an allowlist it cannot use is refused. Each
// Caddy and nginx output goes through real `caddy validate` and `nginx -t`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseConfig } from '../../src/config/parse.js';
import { ConfigError } from '../../src/errors.js';
import { type ProxyKind, printProxyConfig } from '../../src/proxy-config/print-config.js';
import { testNginx } from '../deploy/proxies.js';
import { spawnCli } from '../helpers/cli.js';

const KINDS: readonly ProxyKind[] = ['caddy', 'nginx', 'traefik', 'traefik-two-hop', 'fly'];
const config = (routing: Record<string, unknown>) =>
  parseConfig({ routing }, 'keyway.yaml', { readFile: () => '' });

/** `caddy validate` on a Caddyfile: { ok, output }. */
function validateCaddy(caddyfile: string): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'keyway-print-caddy-'));
  writeFileSync(join(dir, 'Caddyfile'), caddyfile);
  const r = spawnSync('caddy', ['validate', '--config', 'Caddyfile', '--adapter', 'caddyfile'], {
    cwd: dir,
    env: { PATH: process.env['PATH'] ?? '', HOME: dir, XDG_CONFIG_HOME: dir, XDG_DATA_HOME: dir },
    encoding: 'utf8',
    timeout: 30_000,
  });
  rmSync(dir, { recursive: true, force: true });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

/** The proxy accepts the snippet: caddy validate, nginx -t, or (Traefik, not installable) a YAML document. */
function expectAccepted(kind: ProxyKind, text: string): void {
  if (kind === 'caddy') {
    const r = validateCaddy(text);
    expect([r.ok, r.output]).toEqual([true, expect.stringContaining('Valid configuration')]);
  } else if (kind === 'nginx' || kind === 'fly') {
    const r = testNginx(text);
    expect([r.ok, r.output]).toEqual([true, expect.stringContaining('test is successful')]);
  } else expect(() => parseYaml(text)).not.toThrow();
}

describe('print-config without routing: the one application, no allowlist claimed, no dead guard', () => {
  it.each(KINDS)('%s', (kind) => {
    const text = printProxyConfig(kind, config({}), { app: 'app.internal:8000' });
    expect(text).toContain(
      '# No routing configured (no route table, no default_upstreams): every allowed request goes to app.internal:8000 (--app).\n',
    );
    expect(text).not.toMatch(/allowlist/i);
    expect(text).not.toContain('127.0.0.1:3000');
    expect(text).not.toContain('keyway_no_upstream');
    expect(text).not.toContain('$keyway_target');
    expect(text).not.toContain('keyway-hop');
    const expected: Record<ProxyKind, string> = {
      caddy: '\t\treverse_proxy app.internal:8000\n',
      nginx: '\t\tproxy_pass http://app.internal:8000;\n',
      fly: '\t\tset $keyway_app app.internal:8000;\n\t\tproxy_pass http://$keyway_app;\n',
      traefik: '      service: app\n',
      'traefik-two-hop': '      service: app\n',
    };
    expect(text).toContain(expected[kind]);
    if (kind.startsWith('traefik')) expect(text).toContain('          - url: http://app.internal:8000\n');
    // nginx resolves an upstream name at load: a name that does not resolve here would fail nginx -t.
    expectAccepted(
      kind,
      kind === 'nginx' ? printProxyConfig(kind, config({}), { app: '127.0.0.1:8000' }) : text,
    );
  });

  it('--app defaults to 127.0.0.1:3000, said in the header', () => {
    expect(printProxyConfig('caddy', config({}))).toContain(
      'every allowed request goes to 127.0.0.1:3000 (--app)',
    );
  });
});

describe('print-config with routing: the allowlist guards the upstream for every proxy', () => {
  const routed = config({
    upstream_allowlist: ['127.0.0.1:9001', '127.0.0.1:9002'],
    default_upstreams: ['127.0.0.1:9001'],
  });
  it.each(KINDS)('%s', (kind) => {
    const text = printProxyConfig(kind, routed);
    expect(text).toContain('# Upstream allowlist from routing.upstream_allowlist.\n');
    const expected: Record<ProxyKind, string[]> = {
      caddy: [
        '@keyway_upstream header_regexp X-Route-Upstream ^(127\\.0\\.0\\.1:9001|127\\.0\\.0\\.1:9002)$',
      ],
      nginx: [
        '\t"127.0.0.1:9001" keyway_upstream_1;\n',
        '\t"127.0.0.1:9002" keyway_upstream_2;\n',
        'proxy_pass http://$keyway_target;',
      ],
      fly: [
        '\t"127.0.0.1:9001" "127.0.0.1:9001";\n',
        '\t"127.0.0.1:9002" "127.0.0.1:9002";\n',
        'proxy_pass http://$keyway_target;',
      ],
      traefik: ['rule: Header(`X-Route-Upstream`, `127.0.0.1:9002`)'],
      'traefik-two-hop': [
        'entryPoints: [keyway-hop]\n      rule: Header(`X-Route-Upstream`, `127.0.0.1:9002`)',
      ],
    };
    for (const line of expected[kind]) expect(text).toContain(line);
    expect(text).not.toContain('127.0.0.1:3000');
    expectAccepted(kind, text);
  });
});

describe('print-config refuses an allowlist it cannot express', () => {
  it.each(KINDS)(
    '%s: upstream_allowlist without a route source → ConfigError naming the key and the fix',
    (kind) => {
      const noRoutes = config({ upstream_allowlist: ['app:80'] });
      expect(() => printProxyConfig(kind, noRoutes)).toThrow(ConfigError);
      expect(() => printProxyConfig(kind, noRoutes)).toThrow(
        /routing\.upstream_allowlist: set, but there is no route source \(routing\.table_file, routing\.redis: true or routing\.default_upstreams\).*--app ADDR/,
      );
    },
  );

  it.each(KINDS)('%s: a Redis route table with no upstream to allow → ConfigError', (kind) => {
    expect(() => printProxyConfig(kind, config({ redis: true }))).toThrow(
      /routing: no upstream to allow .* set routing\.upstream_allowlist/,
    );
  });

  it('the CLI: exit 1 with the config source and the problem on stderr, nothing on stdout', async () => {
    const r = await spawnCli(['print-config', 'nginx'], {
      KEYWAY_CONFIG_YAML: 'routing:\n  upstream_allowlist: [app:80]\n',
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^invalid config KEYWAY_CONFIG_YAML:\n {2}- routing\.upstream_allowlist: set, but there is no route source/,
    );
  });
});
