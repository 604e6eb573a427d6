// Relative paths in a config file are relative to that file, whatever keyway's working directory; in
// KEYWAY_CONFIG_YAML (no file) they are relative to the working directory. The same for every command.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveStartup } from '../../src/cli/startup.js';
import { CONFIG_FILE_PATHS } from '../../src/config/relative-paths.js';

const ROOT = process.cwd();
const SECRET = 'r'.repeat(40);
const conf = mkdtempSync(join(tmpdir(), 'keyway-relative-'));
const elsewhere = mkdtempSync(join(tmpdir(), 'keyway-elsewhere-'));
mkdirSync(join(conf, 'secrets'));
mkdirSync(join(conf, 'state'));
writeFileSync(join(conf, 'secrets', 'hs.txt'), `${SECRET}\n`);
writeFileSync(join(conf, 'secrets', 'admin.txt'), 'admin-token-0123456789abcdef\n');
// The default upstream is up (explain answers no_upstream for one that is down).
const upstream = createServer((_req, res) => res.end('ok'));
await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
afterAll(() => new Promise<void>((r) => upstream.close(() => r())));
const port = (upstream.address() as AddressInfo).port;
writeFileSync(
  join(conf, 'routes.yaml'),
  `routes:\n  t1/svc/v1: 127.0.0.1:9001\ndefault: 127.0.0.1:${port}\n`,
);
const CONFIG = [
  'issuers:',
  '  - name: rel',
  '    issuer: https://rel.example/',
  '    audiences: [app]',
  '    hs_secrets: [{ file: secrets/hs.txt }]',
  'policies: [{ name: all, issuers: [rel] }]',
  'admin: { token_file: ./secrets/admin.txt }',
  'routing: { table_file: routes.yaml }',
  'revocation: { snapshot_file: state/rev.json }',
].join('\n');
writeFileSync(join(conf, 'keyway.yaml'), CONFIG);

/** The CLI from another working directory (`elsewhere`), the config named relative to it or absolute. */
function cli(args: string[], env: Record<string, string>) {
  const loader = join(ROOT, 'node_modules/tsx/dist/esm/index.mjs');
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--import', loader, join(ROOT, 'src/cli.ts'), ...args],
      { cwd: elsewhere, env: { PATH: process.env['PATH'] ?? '', ...env }, encoding: 'utf8', timeout: 30_000 },
      (error, stdout, stderr) =>
        resolve({
          code: error === null ? 0 : typeof error.code === 'number' ? error.code : null,
          stdout,
          stderr,
        }),
    );
  });
}

describe('relative paths in a config file', () => {
  it('resolve against the config file directory, not the working directory', async () => {
    // The test process runs in the repository: none of these paths exists relative to it.
    const startup = await resolveStartup({ KEYWAY_CONFIG: join(conf, 'keyway.yaml') });
    expect(startup.ok && startup.config.routing.table_file).toBe(join(conf, 'routes.yaml'));
    expect(startup.ok && startup.config.revocation.snapshot_file).toBe(join(conf, 'state', 'rev.json'));
    expect(startup.ok && startup.config.admin.token).toBe('admin-token-0123456789abcdef');
    expect(startup.ok && startup.config.issuers[0]!.hs_secrets.length).toBe(1);
  });

  it('are the working directory in KEYWAY_CONFIG_YAML (there is no file)', async () => {
    const startup = await resolveStartup({ KEYWAY_CONFIG_YAML: CONFIG });
    expect(startup.ok).toBe(false);
    const paths = startup.ok ? [] : startup.error.issues.map((i) => `${i.path} ${i.code}`);
    expect(paths).toContain('issuers[0].hs_secrets[0].file unreadable_file');
    expect(paths).toContain('routing.table_file unreadable_file');
  });

  it('check-config, mint, explain and print-config agree from another working directory', async () => {
    for (const name of ['keyway.yaml', '../' + conf.split('/').pop() + '/keyway.yaml']) {
      const env = { KEYWAY_CONFIG: name === 'keyway.yaml' ? join(conf, name) : name };
      const check = await cli(['check-config'], env);
      expect(check.code, check.stderr).toBe(0);
      const mint = await cli(['mint', '--issuer', 'rel', '--sub', 'u1'], env);
      expect(mint.code, mint.stderr).toBe(0);
      const token = mint.stdout.trim();
      const explained = await cli(['explain', '--token', token, '--host', 'a.example', '--uri', '/x'], env);
      expect(explained.code, explained.stdout).toBe(0);
      expect(JSON.parse(explained.stdout).result).toBe('allow');
      const printed = await cli(['print-config', 'caddy'], env);
      expect(printed.code, printed.stderr).toBe(0);
      expect(printed.stdout).toContain('127\\.0\\.0\\.1:9001');
    }
  });

  it('covers every file path of the schema', () => {
    expect([...CONFIG_FILE_PATHS].sort()).toEqual(
      [
        'issuers[].ca_file',
        'issuers[].keys[].file',
        'issuers[].hs_secrets[].file',
        'admin.token_file',
        'revocation.tls_ca_file',
        'revocation.snapshot_file',
        'routing.table_file',
      ].sort(),
    );
  });
});
